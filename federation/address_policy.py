"""Which network destinations the server may connect to.

Outbound requests follow URLs that remote servers hand us, so every address is checked
before a connection is opened: private, loopback, link-local, multicast, unspecified,
reserved and carrier-grade NAT ranges are refused, including IPv6 forms that carry such
an IPv4 address inside them (IPv4-mapped, 6to4, NAT64, Teredo). Host names are resolved
here and every address they resolve to is checked, so the connection is then made to an
address that was checked, not to a name that could resolve differently a second time.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from federation.errors import FetchError, HostRefused, UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A resolver turns a host name into IP address strings; it may be sync or async.
Resolver = Callable[[str], Sequence[str] | Awaitable[Sequence[str]]]

_CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the tunnelling forms."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in prefix for prefix in _NAT64_PREFIXES):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or None when it is one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = non_public_reason(embedded)
            return f"{reason} (embedded in {address})" if reason else None
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in _CARRIER_GRADE_NAT:
        return "carrier-grade NAT"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


async def system_resolver(host: str) -> list[str]:
    """Resolve ``host`` with the operating system's resolver, without duplicates."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve host {host!r}: {error.strerror}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ip(text: str) -> IPAddress | None:
    """``text`` as an IP address (brackets and IPv6 zone allowed), or None if it is a name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Decides which (host, port) destinations may be connected to.

    ``host_gate`` (host -> a reason, or None) refuses hosts by name before any request,
    on every redirect hop: the server passes its domain blocks here.

    ``allowed_endpoints`` names exact (host, port) pairs, as written in the URL, that are
    trusted even when they are not public: for a peer on a private network, or a test
    server on loopback.
    """

    allow_private_addresses: bool = False
    allowed_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    # host -> why no request may go there, or None: the server's domain blocks.
    host_gate: Callable[[str], str | None] | None = None

    def check_host(self, host: str) -> None:
        """Raise HostRefused when the host gate refuses ``host`` (checked on every hop)."""
        if self.host_gate is not None:
            reason = self.host_gate(host)
            if reason is not None:
                raise HostRefused(f"refusing to contact {host}: {reason}")

    def check_address(self, host: str, port: int, address: IPAddress) -> None:
        """Raise UnsafeURLError unless a connection to ``address`` for ``host`` is allowed."""
        if self.allow_private_addresses or (host.lower(), port) in self.allowed_endpoints:
            return
        reason = non_public_reason(address)
        if reason is not None:
            shown = host if str(address) == host else f"{host} ({address})"
            raise UnsafeURLError(f"refusing to connect to {shown}: {reason} address")

    async def resolve(self, host: str, port: int, resolver: Resolver) -> list[IPAddress]:
        """Every address ``host`` resolves to, each one checked; refuses if any is unsafe."""
        literal = parse_ip(host)
        if literal is not None:
            addresses = [literal]
        else:
            answer = resolver(host)
            if inspect.isawaitable(answer):
                answer = await answer
            addresses = []
            for text in answer:
                address = parse_ip(str(text))
                if address is None:
                    raise UnsafeURLError(f"resolver gave {text!r} for {host!r}, not an address")
                addresses.append(address)
        if not addresses:
            raise UnsafeURLError(f"host {host!r} resolves to no address")
        for address in addresses:
            self.check_address(host, port, address)
        return addresses

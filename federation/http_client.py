"""The one way the server fetches anything remote: a small, guarded HTTP client.

``SafeHttpClient`` checks every destination with an ``AddressPolicy`` at the moment a
connection is opened (the transport's resolver resolves the host, checks every address
and hands only checked addresses to the connector, which connects to one of them, so DNS
rebinding cannot slip a private address in; address literals are checked before sending),
allows only http and https, follows redirects itself with the same checks on every hop,
and caps both the response size (while streaming) and the total time of a request.
Responses are plain ``FetchResponse`` values so callers never depend on the transport.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import aiohttp
import aiohttp.abc
import certifi
import httpx
import yarl

from federation.address_policy import AddressPolicy, IPAddress, Resolver, parse_ip, system_resolver
from federation.errors import FetchError, UnsafeURLError

ACTIVITY_JSON = (
    'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Credentials meant for one origin must not travel to another on a redirect.
_ORIGIN_BOUND_HEADERS = frozenset(
    {"authorization", "cookie", "signature", "signature-input", "date", "digest", "content-digest"}
)

_HEADERS_SET_BY_CLIENT = frozenset({"host", "user-agent", "accept-encoding", "content-length"})


@dataclass(frozen=True)
class HttpClientSettings:
    """Limits and identity of the outbound client."""

    user_agent: str
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 5.0
    max_response_bytes: int = 1_048_576
    max_redirects: int = 5
    max_connections: int = 50


@dataclass(frozen=True)
class FetchResponse:
    """What came back: status, headers (lower-cased names), body and the URL that answered."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ("" when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def user_agent_for(version: str, domain: str) -> str:
    """The User-Agent this server sends: ``fediserver/<version> (+https://<domain>/)``."""
    return f"fediserver/{version} (+https://{domain}/)"


class _GuardedResolver(aiohttp.abc.AbstractResolver):
    """aiohttp's name lookup, answered only with addresses the policy allows.

    The connector opens its TCP connections to exactly the addresses returned here, so
    the address checked is the address connected to (no second lookup to rebind)."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[aiohttp.abc.ResolveResult]:
        addresses = await self._policy.resolve(host, port, self._resolver)
        return [{"hostname": host, "host": str(address), "port": port,
                 "family": socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST} for address in addresses]

    async def close(self) -> None:
        pass


class SafeHttpClient:
    """Guarded GET and POST to remote servers; use as ``async with`` or call ``aclose()``.

    ``resolver`` (host -> IP strings, sync or async) and ``ssl_context`` (which CAs to
    trust; certifi's bundle by default) can be replaced, for private networks and tests.
    The transport is aiohttp (C-accelerated HTTP/1.1, keep-alive pool of at most
    ``max_connections``), opened on first use inside the running event loop.
    """

    def __init__(
        self,
        settings: HttpClientSettings,
        *,
        policy: AddressPolicy | None = None,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy or AddressPolicy()
        self._resolver = resolver
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(total=None, connect=settings.connect_timeout_seconds,
                                              sock_read=settings.timeout_seconds)

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=_GuardedResolver(self.policy, self._resolver),
                use_dns_cache=False,  # every new connection is resolved and checked afresh
                ssl=self._ssl_context or _default_ssl_context(),
                limit=self.settings.max_connections,
                limit_per_host=0,  # callers hold their own per-host limits
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, auto_decompress=False, trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
            )
        return self._session

    async def __aenter__(self) -> SafeHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None,
                  accept: str = ACTIVITY_JSON) -> FetchResponse:
        """GET ``url``, following redirects; raises FetchError / UnsafeURLError."""
        merged = {"accept": accept, **{k.lower(): v for k, v in (headers or {}).items()}}
        return await self._request("GET", url, merged, b"")

    async def post(self, url: str, *, content: bytes,
                   headers: Mapping[str, str]) -> FetchResponse:
        """POST ``content`` to ``url``; only 307/308 redirects are followed (body resent)."""
        merged = {k.lower(): v for k, v in headers.items()}
        return await self._request("POST", url, merged, content)

    async def _request(self, method: str, url: str, headers: dict[str, str],
                       content: bytes) -> FetchResponse:
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                return await self._follow(method, url, headers, content)
        except TimeoutError as error:
            raise FetchError(
                f"{method} {url} took longer than {self.settings.timeout_seconds:g} s"
            ) from error

    async def _follow(self, method: str, url: str, headers: dict[str, str],
                      content: bytes) -> FetchResponse:
        current = _checked_url(url)
        self.policy.check_host(current.host)
        for _hop in range(self.settings.max_redirects + 1):
            response = await self._send_once(method, current, headers, content)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            if method == "POST" and response.status not in (307, 308):
                return response
            try:
                target = _checked_url(str(current.join(location)))
            except httpx.InvalidURL as error:
                raise FetchError(f"{current} redirected to an invalid URL {location!r}") from error
            self.policy.check_host(target.host)
            if _origin_key(target) != _origin_key(current):
                headers = {k: v for k, v in headers.items() if k not in _ORIGIN_BOUND_HEADERS}
            current = target
        raise FetchError(f"{url} redirected more than {self.settings.max_redirects} times")

    async def _send_once(self, method: str, url: httpx.URL, headers: dict[str, str],
                         content: bytes) -> FetchResponse:
        limits = self.settings
        literal = _address_literal(url.host)
        if literal is not None:  # aiohttp connects to address literals without asking the resolver
            self.policy.check_address(url.host, url.port or _DEFAULT_PORTS[url.scheme], literal)
        request_headers = {k: v for k, v in headers.items() if k not in _HEADERS_SET_BY_CLIENT}
        request_headers["user-agent"] = limits.user_agent
        request_headers["accept-encoding"] = "identity"
        session = self._open_session()
        try:
            async with session.request(method, _transport_url(url), headers=request_headers,
                                       data=content if method == "POST" else None,
                                       allow_redirects=False) as raw:
                response_headers = _header_map(raw.raw_headers)
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_response_bytes:
                    raise FetchError(_too_large(url, limits.max_response_bytes))
                body = bytearray()
                async for chunk in raw.content.iter_any():
                    body += chunk
                    if len(body) > limits.max_response_bytes:
                        raise FetchError(_too_large(url, limits.max_response_bytes))
                return FetchResponse(raw.status, response_headers, bytes(body), str(url))
        except UnsafeURLError:
            raise
        except aiohttp.ClientConnectorError as error:
            cause = error.os_error
            if isinstance(cause, UnsafeURLError):
                raise cause from None
            raise FetchError(f"{method} {url} failed: cannot connect ({cause or type(error).__name__})") from error
        except (aiohttp.ServerTimeoutError, aiohttp.ConnectionTimeoutError) as error:
            raise FetchError(f"{method} {url} timed out ({type(error).__name__})") from error
        except (aiohttp.ClientError, OSError) as error:
            raise FetchError(f"{method} {url} failed: {error or type(error).__name__}") from error


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _address_literal(host: str) -> IPAddress | None:
    """``host`` as an address, legacy IPv4 spellings (``2130706433``, ``0x7f.1``) included."""
    literal = parse_ip(host)
    if literal is None:
        try:
            literal = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return literal


def _default_ssl_context() -> ssl.SSLContext:
    """Verify against certifi's CA bundle (as httpx does), whatever the system trusts."""
    return ssl.create_default_context(cafile=certifi.where())


def _too_large(url: httpx.URL, cap: int) -> str:
    return f"response from {url} is larger than the {cap} byte limit"


@functools.lru_cache(maxsize=4096)
def _checked_url(url: str) -> httpx.URL:
    """Parse ``url`` and refuse anything but absolute http(s) URLs with a host.

    Remembered for the inboxes a worker delivers to again and again (refusals are not)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise UnsafeURLError(f"invalid URL {url!r}: {error}") from error
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURLError(f"refusing URL {url!r}: only http and https are allowed")
    if not parsed.host:
        raise UnsafeURLError(f"refusing URL {url!r}: it has no host")
    if parsed.userinfo:
        raise UnsafeURLError(f"refusing URL {url!r}: credentials in URLs are not allowed")
    return parsed.copy_with(fragment=None) if parsed.fragment else parsed


@functools.lru_cache(maxsize=4096)
def _transport_url(url: httpx.URL) -> yarl.URL:
    """The checked URL as the transport takes it, already encoded (so sent as checked)."""
    return yarl.URL(str(url), encoded=True)


def _origin_key(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _header_map(raw_headers: Iterable[tuple[bytes, bytes]]) -> Mapping[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return MappingProxyType(headers)

"""The one way the server fetches anything remote: a small, guarded HTTP client.

``SafeHttpClient`` checks every destination with an ``AddressPolicy`` at the moment a
connection is opened (a custom network backend resolves the host, checks every address
and connects to a checked address, so DNS rebinding cannot slip a private address in),
allows only http and https, follows redirects itself with the same checks on every hop,
and caps both the response size (while streaming) and the total time of a request.
Responses are plain ``FetchResponse`` values so callers never depend on the transport.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import httpcore
import httpx

from federation.address_policy import AddressPolicy, Resolver, parse_ip, system_resolver
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


class _GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy allows, checked at connect time."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.resolve(host, port, self._resolver)
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    str(address), port, timeout=timeout,
                    local_address=local_address, socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as error:
                last_error = error
                continue
            peer = stream.get_extra_info("server_addr")
            connected = parse_ip(str(peer[0])) if peer else None
            if connected is not None:
                try:
                    self._policy.check_address(host, port, connected)
                except UnsafeURLError:
                    await stream.aclose()
                    raise
            return stream
        raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {last_error}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise UnsafeURLError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class SafeHttpClient:
    """Guarded GET and POST to remote servers; use as ``async with`` or call ``aclose()``.

    ``resolver`` (host -> IP strings, sync or async) and ``ssl_context`` (which CAs to
    trust; certifi's bundle by default) can be replaced, for private networks and tests.
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
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=settings.max_connections,
            network_backend=_GuardedNetworkBackend(self.policy, resolver),
        )

    async def __aenter__(self) -> SafeHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._pool.aclose()

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
        request_headers = [
            ("host", url.netloc.decode("ascii")),
            ("user-agent", limits.user_agent),
            ("accept-encoding", "identity"),
            *((k, v) for k, v in headers.items() if k not in _HEADERS_SET_BY_CLIENT),
        ]
        if method == "POST":
            request_headers.append(("content-length", str(len(content))))
        extensions = {"timeout": {"connect": limits.connect_timeout_seconds,
                                  "read": limits.timeout_seconds,
                                  "write": limits.timeout_seconds,
                                  "pool": limits.timeout_seconds}}
        try:
            async with self._pool.stream(method, str(url), headers=request_headers,
                                         content=content or None,
                                         extensions=extensions) as raw:
                response_headers = _header_map(raw.headers)
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_response_bytes:
                    raise FetchError(_too_large(url, limits.max_response_bytes))
                body = bytearray()
                async for chunk in raw.aiter_stream():
                    body += chunk
                    if len(body) > limits.max_response_bytes:
                        raise FetchError(_too_large(url, limits.max_response_bytes))
                return FetchResponse(raw.status, response_headers, bytes(body), str(url))
        except httpcore.TimeoutException as error:
            raise FetchError(f"{method} {url} timed out ({type(error).__name__})") from error
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as error:
            raise FetchError(f"{method} {url} failed: {error or type(error).__name__}") from error


def _too_large(url: httpx.URL, cap: int) -> str:
    return f"response from {url} is larger than the {cap} byte limit"


def _checked_url(url: str) -> httpx.URL:
    """Parse ``url`` and refuse anything but absolute http(s) URLs with a host."""
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
    return parsed.copy_with(fragment=None)


def _origin_key(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def _header_map(raw_headers: list[tuple[bytes, bytes]]) -> Mapping[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return MappingProxyType(headers)

"""Requests whose ``Host`` header names no host are answered 400 before the app sees them.

The router binds every request to its ``Host``; a value that is no host name at all
(``.``, ``a..b``, a label over 63 characters) makes it raise while the request is being
set up, before any error handler can answer, and the server then replies 500. This
ASGI wrapper refuses those requests first, with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson

Asgi = Callable[[dict[str, Any], Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def host_is_usable(host: str) -> bool:
    """Whether the router can bind to ``host`` (the name before any port must encode as IDNA)."""
    try:
        host.lower().partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


def refuse_unusable_hosts(app: Asgi) -> Asgi:
    async def guarded(scope: dict[str, Any], receive, send) -> None:
        if scope["type"] == "http":
            host = next((value for name, value in scope.get("headers", ()) if name.lower() == b"host"), None)
            if host is not None and not host_is_usable(host.decode("latin-1")):
                body = orjson.dumps({"error": "bad Host header", "detail": "it names no host"})
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded

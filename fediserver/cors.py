"""Cross-origin access as Mastodon grants it, so browser clients on other origins (Phanpy,
Elk, Pinafore...) can call the client API and sign in.

``Access-Control-Allow-Origin: *`` on ``/api/*``, ``/oauth/token``, ``/oauth/revoke``,
``/oauth/userinfo``, ``/.well-known/*`` and ``/nodeinfo/*``, on errors too, exposing
``Link`` (paging) and the rate-limit headers. Preflight ``OPTIONS`` requests are answered
at once, allowing the headers asked for (``Authorization``, ``Content-Type``,
``Idempotency-Key``...). No credentials: the API is authorised by bearer tokens only,
never by cookies.
"""

from __future__ import annotations

import re

from quart import Quart, Response, request

PREFIXES = ("/api/", "/.well-known/", "/nodeinfo/")
PATHS = frozenset({"/oauth/token", "/oauth/revoke", "/oauth/userinfo"})
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
MAX_AGE_SECONDS = 7200
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


def shared_across_origins(path: str) -> bool:
    return path in PATHS or path.startswith(PREFIXES)


def _allowed_headers() -> str:
    asked = request.headers.get("Access-Control-Request-Headers", "").strip()
    return asked if asked and len(asked) < 1000 and _HEADER_LIST.match(asked) else DEFAULT_ALLOWED_HEADERS


async def _answer_preflight() -> Response | None:
    if (
        request.method != "OPTIONS"
        or "Access-Control-Request-Method" not in request.headers
        or not shared_across_origins(request.path)
    ):
        return None
    return Response("", status=204, headers={
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": METHODS,
        "Access-Control-Allow-Headers": _allowed_headers(),
        "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
    })


async def _add_headers(response):
    if shared_across_origins(request.path):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def install_cors(app: Quart) -> None:
    app.before_request(_answer_preflight)
    app.after_request(_add_headers)

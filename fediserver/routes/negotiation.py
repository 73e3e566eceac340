"""What the ActivityPub GET routes share: content negotiation, JSON answers, authorized fetch.

``wants_activity_json`` reads the Accept header: ActivityPub JSON for
``application/activity+json`` and ``application/ld+json`` (the ActivityStreams profile
or none), HTML for browsers and everyone else. ``signature_refusal`` is the
``federation.authorized_fetch`` gate (forced on in allowlist mode): with it on, a GET
must carry a valid HTTP Signature, and the answer is 401 otherwise; 403 when its signer's
server is suspended by a domain block or off the allowlist. ``signed_reader`` names who signed a GET,
for answers that depend on the reader.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from quart import Response, g, request

from federation.signatures import SignatureError
from fediserver.models import Account
from fediserver.services import app_services

ACTIVITY_JSON = "application/activity+json; charset=utf-8"
_JSON_TYPES = ("application/activity+json", "application/ld+json")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_activity_json(accept: str | None) -> bool:
    """True when the best acceptable type is ActivityPub JSON rather than a page."""
    best_json = best_html = 0.0
    for media_range in (accept or "").split(","):
        media_type, *params = media_range.split(";")
        media_type = media_type.strip().lower()
        quality = _quality(params)
        if media_type in _JSON_TYPES:
            best_json = max(best_json, quality)
        elif media_type in _HTML_TYPES:
            best_html = max(best_html, quality)
    return best_json > 0 and best_json >= best_html


def activity_json(body: bytes | dict[str, Any], status: int = 200) -> Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    response = Response(data, status=status, content_type=ACTIVITY_JSON)
    response.headers["Vary"] = "Accept"
    return response


def json_error(status: int, error: str, detail: str = "") -> Response:
    body = {"error": error, "detail": detail} if detail else {"error": error}
    return Response(orjson.dumps(body), status=status, content_type="application/json")


async def _verify_signed_get():
    """Verify this request's signature once; the result (or the refusal) is kept in ``g``."""
    if "signature_check" not in g:
        services = app_services()
        try:
            g.signature_check = await services.verifier.verify(request.method, request.scope, request.headers, None)
        except SignatureError as error:
            g.signature_check = error
    return g.signature_check


async def signature_refusal() -> Response | None:
    """None when the GET may be answered; a 401 when authorized fetch wants a signature."""
    services = app_services()
    if not services.settings.authorized_fetch:
        return None
    checked = await _verify_signed_get()
    if isinstance(checked, SignatureError):
        return json_error(401, str(checked.reason), checked.detail)
    refused = services.domains.refusal(urlsplit(checked.owner).netloc)
    if refused is not None:
        return json_error(403, "domain blocked", refused)
    return None


async def signed_reader() -> Account | None:
    """The stored actor that signed this GET, when it carries a valid signature; None
    otherwise (verifying the key stored the actor, so a valid signer is always found)."""
    if "signature" not in request.headers and "signature-input" not in request.headers:
        return None
    if "signed_reader" not in g:
        checked = await _verify_signed_get()
        g.signed_reader = None if isinstance(checked, SignatureError) else await Account.get_or_none(uri=checked.owner)
    return g.signed_reader

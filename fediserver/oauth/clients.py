"""OAuth clients (apps): registering them, their redirect URIs, authenticating them.

Redirect URIs are kept exactly as registered and matched exactly. Any absolute URI is
accepted, custom schemes included (``oauth2redirect://...``, ``icecubesapp://``,
``com.tapbots.Ivory.N:/request_token``), as is ``urn:ietf:wg:oauth:2.0:oob`` (show the
code instead of redirecting); never a script scheme or a fragment. The client secret is
shown once, at registration; only its digest is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode, urlsplit

from fediserver.models import OAuthApp
from fediserver.oauth.scopes import as_text
from fediserver.oauth.secrets import digest, matches, new_secret

OOB = "urn:ietf:wg:oauth:2.0:oob"
MAX_NAME_LENGTH = 60
MAX_URI_LENGTH = 2000
MAX_REDIRECT_URIS = 20
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.+)$", re.DOTALL)


class RegistrationError(ValueError):
    """An app registration that cannot be accepted, phrased for the client."""


def split_redirect_uris(value: str | Iterable[str] | None) -> list[str]:
    """Redirect URIs as clients send them: one string (space or newline separated) or a list."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [uri for item in items for uri in str(item).split()]


def check_redirect_uri(uri: str) -> str:
    if uri == OOB:
        return uri
    if len(uri) > MAX_URI_LENGTH:
        raise RegistrationError(f"redirect URI longer than {MAX_URI_LENGTH} characters")
    match = _SCHEME.match(uri)
    if match is None or any(ord(c) < 0x21 or ord(c) == 0x7F for c in uri):
        raise RegistrationError(f"redirect URI {uri!r} must be an absolute URI")
    scheme = match.group(1).lower()
    if scheme in FORBIDDEN_SCHEMES:
        raise RegistrationError(f"redirect URI {uri!r}: the {scheme}: scheme is not allowed")
    if "#" in uri:
        raise RegistrationError(f"redirect URI {uri!r} must not contain a fragment")
    if scheme in ("http", "https") and not urlsplit(uri).hostname:
        raise RegistrationError(f"redirect URI {uri!r} has no host")
    return uri


def check_website(website: str | None) -> str | None:
    if not website:
        return None
    if len(website) > MAX_URI_LENGTH:
        raise RegistrationError(f"website longer than {MAX_URI_LENGTH} characters")
    parts = urlsplit(website)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistrationError(f"website {website!r} must be an http(s) URL")
    return website


async def register_app(
    name: str, redirect_uris: Sequence[str], scopes: Sequence[str], website: str | None = None
) -> tuple[OAuthApp, str]:
    """A new app and its client secret (the only copy: the client keeps it)."""
    name = name.strip()
    if not name:
        raise RegistrationError("client_name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise RegistrationError(f"client_name is longer than {MAX_NAME_LENGTH} characters")
    if not redirect_uris:
        raise RegistrationError("redirect_uris is required (urn:ietf:wg:oauth:2.0:oob shows the code instead)")
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        raise RegistrationError(f"at most {MAX_REDIRECT_URIS} redirect URIs")
    uris = list(dict.fromkeys(check_redirect_uri(uri) for uri in redirect_uris))
    secret = new_secret()
    app = await OAuthApp.create(
        name=name, website=check_website(website), redirect_uris="\n".join(uris), scopes=as_text(scopes),
        client_id=new_secret(), client_secret_digest=digest(secret),
    )
    return app, secret


async def app_for_client_id(client_id: str | None) -> OAuthApp | None:
    if not client_id:
        return None
    return await OAuthApp.get_or_none(client_id=client_id)


async def authenticate_client(client_id: str | None, client_secret: str | None) -> OAuthApp | None:
    """The app if the id is known and the secret is its own; None otherwise."""
    app = await app_for_client_id(client_id)
    if app is None or not client_secret or not matches(client_secret, app.client_secret_digest):
        return None
    return app


def with_query(redirect_uri: str, params: dict[str, str]) -> str:
    """``redirect_uri`` with ``params`` added to its query, the URI otherwise untouched
    (custom schemes keep their exact spelling)."""
    present = {key: value for key, value in params.items() if value is not None}
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(present)}"

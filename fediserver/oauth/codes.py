"""Authorization codes: what the consent page gives an app, redeemed once for a token.

A code lives ``CODE_LIFETIME`` and is bound to the app, the account, the redirect URI,
the scopes and the PKCE challenge of the request it answers. Redeeming checks all of
them before anything changes; the code is then spent and the token issued in one
transaction, and a second redemption finds it spent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tortoise.transactions import in_transaction

from fediserver.models import Account, ApiToken, AuthorizationCode, OAuthApp
from fediserver.clock import utcnow
from fediserver.oauth.scopes import as_text
from fediserver.oauth.secrets import digest, new_secret
from fediserver.oauth.tokens import issue_token

CODE_LIFETIME = timedelta(minutes=10)
PKCE_METHODS = ("S256",)


@dataclass
class GrantError(Exception):
    """A refused grant, as RFC 6749 names it (``invalid_grant``...), with its HTTP status."""

    error: str
    description: str
    status: int = 400


async def issue_code(
    app: OAuthApp, account: Account, *, redirect_uri: str, scopes: Sequence[str], code_challenge: str | None
) -> str:
    code = new_secret()
    await AuthorizationCode.create(
        code_digest=digest(code), app=app, account=account, redirect_uri=redirect_uri, scopes=as_text(scopes),
        code_challenge=code_challenge, expires_at=utcnow() + CODE_LIFETIME,
    )
    return code


def pkce_matches(verifier: str, challenge: str) -> bool:
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


async def redeem_code(
    app: OAuthApp, code: str | None, *, redirect_uri: str | None, code_verifier: str | None
) -> tuple[str, ApiToken]:
    """The token a valid code buys; ``GrantError`` (and nothing changed) otherwise."""
    if not code:
        raise GrantError("invalid_request", "code is required")
    row = await AuthorizationCode.get_or_none(code_digest=digest(code)).select_related("account")
    if row is None or row.app_id != app.pk:
        raise GrantError("invalid_grant", "the authorization code is not valid for this client")
    if row.used_at is not None:
        raise GrantError("invalid_grant", "the authorization code was already used")
    if row.expires_at <= utcnow():
        raise GrantError("invalid_grant", "the authorization code has expired")
    if redirect_uri != row.redirect_uri:
        raise GrantError("invalid_grant", "redirect_uri does not match the one the code was issued for")
    if row.code_challenge is not None:
        if not code_verifier:
            raise GrantError("invalid_grant", "code_verifier is required (the request used PKCE)")
        if not pkce_matches(code_verifier, row.code_challenge):
            raise GrantError("invalid_grant", "code_verifier does not match the code challenge")
    elif code_verifier:
        raise GrantError("invalid_grant", "code_verifier sent, but the authorization request had no code challenge")
    if row.account.suspended:
        raise GrantError("invalid_grant", "the account is suspended")
    async with in_transaction():
        spent = await AuthorizationCode.filter(id=row.pk, used_at=None).update(used_at=utcnow())
        if not spent:
            raise GrantError("invalid_grant", "the authorization code was already used")
        return await issue_token(account=row.account, app=app, scopes=row.scopes.split())

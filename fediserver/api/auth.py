"""Who is calling the client API: the bearer token, the account it acts for, its scopes.

Clients send ``Authorization: Bearer <token>`` (from the OAuth flow or ``fediserver token
create``). Every endpoint names the scope it needs, as Mastodon documents it:

- ``require_account(scope=...)``: a token for an account, holding the scope. No token:
  401; an unknown or revoked token: 401; a token without the scope: 403; an app's own
  token (``client_credentials``) where an account is needed: 422, as Mastodon answers.
- ``optional_account(scope=...)``: the same for endpoints anyone may read; without a
  token the caller is anonymous (None), but a token that is sent must be valid and hold
  the scope.
- ``require_caller()``: any valid token, an app's own included.
- ``require_admin(scope=...)``: the admin API: a token holding the ``admin:*`` scope,
  for an account that is one of the instance's admins; anything less is 403 (401
  without a token, as everywhere).

``scope`` is one scope or a tuple of alternatives (any one of them is enough), e.g.
``("read:accounts", "profile")``. Scopes are hierarchical (``oauth.scopes.covers``).
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import g, request

from fediserver.models import Account, ApiToken, OAuthApp
from fediserver.oauth.scopes import covers
from fediserver.oauth.tokens import scopes_of, token_for
from fediserver.refusals import ApiError

Scope = str | tuple[str, ...]


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    account: Account | None
    app: OAuthApp | None
    scopes: tuple[str, ...]

    def allows(self, scope: Scope) -> bool:
        wanted = (scope,) if isinstance(scope, str) else scope
        return any(covers(self.scopes, one) for one in wanted)


def bearer_token(headers=None) -> str | None:
    """The token of an ``Authorization: Bearer`` header (of ``headers``, else the request's)."""
    header = (request.headers if headers is None else headers).get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def current_caller() -> Caller | None:
    """The valid token's holder, None without a token; a token that is sent must be valid."""
    if "api_caller" in g:
        return g.api_caller
    bearer = bearer_token()
    caller = None
    if bearer is not None:
        token = await token_for(bearer)
        if token is None:
            raise ApiError(401, "The access token is invalid")
        caller = Caller(token, token.account, token.app, scopes_of(token))
    g.api_caller = caller
    return caller


def _check_scope(caller: Caller, scope: Scope) -> None:
    if not caller.allows(scope):
        raise ApiError(403, "This action is outside the authorized scopes")


async def optional_account(*, scope: Scope) -> Account | None:
    caller = await current_caller()
    if caller is None:
        return None
    _check_scope(caller, scope)
    return caller.account


async def require_account(*, scope: Scope) -> Account:
    caller = await current_caller()
    if caller is None:
        raise ApiError(401, "The access token is missing; send Authorization: Bearer <token>")
    _check_scope(caller, scope)
    if caller.account is None:
        raise ApiError(422, "This method requires an authenticated user")
    return caller.account


async def require_caller() -> Caller:
    caller = await current_caller()
    if caller is None:
        raise ApiError(401, "The access token is missing; send Authorization: Bearer <token>")
    return caller


async def require_admin(*, scope: Scope) -> Account:
    account = await require_account(scope=scope)
    if not account.is_admin or account.suspended:
        raise ApiError(403, "This action is not allowed: the account is not an admin of this instance")
    return account

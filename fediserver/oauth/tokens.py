"""Access tokens: issued to an app for an account (or for the app alone), found again by
the digest of what the client sends, revoked. Tokens do not expire, as Mastodon's do not.

Checking a token is one read. ``last_used_at`` is stamped at most once an hour, so busy
clients cost no database write per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fediserver.models import Account, ApiToken, OAuthApp, WebPushSubscription
from fediserver.clock import utcnow
from fediserver.oauth.scopes import as_text
from fediserver.oauth.secrets import digest, new_secret

STAMP_EVERY = timedelta(hours=1)


async def issue_token(
    *, account: Account | None, app: OAuthApp | None, scopes: Sequence[str], name: str = ""
) -> tuple[str, ApiToken]:
    """A new token; the returned text is the only copy of it (show it once)."""
    token = new_secret()
    row = await ApiToken.create(
        account=account, app=app, name=name or (app.name if app else ""), token_digest=digest(token),
        scopes=as_text(scopes),
    )
    return token, row


async def token_for(bearer: str) -> ApiToken | None:
    """The live token a client presented, with its account and app; None if unknown,
    revoked, or its account is suspended."""
    row = await ApiToken.get_or_none(token_digest=digest(bearer), revoked_at=None).select_related("account", "app")
    if row is None or (row.account is not None and row.account.suspended):
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= STAMP_EVERY:
        row.last_used_at = now
        await ApiToken.filter(id=row.pk).update(last_used_at=now)
    return row


async def token_by_value(value: str) -> ApiToken | None:
    """The token row for a token's text, live or revoked (for revoking it)."""
    return await ApiToken.get_or_none(token_digest=digest(value))


def scopes_of(token: ApiToken) -> tuple[str, ...]:
    return tuple(token.scopes.split())


async def revoke(token: ApiToken) -> None:
    """Revoke a token; its push subscription goes with it."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await ApiToken.filter(id=token.pk, revoked_at=None).update(revoked_at=token.revoked_at)
    await WebPushSubscription.filter(token_id=token.pk).delete()


async def revoke_app_for(account: Account, app_id: int) -> int:
    """Revoke every live token ``account`` gave one app (and their push subscriptions); returns how many."""
    revoked = await ApiToken.filter(account=account, app_id=app_id, revoked_at=None).update(revoked_at=utcnow())
    tokens = await ApiToken.filter(account=account, app_id=app_id).values_list("id", flat=True)
    await WebPushSubscription.filter(token_id__in=list(tokens)).delete()
    return revoked


async def revoke_token_of(account: Account, token_id: int) -> int:
    """Revoke one of ``account``'s tokens by its id (and its push subscription)."""
    revoked = await ApiToken.filter(account=account, id=token_id, revoked_at=None).update(revoked_at=utcnow())
    await WebPushSubscription.filter(account_id=account.pk, token_id=token_id).delete()
    return revoked

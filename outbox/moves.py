"""Moving an artist's account to another server: her aliases, and the ``Move``.

``set_aliases`` records the accounts she also is (``alsoKnownAs`` on her actor: what a
server she moves here from checks before following her). ``move_account`` sends a
``Move`` to every server with a follower of hers, but only when the new account names
her in its own ``alsoKnownAs`` (the caller fetches it afresh first); from then on her
actor says ``movedTo``, her profile page sends visitors on, and she can no longer post
here (``outbox.statuses`` refuses). Followers' servers move them to the new account;
her followers on this server follow it at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.transactions import in_transaction

from fediserver.models import Account, Follow, FollowState, NotificationKind
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.interactions import notify
from fediserver.models.social import move_follow
from outbox import relations
from outbox.builders import ACTIVITY_CONTEXT, new_activity_id
from outbox.errors import ActionError
from outbox.publish import publish
from outbox.recipients import follower_inboxes

MAX_ALIASES = 10


async def set_aliases(account: Account, aliases: Sequence[Account]) -> Account:
    """Replace ``account``'s ``alsoKnownAs`` by the accounts ``aliases`` (at most ten)."""
    _check_local(account)
    if len(aliases) > MAX_ALIASES:
        raise ActionError(f"at most {MAX_ALIASES} aliases, not {len(aliases)}")
    if any(alias.pk == account.pk for alias in aliases):
        raise ActionError("an account cannot be an alias of itself")
    account.also_known_as = list(dict.fromkeys(alias.uri for alias in aliases))
    await account.save(update_fields=["also_known_as", "updated_at"])
    return account


def move_activity(account: Account, target: Account) -> dict:
    return {
        "@context": ACTIVITY_CONTEXT,
        "id": new_activity_id(account),
        "type": "Move",
        "actor": account.uri,
        "object": account.uri,
        "target": target.uri,
        "to": [account.followers_url],
    }


async def move_account(account: Account, target: Account) -> Account:
    """Move the local ``account`` to ``target`` (fetched afresh by the caller)."""
    _check_local(account)
    if target.pk == account.pk:
        raise ActionError("an account cannot move to itself")
    if target.suspended:
        raise ActionError(f"@{target.acct} is suspended")
    if target.moved_to_uri:
        raise ActionError(f"@{target.acct} has itself moved to {target.moved_to_uri}")
    if account.uri not in (target.also_known_as or []):
        raise ActionError(f"@{target.acct} does not name @{account.acct} in its aliases (alsoKnownAs): "
                          "add the alias on the new account first")
    async with in_transaction():
        account.moved_to_uri = target.uri
        await account.save(update_fields=["moved_to_uri", "updated_at"])
        await publish(move_activity(account, target), actor=account, inboxes=await follower_inboxes(account))
        # Her followers on this server follow the new account themselves.
        local_follows = await Follow.accepted().filter(target=account, follower__domain=LOCAL_DOMAIN) \
            .prefetch_related("follower")
        for old in local_follows:
            await relations.follow(old.follower, target)
            await move_follow(old, FollowState.REMOVED)
            await notify(old.follower, account, NotificationKind.MOVE)
    return account


def _check_local(account: Account) -> None:
    if not account.is_local:
        raise ActionError(f"@{account.acct} is not an account of this instance")
    if account.suspended:
        raise ActionError(f"@{account.acct} is suspended")

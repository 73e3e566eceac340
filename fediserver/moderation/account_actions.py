"""What an admin does to an account, local or remote, and what each action means.

- ``sensitive``: the account's media is always shown behind a sensitive-content warning
  (the client API and the web pages read ``Account.sensitized``; its new posts are
  marked sensitive).
- ``silence`` (Mastodon's "limit"): the account's posts stay out of public timelines,
  hashtag pages and search (``fediserver.visibility.publicly_listed``), and whoever it
  asks to follow here gets a follow request instead of a follow.
- ``suspend``: its posts are hidden from everyone (``fediserver.visibility``). A local
  account can no longer sign in, its sessions and tokens are revoked, its actor answers
  as suspended (``suspended: true``, its other documents 410 Gone) and its followers'
  servers get the ``Delete`` of the actor, as Mastodon sends. A remote account's
  activities are refused from then on (``inbox.processing``).
- ``none``: nothing is done to the account (used to close a report with a warning).

Each has its undoing (``unsensitive``, ``unsilence``, ``unsuspend``). An unsuspension
is possible for ``SUSPENSION_KEPT`` (30 days); a local account's followers' servers then
get an ``Update`` of its actor. After that the data is gone: ``purge_expired_suspensions``
deletes the account's posts, media (and their files) and follows
(``fediserver account purge-suspended``)
and its actor answers 410 Gone.

Every action is written to the audit log, and closes the report it answers, if any.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fediserver.actor_documents import actor_document
from fediserver.clock import utcnow
from fediserver.instance_actor import INSTANCE_ACTOR_USERNAME
from fediserver.models import Account, ApiToken, Follow, MediaAttachment, Post, Report, WebSession
from fediserver.models.social import remove_follows
from fediserver.moderation import reports
from fediserver.moderation.audit import Admin, record
from fediserver.urls import InstanceUrls
from outbox import builders
from outbox.profile import publish_profile_update
from outbox.publish import publish
from outbox.recipients import follower_inboxes

SUSPENSION_KEPT = timedelta(days=30)


class AccountAction(StrEnum):
    NONE = "none"
    SENSITIVE = "sensitive"
    SILENCE = "silence"
    SUSPEND = "suspend"


class ActionRefused(ValueError):
    """An action that cannot be taken on this account, phrased for the admin."""


def parse_action(value: str | None) -> AccountAction:
    try:
        return AccountAction(value or "none")
    except ValueError:
        names = ", ".join(action.value for action in AccountAction)
        raise ActionRefused(f"type must be one of {names}, not {value!r}") from None


def _label(account: Account) -> str:
    return f"@{account.acct}"


def _check_target(admin: Admin, account: Account) -> None:
    if account.is_local and account.username == INSTANCE_ACTOR_USERNAME:
        raise ActionRefused("the instance actor cannot be moderated")
    if admin.account is not None and admin.account.pk == account.pk:
        raise ActionRefused("an admin cannot take action on their own account")


async def take_action(admin: Admin, account: Account, action: AccountAction | str, *, urls: InstanceUrls,
                      report: Report | None = None, text: str = "") -> None:
    """Mastodon's ``POST /api/v1/admin/accounts/:id/action``: one action, closing ``report``."""
    action = parse_action(action) if isinstance(action, str) else action
    _check_target(admin, account)
    if report is not None and report.target_id != account.pk:
        raise ActionRefused(f"report #{report.pk} is not about @{account.acct}")
    if action == AccountAction.SUSPEND:
        await suspend(admin, account, urls=urls, note=text)
    elif action == AccountAction.SILENCE:
        await silence(admin, account, note=text)
    elif action == AccountAction.SENSITIVE:
        await sensitize(admin, account, note=text)
    else:
        await record(admin, "account.none", target_type="account", target_id=account.pk,
                     target_label=_label(account), detail=text)
    if report is not None:
        await reports.resolve(report, admin, action_taken=action.value, note=text)


async def _set(admin: Admin, account: Account, field: str, value: datetime | None, action: str, note: str) -> bool:
    if (getattr(account, field) is None) == (value is None):
        return False
    setattr(account, field, value)
    await account.save(update_fields=[field, "updated_at"])
    await record(admin, action, target_type="account", target_id=account.pk, target_label=_label(account),
                 detail=note)
    return True


async def silence(admin: Admin, account: Account, *, note: str = "") -> bool:
    _check_target(admin, account)
    return await _set(admin, account, "silenced_at", utcnow(), "account.silence", note)


async def unsilence(admin: Admin, account: Account, *, note: str = "") -> bool:
    return await _set(admin, account, "silenced_at", None, "account.unsilence", note)


async def sensitize(admin: Admin, account: Account, *, note: str = "") -> bool:
    _check_target(admin, account)
    return await _set(admin, account, "sensitized_at", utcnow(), "account.sensitive", note)


async def unsensitize(admin: Admin, account: Account, *, note: str = "") -> bool:
    return await _set(admin, account, "sensitized_at", None, "account.unsensitive", note)


async def suspend(admin: Admin, account: Account, *, urls: InstanceUrls, note: str = "") -> bool:
    """Suspend ``account``; False when it already is."""
    _check_target(admin, account)
    if account.suspended:
        return False
    now = utcnow()
    async with in_transaction():
        account.suspended = True
        account.suspended_at = now
        await account.save(update_fields=["suspended", "suspended_at", "updated_at"])
        if account.is_local:
            await ApiToken.filter(account_id=account.pk, revoked_at=None).update(revoked_at=now)
            await WebSession.filter(account_id=account.pk).delete()
            inboxes = await follower_inboxes(account)
            if inboxes:
                await publish(builders.delete_actor(account), actor=account, inboxes=inboxes)
        await record(admin, "account.suspend", target_type="account", target_id=account.pk,
                     target_label=_label(account), detail=note)
    return True


def may_unsuspend(account: Account, now: datetime | None = None) -> bool:
    """Whether ``account``'s suspension can still be lifted (its data is still here)."""
    if not account.suspended or account.suspended_at is None:
        return False
    return (now or utcnow()) - account.suspended_at <= SUSPENSION_KEPT


async def unsuspend(admin: Admin, account: Account, *, urls: InstanceUrls, note: str = "") -> bool:
    """Lift a suspension made less than 30 days ago; False when the account is not suspended."""
    if not account.suspended:
        return False
    if account.suspended_at is None:
        raise ActionRefused(f"@{account.acct} was not suspended by an admin (its server deleted it or is blocked)")
    if not may_unsuspend(account):
        raise ActionRefused(f"@{account.acct} was suspended on {account.suspended_at:%Y-%m-%d}, more than "
                            f"{SUSPENSION_KEPT.days} days ago: its data is gone")
    async with in_transaction():
        account.suspended = False
        account.suspended_at = None
        await account.save(update_fields=["suspended", "suspended_at", "updated_at"])
        if account.is_local:
            await publish_profile_update(account, actor_document(account, urls))
        await record(admin, "account.unsuspend", target_type="account", target_id=account.pk,
                     target_label=_label(account), detail=note)
    return True


FILE_KEYS = ("original_key", "display_key", "display_fallback_key", "thumbnail_key")


async def purge_expired_suspensions(admin: Admin, now: datetime | None = None, *, store=None) -> list[Account]:
    """Delete the posts, media and follows of accounts suspended more than 30 days ago (the
    account row stays, suspended, so its name is never given to someone else). With the
    media ``store``, their files go too, unless another attachment shares one (files are
    stored by content)."""
    cutoff = (now or utcnow()) - SUSPENSION_KEPT
    expired = await Account.filter(suspended=True, suspended_at__lt=cutoff)
    purged = []
    for account in expired:
        either_way = Q(follower_id=account.pk) | Q(target_id=account.pk)
        media = await MediaAttachment.filter(account_id=account.pk)
        if not media and not await Post.exists(account_id=account.pk) and not await Follow.filter(either_way).exists():
            continue
        keys = {getattr(attachment, name) for attachment in media for name in FILE_KEYS} - {None, ""}
        async with in_transaction():
            await remove_follows(Follow.filter(either_way))
            await MediaAttachment.filter(account_id=account.pk).delete()
            await Post.filter(account_id=account.pk).delete()
            await record(admin, "account.purge", target_type="account", target_id=account.pk,
                         target_label=_label(account), detail="suspended more than 30 days ago")
        if store is not None:
            for key in sorted(keys):
                shared = Q(original_key=key) | Q(display_key=key) | Q(display_fallback_key=key) | Q(thumbnail_key=key)
                if not await MediaAttachment.filter(shared).exists():
                    await store.delete(key)
        purged.append(account)
    return purged

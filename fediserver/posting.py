"""A new status, now or later, and the one door it is published by.

``NewStatus`` is what a client asked for (read from its parameters by
``fediserver.api.new_status``, with the account's defaults filled in); a scheduled status
keeps it as JSON (``stored``, ``from_stored``). ``publish_new_status`` checks it and
publishes it through ``outbox.statuses.post_status``: ``POST /api/v1/statuses`` calls it
for a post made now, the ``scheduled-statuses`` job (``fediserver.scheduled_publishing``)
for one whose time has come, so both are checked and published alike.
``check_new_status`` checks the same things and publishes nothing, for a status being
scheduled; ``drop_scheduled`` deletes a scheduled status unpublished.

Refusals are ``fediserver.refusals.ApiError`` (404 for a post it names that the author may
not see, 422) or ``outbox.errors.ActionError``. Nothing here needs a web request, so the
worker publishes without loading the web framework.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from fediserver.models import Account, MediaAttachment, Post, ScheduledStatus
from fediserver.quotes import DENIED, quote_permission
from fediserver.refusals import MAX_RECORD_ID, unprocessable
from fediserver.services import Services
from fediserver.visibility import original_post, visible_post
from inbox.resolver import NotResolved
from outbox import statuses
from outbox.polls import PollSpec
from outbox.text import find_mentions

MAX_MEDIA = 4


class ScheduledStatusGone(Exception):
    """The scheduled status to publish is no longer on the schedule: published by another
    worker, deleted or moved to a later time by its artist."""


@dataclass(frozen=True)
class NewStatus:
    """A status as a client asked for it, the account's defaults filled in."""

    text: str
    visibility: str
    sensitive: bool
    spoiler_text: str = ""
    in_reply_to_id: str | None = None
    media_ids: tuple[str, ...] = ()
    language: str | None = None
    poll: PollSpec | None = None
    quoted_status_id: str | None = None
    quote_approval_policy: str | None = None
    application_id: int | None = None

    def stored(self) -> dict[str, Any]:
        """As a scheduled status keeps it (JSON)."""
        stored = asdict(self)
        stored["media_ids"] = list(self.media_ids)
        stored["poll"] = None if self.poll is None else {**asdict(self.poll), "options": list(self.poll.options)}
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> NewStatus:
        """Back from ``stored``; a poll is checked again (``outbox.polls.PollSpec``)."""
        fields = {name: stored[name] for name in cls.__dataclass_fields__ if name in stored}
        fields["media_ids"] = tuple(str(value) for value in fields.get("media_ids") or ())
        poll = fields.get("poll")
        fields["poll"] = None if poll is None else PollSpec(
            options=tuple(poll["options"]), expires_in=int(poll["expires_in"]),
            multiple=bool(poll.get("multiple")), hide_totals=bool(poll.get("hide_totals")))
        return cls(**fields)


@dataclass(frozen=True)
class _Targets:
    """What a new status's ids name, found and checked for its author."""

    in_reply_to: Post | None
    quote: Post | None
    quote_accepted: bool
    media: list[MediaAttachment]


async def publish_new_status(account: Account, asked: NewStatus, services: Services, *,
                             scheduled_id: int | None = None) -> Post:
    """The one door a new status is published by: its ids found and checked for
    ``account``, the outbox's rules applied, the post stored and its Create queued.
    Refusals raise ``ApiError`` (404, 422) or ``outbox.errors.ActionError``.

    ``scheduled_id``: the scheduled status being published. It is taken off the schedule in
    the transaction that stores the post (``ScheduledStatusGone`` when it is no longer
    there), so it is published once however many workers try, and the media it holds are
    the post's."""
    await _resolve_mentions(asked.text, services)
    async with in_transaction():
        if scheduled_id is not None and not await ScheduledStatus.filter(id=scheduled_id).delete():
            raise ScheduledStatusGone(scheduled_id)
        targets = await _targets(account, asked)
        return await statuses.post_status(
            account,
            asked.text,
            visibility=asked.visibility,
            sensitive=asked.sensitive,
            spoiler_text=asked.spoiler_text,
            in_reply_to=targets.in_reply_to,
            media=targets.media,
            language=asked.language,
            notes=services.notes,
            quote=targets.quote,
            quote_accepted=targets.quote_accepted,
            quote_policy=asked.quote_approval_policy,
            poll=asked.poll,
            held_by=scheduled_id,
        )


async def check_new_status(account: Account, asked: NewStatus, services: Services) -> _Targets:
    """Everything ``publish_new_status`` checks, nothing published: for a status being
    scheduled, refused now rather than when its time comes. Returns what its ids name."""
    await _resolve_mentions(asked.text, services)
    targets = await _targets(account, asked)
    await statuses.check_new_post(
        account, asked.text, visibility=asked.visibility, media=targets.media, in_reply_to=targets.in_reply_to,
        quote=targets.quote, quote_policy=asked.quote_approval_policy, poll=asked.poll)
    return targets


async def _targets(account: Account, asked: NewStatus) -> _Targets:
    quote, quote_accepted = await _quote_target(account, asked.quoted_status_id)
    return _Targets(
        in_reply_to=await visible_post(asked.in_reply_to_id, account) if asked.in_reply_to_id else None,
        quote=quote,
        quote_accepted=quote_accepted,
        media=await own_media(account, list(asked.media_ids)),
    )


async def _quote_target(account: Account, status_id: str | None) -> tuple[Post | None, bool]:
    """The post to quote and whether the quote needs no asking; 422 when its author's
    policy does not let the caller quote it."""
    if not status_id:
        return None, False
    quoted = await original_post(await visible_post(status_id, account), account)
    permission = await quote_permission(quoted, account)
    if permission == DENIED:
        raise unprocessable("the author of that post does not let you quote it")
    return quoted, quoted.local or quoted.account_id == account.pk


async def _resolve_mentions(text: str, services: Services) -> None:
    """Fetch the remote accounts a new post mentions that this server has not seen; one
    that cannot be found is refused by the outbox with its handle named."""
    local_host = services.settings.instance.domain.lower()
    for mention in find_mentions(text):
        if not mention.host or mention.host == local_host:
            continue
        if await Account.exists(username=mention.username, domain=mention.host):
            continue
        try:
            await services.resolver.account(f"{mention.username}@{mention.host}")
        except NotResolved:
            continue


async def own_media(account: Account, media_ids: list[str], post: Post | None = None) -> list[MediaAttachment]:
    """The caller's uploads named by ``media_ids``, in that order: unused ones, or those
    already on ``post`` (an edit keeping them). Whether each is free for the post is the
    outbox's check (``MediaAttachment.free_for``: not on another post, not held by a
    scheduled status but the one being published)."""
    if len(media_ids) > MAX_MEDIA:
        raise unprocessable(f"a post may carry at most {MAX_MEDIA} media, not {len(media_ids)}")
    wanted = [_media_id(value) for value in media_ids]
    free = Q(post_id__isnull=True) | Q(post_id=post.pk) if post is not None else Q()
    found = {a.pk: a for a in await MediaAttachment.filter(free, id__in=wanted, account=account, remote_url=None)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise unprocessable(f"media {', '.join(missing)} not found among your uploads")
    return [found[i] for i in wanted]


async def drop_scheduled(row: ScheduledStatus) -> None:
    """Delete a scheduled status without publishing it, and free the uploads it held."""
    async with in_transaction():
        await MediaAttachment.filter(scheduled_status_id=row.pk).update(scheduled_status_id=None)
        await ScheduledStatus.filter(id=row.pk).delete()


def _media_id(value: str) -> int:
    if not value.isdigit() or int(value) > MAX_RECORD_ID:
        raise unprocessable(f"media id {value!r} is not a number")
    return int(value)

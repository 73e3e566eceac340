"""Telling people a poll has ended: the ``poll-endings`` job.

When a poll's end passes, its author (when she is an artist here) and everyone here who
voted in it get a ``poll`` notification from the author, about the post, as Mastodon
sends it; remote polls included, for the votes cast from here. Each poll is announced
once: the job marks it (``Poll.end_announced_at``) in the transaction that makes the
notifications, and a poll another worker marked first is left alone. Polls that ended
more than ``LOOK_BACK`` ago when first seen (an instance stopped for days, or polls older
than this job) are marked without notifying: news of an old poll is no news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.models import Account, Poll, PollVote, Post
from fediserver.models.interactions import NotificationKind, notify

if TYPE_CHECKING:
    from fediserver.services import Services

LOOK_BACK = timedelta(days=1)


@dataclass
class PollEndings:
    """Announces ended polls, ``batch_size`` at a time."""

    batch_size: int = 50
    name: str = "poll-endings"

    async def run_once(self, now: datetime | None = None) -> int:
        """Announce the polls that have ended and are not announced yet; returns how many."""
        now = now or utcnow()
        polls = await Poll.filter(expires_at__lte=now, end_announced_at__isnull=True).order_by("expires_at") \
            .limit(self.batch_size)
        for poll in polls:
            await self.announce(poll, now)
        return len(polls)

    async def announce(self, poll: Poll, now: datetime) -> None:
        async with in_transaction():
            if not await Poll.filter(id=poll.pk, end_announced_at__isnull=True).update(end_announced_at=now):
                return  # another worker got there first
            post = await Post.get_or_none(id=poll.post_id, deleted_at=None).select_related("account")
            if post is None or poll.expires_at < now - LOOK_BACK:
                return
            voters = set(await PollVote.filter(poll_id=poll.pk).values_list("account_id", flat=True))
            told = await Account.filter(id__in=voters | {post.account_id}).order_by("id")
            for account in told:
                await notify(account, post.account, NotificationKind.POLL, post)


def poll_ending_jobs(services: Services) -> list[PollEndings]:
    """The job factory registered with the job runner."""
    return [PollEndings()]

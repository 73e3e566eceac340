"""``Idempotency-Key`` for posting: a client that retries a post it is unsure went through
gets the first answer back instead of a duplicate: the post, or the scheduled status when
it asked for one later. Keys are remembered for an hour (as Mastodon does) in this
process, the most recent ``capacity`` of them."""

from __future__ import annotations

import time
from collections import OrderedDict

from fediserver.models import Account, Post, ScheduledStatus

KEEP_SECONDS = 3600

Made = Post | ScheduledStatus


class IdempotencyKeys:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._made: OrderedDict[tuple[int, str], tuple[float, type[Made], int]] = OrderedDict()

    async def earlier(self, account: Account, key: str) -> Made | None:
        """What the same key made before, while it still exists (a deleted post, a
        scheduled status deleted or published since, count as nothing)."""
        entry = self._made.get((account.pk, key))
        if entry is None or time.monotonic() - entry[0] > KEEP_SECONDS:
            return None
        _moment, kind, made_id = entry
        if kind is Post:
            return await Post.get_or_none(id=made_id, deleted_at=None)
        return await ScheduledStatus.get_or_none(id=made_id, account_id=account.pk)

    def remember(self, account: Account, key: str, made: Made) -> None:
        self._made[(account.pk, key)] = (time.monotonic(), type(made), made.pk)
        self._made.move_to_end((account.pk, key))
        while len(self._made) > self.capacity:
            self._made.popitem(last=False)

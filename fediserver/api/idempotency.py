"""``Idempotency-Key`` for posting: a client that retries a post it is unsure went through
gets the first post back instead of a duplicate. Keys are remembered for an hour (as
Mastodon does) in this process, the most recent ``capacity`` of them."""

from __future__ import annotations

import time
from collections import OrderedDict

from fediserver.models import Account, Post

KEEP_SECONDS = 3600


class IdempotencyKeys:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._posts: OrderedDict[tuple[int, str], tuple[float, int]] = OrderedDict()

    async def post_for(self, account: Account, key: str) -> Post | None:
        entry = self._posts.get((account.pk, key))
        if entry is None or time.monotonic() - entry[0] > KEEP_SECONDS:
            return None
        return await Post.get_or_none(id=entry[1], deleted_at=None)

    def remember(self, account: Account, key: str, post: Post) -> None:
        self._posts[(account.pk, key)] = (time.monotonic(), post.pk)
        self._posts.move_to_end((account.pk, key))
        while len(self._posts) > self.capacity:
            self._posts.popitem(last=False)

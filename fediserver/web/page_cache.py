"""Rendered pages for anonymous visitors, kept in memory and dropped when what they show changes.

An artist who goes viral sends thousands of visitors to the same few pages; each is
rendered once and then served from here with its ``ETag`` (a repeat visit gets ``304``).
Every cached page names the scopes it depends on (an account's content, the instance's
local content); a change saved through the ORM in this process bumps the scope's
generation (Tortoise signals on posts, attachments, accounts, follows, works and series),
and a page whose scopes moved on is rendered again. Changes made by another process
(a separate worker, another web process) show within ``web.page_cache_seconds``.
Only anonymous pages are cached: a signed-in visitor may see more, so their pages are
always rendered for them.
"""

from __future__ import annotations

import hashlib
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from tortoise.signals import post_delete, post_save

from fediserver.models import Account, Follow, MediaAttachment, Post
from fediserver.models.portfolio import Series, SeriesWork, Work

LOCAL_SCOPE = "local"


def account_scope(account_id: int) -> str:
    return f"account:{account_id}"


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    content_type: str
    expires: float
    generations: tuple[tuple[str, int], ...]


def etag_for(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class PageCache:
    """Up to ``max_entries`` pages, least recently used dropped first, each kept ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float, max_entries: int = 1000, *, clock=time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        _live_caches.add(self)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0 and self.max_entries > 0

    def get(self, key: str) -> CachedPage | None:
        page = self._pages.get(key)
        if page is None:
            return None
        if self.clock() >= page.expires or any(_generations.get(s, 0) != g for s, g in page.generations):
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: str, body: bytes, scopes: tuple[str, ...], content_type: str) -> CachedPage:
        page = CachedPage(
            body, etag_for(body), content_type, self.clock() + self.ttl, tuple((s, _generations.get(s, 0)) for s in scopes)
        )
        if self.enabled:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


_live_caches: weakref.WeakSet[PageCache] = weakref.WeakSet()
_generations: dict[str, int] = {}


def changed(*scopes: str) -> None:
    """Mark ``scopes`` as changed: every cached page depending on one is rendered again."""
    for scope in scopes:
        _generations[scope] = _generations.get(scope, 0) + 1


def _changed_account(account_id: int | None, local: bool | None = None) -> None:
    if account_id is not None:
        changed(account_scope(account_id))
    if local is None or local:
        changed(LOCAL_SCOPE)


async def _post_changed(sender, instance: Post, *args, **kwargs) -> None:
    _changed_account(instance.account_id, instance.local)
    if instance.in_reply_to_id is not None:
        # A reply shows on the page of the post it answers: that author's pages change too.
        author_id = await Post.filter(id=instance.in_reply_to_id).values_list("account_id", flat=True)
        for account_id in author_id:
            _changed_account(account_id)


async def _attachment_changed(sender, instance: MediaAttachment, *args, **kwargs) -> None:
    _changed_account(instance.account_id, instance.remote_url is None)


async def _account_changed(sender, instance: Account, *args, **kwargs) -> None:
    _changed_account(instance.pk, instance.is_local)


async def _follow_changed(sender, instance: Follow, *args, **kwargs) -> None:
    _changed_account(instance.target_id, False)
    _changed_account(instance.follower_id, False)


async def _portfolio_changed(sender, instance, *args, **kwargs) -> None:
    account_id = getattr(instance, "account_id", None)
    if account_id is None and isinstance(instance, SeriesWork):
        account_id = (await Series.filter(id=instance.series_id).values_list("account_id", flat=True) or [None])[0]
    _changed_account(account_id)


for _model, _handler in (
    (Post, _post_changed),
    (MediaAttachment, _attachment_changed),
    (Account, _account_changed),
    (Follow, _follow_changed),
    (Work, _portfolio_changed),
    (Series, _portfolio_changed),
    (SeriesWork, _portfolio_changed),
):
    post_save(_model)(_handler)
    post_delete(_model)(_handler)

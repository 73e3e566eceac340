"""Threads fetched in the background: the parents a reply answers, the replies a post has.

A reply whose parent is unknown is stored at once; ``enqueue_thread_fetch`` records a
``FetchTask`` (one per kind and post, so asking twice costs nothing) and the ``threads``
job fetches the missing posts with the resolver, outside any request:

- ``ancestors``: up the thread, parent after parent, at most
  ``fetching.thread_max_ancestors`` of them; a post seen twice (a loop of replies) ends it.
- ``replies``: down the thread, the ``replies`` collection of the post and of each reply
  found (breadth first, pages followed), at most ``fetching.thread_max_replies`` replies;
  asked for when someone here opens a remote post, again after
  ``fetching.replies_refresh_minutes``.

A post that cannot be fetched ends that branch, not the task; a task that fails for
another reason (the network) is tried again later, three times in all.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation import jsonld
from fediserver.models import FetchKind, FetchState, FetchTask, Post
from fediserver.clock import utcnow
from fediserver.models.queue import claim_due
from inbox.resolver import NotResolved, Resolver

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_PAGES = 5


async def enqueue_thread_fetch(kind: FetchKind | str, uri: str, *, refresh_after: timedelta | None = None) -> bool:
    """Ask for the thread around the stored post ``uri`` to be fetched; True when a fetch
    was newly asked for (a finished one counts again once older than ``refresh_after``)."""
    kind = FetchKind(kind)
    now = utcnow()
    existing = await FetchTask.get_or_none(kind=kind, uri=uri)
    if existing is None:
        try:
            async with in_transaction():
                await FetchTask.create(kind=kind, uri=uri, available_at=now)
            return True
        except IntegrityError:  # asked for by someone else at the same moment
            return False
    stale = refresh_after is not None and existing.state != FetchState.PENDING and (
        existing.done_at is None or existing.done_at < now - refresh_after)
    if not stale:
        return False
    await FetchTask.filter(id=existing.id).update(state=FetchState.PENDING, attempts=0, available_at=now,
                                                  claimed_until=None, last_error=None)
    return True


async def fetch_ancestors(resolver: Resolver, uri: str, max_ancestors: int) -> int:
    """Fetch the missing parents above the post ``uri``; how many were fetched."""
    post = await Post.get_or_none(uri=uri)
    seen = {uri}
    fetched = 0
    for _ in range(max_ancestors):
        parent_uri = post.in_reply_to_uri if post is not None else None
        if not parent_uri or parent_uri in seen:
            break
        seen.add(parent_uri)
        parent = await Post.get_or_none(uri=parent_uri)
        if parent is None:
            try:
                parent = await resolver.post(parent_uri, thread=False)
            except NotResolved as reason:
                log.info("thread of %s: parent %s not fetched: %s", uri, parent_uri, reason)
                break
            fetched += 1
        post = parent
    return fetched


async def fetch_replies(resolver: Resolver, uri: str, max_replies: int) -> int:
    """Fetch the replies below the post ``uri``, breadth first; how many replies were seen."""
    root = await Post.get_or_none(uri=uri)
    if root is None:
        return 0
    seen, queue, counted = {uri}, deque([root]), 0
    while queue and counted < max_replies:
        current = queue.popleft()
        replies = (current.document or {}).get("replies") if isinstance(current.document, dict) else None
        try:
            listed = await collection_items(resolver, replies, limit=max_replies - counted)
        except NotResolved as reason:
            log.info("replies of %s not fetched: %s", current.uri, reason)
            continue
        new = [item for item in listed if item not in seen][: max_replies - counted]
        seen.update(new)
        found = await asyncio.gather(*(resolver.post(item, thread=False) for item in new), return_exceptions=True)
        for item, result in zip(new, found):
            if isinstance(result, Post):
                counted += 1
                queue.append(result)
            elif isinstance(result, NotResolved):
                log.info("reply %s not fetched: %s", item, result)
            elif isinstance(result, BaseException):
                raise result
    return counted


async def collection_items(resolver: Resolver, collection: Any, *, limit: int) -> list[str]:
    """The ids listed by a collection (embedded or by id), its pages followed, at most ``limit``."""
    if isinstance(collection, str):
        collection = await resolver.document(collection)
    if not isinstance(collection, Mapping):
        return []
    items: list[str] = []
    page: Any = collection.get("first", collection)
    for _ in range(MAX_PAGES):
        if isinstance(page, str):
            page = await resolver.document(page)
        if not isinstance(page, Mapping):
            break
        for item in jsonld.as_list(page.get("orderedItems", page.get("items"))):
            item_id = jsonld.ref_id(item)
            if jsonld.is_http_url(item_id) and item_id not in items:
                items.append(item_id)
        if len(items) >= limit:
            return items[:limit]
        page = page.get("next")
        if page is None:
            break
    return items


@dataclass
class ThreadFetchJob:
    """The ``threads`` job: claims due fetch tasks and fetches their threads."""

    resolver: Resolver
    max_ancestors: int = 64
    max_replies: int = 200
    batch_size: int = 4
    lease_seconds: float = 600.0
    name: str = "threads"

    async def run_once(self) -> int:
        tasks = await claim_due(FetchTask, due_field="available_at", batch=self.batch_size,
                                lease_seconds=self.lease_seconds, state=FetchState.PENDING)
        for task in tasks:
            await self.process(task)
        return len(tasks)

    async def process(self, task: FetchTask) -> None:
        try:
            if task.kind == FetchKind.ANCESTORS:
                await fetch_ancestors(self.resolver, task.uri, self.max_ancestors)
            else:
                await fetch_replies(self.resolver, task.uri, self.max_replies)
        except Exception as error:  # the network; one task must not stop the job
            attempts = task.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            log.warning("fetching the %s of %s failed (attempt %d): %s", task.kind, task.uri, attempts, error)
            await FetchTask.filter(id=task.id).update(
                attempts=attempts, last_error=f"{type(error).__name__}: {error}", claimed_until=None,
                state=FetchState.FAILED if final else FetchState.PENDING,
                available_at=utcnow() + timedelta(seconds=60 * 4 ** (attempts - 1)),
                done_at=utcnow() if final else None,
            )
            return
        await FetchTask.filter(id=task.id).update(state=FetchState.DONE, done_at=utcnow(), claimed_until=None,
                                                  last_error=None)


def thread_jobs(services) -> list[ThreadFetchJob]:
    """The job factory registered with the shell."""
    fetching = services.settings.fetching
    return [ThreadFetchJob(services.resolver, max_ancestors=fetching.thread_max_ancestors,
                           max_replies=fetching.thread_max_replies)]

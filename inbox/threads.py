"""Threads fetched in the background: the parents a reply answers, the replies a post has.

A reply whose parent is unknown is stored at once; a ``FetchTask`` is recorded
(``inbox.fetch_tasks``) and the ``fetches`` job runs these with the resolver, outside any
request:

- ``ancestors``: up the thread, parent after parent, at most
  ``fetching.thread_max_ancestors`` of them; a post seen twice (a loop of replies) ends it.
- ``replies``: down the thread, the ``replies`` collection of the post (fetched afresh:
  replies come after the copy we stored) and of each reply found (breadth first, pages
  followed), at most ``fetching.thread_max_replies`` replies;
  asked for when someone here opens a remote post, again after
  ``fetching.replies_refresh_minutes``.

A post that cannot be fetched ends that branch, not the task.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any

from federation import jsonld
from fediserver.models import Post
from inbox.resolver import NotResolved, Resolver

log = logging.getLogger(__name__)

MAX_PAGES = 5


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
            if current is root:
                # The opened post as it is now: replies come after the copy we stored.
                replies = (await resolver.document(current.uri)).get("replies")
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

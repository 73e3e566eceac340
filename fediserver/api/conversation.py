"""The conversation around a status, for ``GET /api/v1/statuses/:id/context``.

Ancestors (the posts it answers, oldest first) and descendants (the replies below it,
in thread order) as the caller may see them: every post passes ``fediserver.visibility``,
and a reply the caller may not see hides the replies below it too; posts of accounts the
caller mutes are left out (``hidden_account_ids``). When someone here
opens a remote post, the missing parts of its thread are asked for
(``asked_for_thread``): its unknown parents, and its replies collection again once
``fetching.replies_refresh_minutes`` have passed; the ``threads`` job fetches them, so
they show the next time the conversation is opened.
"""

from __future__ import annotations

from datetime import timedelta

from fediserver.models import Account, FetchKind, Post
from fediserver.visibility import hidden_account_ids, may_read
from inbox.fetch_tasks import enqueue_fetch

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 300


async def asked_for_thread(post: Post, viewer: Account | None, replies_refresh: timedelta) -> None:
    """A local reader opened a remote post: ask for what its thread lacks."""
    if viewer is None or not viewer.is_local or post.local or post.boost_of_id is not None:
        return
    if post.in_reply_to_uri and post.in_reply_to_id is None:
        await enqueue_fetch(FetchKind.ANCESTORS, post.uri)
    await enqueue_fetch(FetchKind.REPLIES, post.uri, refresh_after=replies_refresh)


async def visible_ancestors(post: Post, viewer: Account | None) -> list[Post]:
    found: list[Post] = []
    seen = {post.pk}
    hidden = await hidden_account_ids(viewer)
    current = post
    while current.in_reply_to_id and current.in_reply_to_id not in seen and len(seen) <= MAX_ANCESTORS:
        seen.add(current.in_reply_to_id)
        parent = await Post.get_or_none(id=current.in_reply_to_id).select_related("account")
        if parent is None:
            break
        if parent.deleted_at is None and parent.account_id not in hidden and await may_read(parent, viewer):
            found.append(parent)
        current = parent
    return list(reversed(found))


async def visible_descendants(post: Post, viewer: Account | None) -> list[Post]:
    """Replies depth first (each reply followed by its own replies), oldest first."""

    async def children(parent_id: int) -> list[Post]:
        rows = await Post.filter(in_reply_to_id=parent_id, deleted_at=None).order_by("published_at", "id") \
            .select_related("account")
        return list(reversed(rows))

    found: list[Post] = []
    seen = {post.pk}
    hidden = await hidden_account_ids(viewer)
    stack = await children(post.pk)
    while stack and len(found) < MAX_DESCENDANTS:
        child = stack.pop()
        if child.pk in seen or child.account_id in hidden or not await may_read(child, viewer):
            continue
        seen.add(child.pk)
        found.append(child)
        stack.extend(await children(child.pk))
    return found

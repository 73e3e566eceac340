"""Who may see a post: the one rule every page, API read, collection and GET goes through.

``visible_posts(viewer)`` is the query of posts ``viewer`` (an ``Account``, or None for
an anonymous visitor) may see; ``may_read(post, reader)`` answers the same for one post.
Public and unlisted posts: anyone. Followers-only: the author and accepted followers.
Direct: the author and the accounts it is addressed to. Never a deleted post, never a
post of an author who blocks the viewer.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from fediserver.models import Account, Block, Follow, FollowState, Post, Visibility

SHOWN_TO_ANYONE = (Visibility.PUBLIC, Visibility.UNLISTED)


def visible_posts(viewer: Account | None) -> QuerySet[Post]:
    """Posts ``viewer`` may see (anonymous: public and unlisted ones), not deleted."""
    posts = Post.filter(deleted_at__isnull=True)
    if viewer is None:
        return posts.filter(visibility__in=SHOWN_TO_ANYONE)
    followed = Subquery(Follow.filter(follower_id=viewer.pk, state=FollowState.ACCEPTED).values("target_id"))
    blocking = Subquery(Block.filter(target_id=viewer.pk).values("account_id"))
    return posts.filter(
        Q(visibility__in=SHOWN_TO_ANYONE)
        | Q(account_id=viewer.pk)
        | Q(visibility=Visibility.PRIVATE, account_id__in=followed)
    ).exclude(account_id__in=blocking)


async def may_read(post: Post, reader: Account | None) -> bool:
    """Whether ``reader`` may see ``post`` (the same rule as ``visible_posts``, plus direct
    posts addressed to the reader)."""
    if post.deleted_at is not None:
        return False
    if reader is not None and post.account_id == reader.pk:
        return True
    if reader is not None and await Block.exists(account_id=post.account_id, target_id=reader.pk):
        return False
    if post.visibility in SHOWN_TO_ANYONE:
        return True
    if reader is None:
        return False
    if post.visibility == Visibility.PRIVATE:
        return await Follow.exists(follower_id=reader.pk, target_id=post.account_id, state=FollowState.ACCEPTED)
    mentioned = {tag.get("href") for tag in post.tags if isinstance(tag, dict) and tag.get("type") == "Mention"}
    return reader.uri in post.recipients or reader.uri in mentioned

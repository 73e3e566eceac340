"""What a local reader keeps about posts for herself: bookmarks, muted conversations,
and how far she has read (or cleared) each direct conversation.

A conversation is named by its thread's root post (``fediserver.threads``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Bookmark(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="bookmarks", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="bookmarks", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmarks"
        unique_together = (("account", "post"),)


class ConversationMute(Model):
    """No notifications for ``account`` about posts in the thread rooted at ``root``."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="conversation_mutes", on_delete=fields.CASCADE)
    root = fields.ForeignKeyField("models.Post", related_name="conversation_mutes", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversation_mutes"
        unique_together = (("account", "root"),)


class ConversationMark(Model):
    """Where a reader stands in one direct conversation (read up to, removed up to).

    Removed up to a post: a newer post brings the conversation back to her list."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="conversation_marks", on_delete=fields.CASCADE)
    root = fields.ForeignKeyField("models.Post", related_name="conversation_marks", on_delete=fields.CASCADE)
    read_up_to = fields.BigIntField(default=0)
    hidden_up_to = fields.BigIntField(default=0)

    class Meta:
        table = "conversation_marks"
        unique_together = (("account", "root"),)


MAX_THREAD_DEPTH = 64


async def thread_roots(post_ids, parents: dict[int, int | None] | None = None) -> dict[int, int]:
    """The root of each post's thread (the first post it answers, through its parents),
    one query per level of the deepest thread, at most ``MAX_THREAD_DEPTH`` levels.
    ``parents``: the posts' own parents (``in_reply_to_id``) when already read."""
    from fediserver.models.content import Post

    current = {pk: pk for pk in post_ids}
    settled: set[int] = set()
    if parents:
        settled = {pk for pk in current if pk in parents and parents[pk] is None}
        current = {pk: parents.get(pk) or pk for pk in current}
    for _ in range(MAX_THREAD_DEPTH):
        pending = set(current.values()) - settled
        if not pending:
            break
        parents = dict(await Post.filter(id__in=pending, in_reply_to_id__isnull=False)
                       .values_list("id", "in_reply_to_id"))
        settled |= pending - set(parents)
        if not parents:
            break
        current = {origin: parents.get(node, node) for origin, node in current.items()}
    return current


async def muted_conversations(account_id: int, posts) -> set[int]:
    """Which of the posts (``Post`` rows) are in a conversation the account muted (one
    query when she muted none)."""
    roots = set(await ConversationMute.filter(account_id=account_id).values_list("root_id", flat=True))
    if not roots:
        return set()
    parents = {post.pk: post.in_reply_to_id for post in posts}
    return {pk for pk, root in (await thread_roots(list(parents), parents)).items() if root in roots}

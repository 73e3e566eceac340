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
    """Where a reader stands in one direct conversation: read up to a post, and removed from
    her list up to a post (a newer post brings the conversation back)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="conversation_marks", on_delete=fields.CASCADE)
    root = fields.ForeignKeyField("models.Post", related_name="conversation_marks", on_delete=fields.CASCADE)
    read_up_to = fields.BigIntField(default=0)
    hidden_up_to = fields.BigIntField(default=0)

    class Meta:
        table = "conversation_marks"
        unique_together = (("account", "root"),)

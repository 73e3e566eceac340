"""The edit history of posts: one snapshot per version, Mastodon's StatusEdit.

The first edit of a post records two snapshots, the original and the new version; every
later edit one more. A post never edited has no rows (its history is the post itself).
Snapshots keep what a reader saw: the HTML, the content warning, whether it was marked
sensitive, the attachments with their descriptions at the time, and the poll's options.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class PostEdit(Model):
    id = fields.BigIntField(primary_key=True)
    post = fields.ForeignKeyField("models.Post", related_name="edits", on_delete=fields.CASCADE)
    content = fields.TextField(default="")
    summary = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    # [{"id": attachment id, "description": its alt text then, "url": a remote file's}], in order.
    media = fields.JSONField(default=list)
    # The poll's option titles then, or None for a post without a poll.
    poll_options = fields.JSONField(null=True)
    # When this version was made (the post's publication for the first snapshot).
    created_at = fields.DatetimeField()

    class Meta:
        table = "post_edits"


async def snapshot(post) -> PostEdit:
    """The post as it reads now, as an unsaved ``PostEdit`` dated when this version was made."""
    from fediserver.models.content import MediaAttachment
    from fediserver.models.polls import Poll

    attachments = await MediaAttachment.filter(post_id=post.pk).order_by("id").values("id", "description", "remote_url")
    poll = await Poll.get_or_none(post_id=post.pk)
    return PostEdit(
        post_id=post.pk,
        content=post.content,
        summary=post.summary,
        sensitive=post.sensitive,
        media=[{"id": row["id"], "description": row["description"], "url": row["remote_url"]} for row in attachments],
        poll_options=list(poll.options) if poll is not None else None,
        created_at=post.edited_at or post.published_at,
    )


def differs(before: PostEdit, after: PostEdit) -> bool:
    """Whether a reader would see a change: text, warning, sensitivity, media or the poll's
    options (a poll's counts alone are no edit)."""

    def seen(version: PostEdit):
        media = [(m.get("url") or m.get("id"), m.get("description")) for m in version.media]
        return version.content, version.summary, version.sensitive, media, version.poll_options

    return seen(before) != seen(after)


async def record_edit(post, before: PostEdit, after: PostEdit | None = None) -> None:
    """Remember an edit of ``post`` (already saved, attachments and poll as now): the
    version ``before`` it (taken with ``snapshot``) when it is the first edit, then the new
    one. The one way history is written, for local edits and received Updates alike."""
    if not await PostEdit.filter(post_id=post.pk).exists():
        await before.save()
    await (after or await snapshot(post)).save()

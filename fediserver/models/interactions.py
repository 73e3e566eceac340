"""Reactions between people: favourites, emoji reactions, blocks, mutes, notifications, reports."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models.accounts import Account


class Favourite(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="favourites", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="favourites", on_delete=fields.CASCADE)
    # The Like activity's id.
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourites"
        unique_together = (("account", "post"),)


class Reaction(Model):
    """An emoji reaction (EmojiReact, or a Like carrying content)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="reactions", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="reactions", on_delete=fields.CASCADE)
    emoji = fields.CharField(max_length=255)
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reactions"
        unique_together = (("account", "post", "emoji"),)


class Block(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="blocking", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="blocked_by", on_delete=fields.CASCADE)
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("account", "target"),)


class Mute(Model):
    """``account`` no longer sees the posts of ``target`` in its lists (and, with
    ``notifications``, its notifications) until ``expires_at``, if set; unlike a block,
    nothing is sent and ``target`` still sees ``account``."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="muting", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="muted_by", on_delete=fields.CASCADE)
    notifications = fields.BooleanField(default=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mutes"
        unique_together = (("account", "target"),)

    @classmethod
    def in_force(cls, **conditions) -> QuerySet[Mute]:
        """The mutes that count now: those with no end, or whose end is still to come."""
        return cls.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=utcnow()), **conditions)


class NotificationKind(StrEnum):
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    FAVOURITE = "favourite"
    REBLOG = "reblog"
    MENTION = "mention"
    REACTION = "reaction"
    UPDATE = "update"
    MOVE = "move"
    QUOTE = "quote"  # someone quoted one of the account's posts


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    # The local account being told.
    account = fields.ForeignKeyField("models.Account", related_name="notifications", on_delete=fields.CASCADE)
    from_account = fields.ForeignKeyField("models.Account", related_name="caused_notifications", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    post = fields.ForeignKeyField("models.Post", related_name="notifications", null=True, on_delete=fields.CASCADE)
    read = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "notifications"


async def notify(recipient: Account | int, sender: Account, kind: NotificationKind, post=None) -> None:
    """Tell a local account (an ``Account``, or its id) that ``sender`` did something;
    nothing for oneself or for remote accounts. The one way notifications are made,
    whether the act arrived by an inbox or was done here. Nothing either about a post in a
    conversation the recipient muted, and nothing from an account she blocks or mutes with
    its notifications (so no list, stream or push has to leave it out). Pushes for it
    are queued here too (``fediserver.push.subscriptions.queue_pushes``), sent by a job."""
    from fediserver.models.reader_marks import ConversationMute, muted_conversations
    from fediserver.models.web_push import WebPushSubscription
    from fediserver.push.subscriptions import queue_pushes

    recipient_id = recipient.pk if isinstance(recipient, Account) else recipient
    if recipient_id == sender.pk:
        return
    # The recipient, with what of hers refuses the notification or carries it further,
    # in one query: a block or a mute of the sender, any muted conversation, any push
    # subscription (each an id, or None when there is none).
    account = await Account.filter(id=recipient_id).annotate(
        blocks_sender=Subquery(Block.filter(account_id=recipient_id, target_id=sender.pk).limit(1).values("id")),
        mutes_sender=Subquery(Mute.in_force(account_id=recipient_id, target_id=sender.pk, notifications=True)
                              .limit(1).values("id")),
        mutes_conversations=Subquery(ConversationMute.filter(account_id=recipient_id).limit(1).values("id")),
        push_subscribed=Subquery(WebPushSubscription.filter(account_id=recipient_id, token__revoked_at__isnull=True)
                                 .limit(1).values("id")),
    ).first()
    if account is None or not account.is_local:
        return
    if account.blocks_sender is not None or account.mutes_sender is not None:
        return
    if post is not None and account.mutes_conversations is not None and await muted_conversations(account.pk, [post]):
        return
    if not sender.is_local and await _filtered_by_domain_block(account, sender):
        return
    notification = await Notification.create(account=account, from_account=sender, kind=kind, post=post)
    if account.push_subscribed is not None:
        await queue_pushes(notification, account, sender)
    await event_bus.publish(event_bus.Event(event_bus.NOTIFICATION_CREATED, notification.pk))


async def _filtered_by_domain_block(recipient: Account, sender: Account) -> bool:
    """A server limited by a domain block notifies only the people who follow its account."""
    from fediserver.models.social import Follow
    from fediserver.moderation.domain_blocks import domain_policy

    if not domain_policy().silences(sender.domain):
        return False
    return not await Follow.accepted().filter(follower_id=recipient.pk, target_id=sender.pk).exists()


class ReportCategory(StrEnum):
    """What a report is about, as Mastodon's clients offer it."""

    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"  # breaks one of the instance's rules (``rule_ids``)
    OTHER = "other"


class Report(Model):
    """A moderation report, made here (``POST /api/v1/reports``) or received as a Flag.

    ``statuses`` keeps the reported posts as they were when reported (a later edit or
    deletion leaves the moderators' view unchanged). A report is open until an admin
    resolves it (``resolved_at``, ``resolved_by``, and ``action_taken``: what was done to
    the account, e.g. ``suspend``); it may be reopened. The life of a report is
    ``fediserver.moderation.reports``.
    """

    id = fields.BigIntField(primary_key=True)
    reporter = fields.ForeignKeyField("models.Account", related_name="reports_made", null=True, on_delete=fields.SET_NULL)
    target = fields.ForeignKeyField("models.Account", related_name="reports_received", on_delete=fields.CASCADE)
    post_uris = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)
    category = fields.CharEnumField(ReportCategory, max_length=16, default=ReportCategory.OTHER, db_default="other")
    rule_ids = fields.JSONField(default=list, db_default="[]")
    # The reported posts as they were: [{id, uri, url, content, spoiler_text, visibility,
    # sensitive, created_at, media: [{url, description}]}].
    statuses = fields.JSONField(default=list, db_default="[]")
    forwarded = fields.BooleanField(default=False, db_default=False)
    assigned_to = fields.ForeignKeyField("models.Account", related_name="reports_assigned", null=True,
                                         on_delete=fields.SET_NULL)
    resolved_by = fields.ForeignKeyField("models.Account", related_name="reports_resolved", null=True,
                                         on_delete=fields.SET_NULL)
    action_taken = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "reports"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


async def snapshot_posts(posts) -> list[dict]:
    """The reported posts as they are now, kept on the report so later edits or deletions
    leave what the moderators read unchanged."""
    from fediserver.models.content import MediaAttachment

    ids = [post.pk for post in posts]
    media: dict[int, list[dict]] = {}
    for attachment in await MediaAttachment.filter(post_id__in=ids).order_by("id") if ids else []:
        media.setdefault(attachment.post_id, []).append({
            "id": attachment.pk, "description": attachment.description, "mime": attachment.mime,
            "remote_url": attachment.remote_url,
        })
    return [
        {
            "id": post.pk,
            "uri": post.uri,
            "url": post.url or post.uri,
            "content": post.content,
            "spoiler_text": post.summary,
            "visibility": post.visibility.value,
            "sensitive": post.sensitive,
            "created_at": post.published_at.isoformat() if post.published_at else None,
            "media": media.get(post.pk, []),
        }
        for post in posts
    ]

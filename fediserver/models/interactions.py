"""Reactions between people: favourites, emoji reactions, blocks, mutes, notifications, reports."""

from __future__ import annotations

from enum import StrEnum

from tortoise import connections, fields
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models.accounts import LOCAL_DOMAIN, Account


class Favourite(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="favourites", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="favourites", on_delete=fields.CASCADE)
    # The Like activity's id.
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourites"
        # A post's favourites (counts, who favourited, deleting the post).
        indexes = (("post_id",),)
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
        # Who blocks an account (blocks count both ways).
        indexes = (("target_id",),)
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
        # Who mutes an account.
        indexes = (("target_id",),)
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
    POLL = "poll"  # a poll the account made or voted in has ended
    # For admins only (``notify_admins``): an artist joined, a report was filed.
    ADMIN_SIGN_UP = "admin.sign_up"
    ADMIN_REPORT = "admin.report"


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    # The local account being told.
    account = fields.ForeignKeyField("models.Account", related_name="notifications", on_delete=fields.CASCADE)
    from_account = fields.ForeignKeyField("models.Account", related_name="caused_notifications", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    post = fields.ForeignKeyField("models.Post", related_name="notifications", null=True, on_delete=fields.CASCADE)
    # The report an ``admin.report`` notification is about.
    report = fields.ForeignKeyField("models.Report", related_name="notifications", null=True, on_delete=fields.CASCADE)
    read = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "notifications"
        # An account's notifications newest first; a post's, when it is deleted.
        indexes = (("account_id", "id"), ("post_id",))


async def notify(recipient: Account | int, sender: Account, kind: NotificationKind, post=None, *,
                 report: Report | None = None) -> None:
    """Tell a local account (an ``Account``, or its id) that ``sender`` did something;
    nothing for oneself (but that one's own poll has ended) or for remote accounts. The
    one way notifications are made, whether the act arrived by an inbox or was done here.
    Nothing either about a post in a conversation the recipient muted, and nothing from
    an account she blocks or mutes with its notifications (so no list, stream or push has
    to leave it out). Pushes for it are queued here too
    (``fediserver.push.subscriptions.queue_pushes``), sent by a job."""
    from fediserver.models.reader_marks import muted_conversations
    from fediserver.push.subscriptions import queue_pushes

    if isinstance(recipient, Account) and not recipient.is_local:
        return
    recipient_id = recipient.pk if isinstance(recipient, Account) else recipient
    if recipient_id == sender.pk and kind != NotificationKind.POLL:
        return
    found = await _recipient_standing(recipient_id, sender.pk)
    if found is None or found["domain"] != LOCAL_DOMAIN or found["blocks_sender"] or found["mutes_sender"]:
        return
    if post is not None and found["mutes_conversations"] and await muted_conversations(recipient_id, [post]):
        return
    if not sender.is_local and await _filtered_by_domain_block(recipient_id, sender):
        return
    notification = await Notification.create(account_id=recipient_id, from_account=sender, kind=kind, post=post,
                                             report=report)
    if found["push_subscribed"]:
        account = recipient if isinstance(recipient, Account) else await Account.get(id=recipient_id)
        await queue_pushes(notification, account, sender)
    await event_bus.publish(event_bus.Event(event_bus.NOTIFICATION_CREATED, notification.pk))


async def notify_admins(sender: Account, kind: NotificationKind, *, report: Report | None = None,
                        leaving_out: Account | None = None) -> None:
    """Tell every admin of the instance (not suspended) through ``notify``: an artist
    joined (``ADMIN_SIGN_UP``, from her account) or a report was filed (``ADMIN_REPORT``,
    from its reporter); ``leaving_out``: an admin not to tell (the reported one)."""
    admins = Account.filter(domain=LOCAL_DOMAIN, is_admin=True, suspended=False)
    if leaving_out is not None:
        admins = admins.exclude(id=leaving_out.pk)
    for admin in await admins:
        await notify(admin, sender, kind, report=report)


async def _recipient_standing(recipient_id: int, sender_id: int) -> dict | None:
    """In one query: the recipient's domain, whether she blocks the sender or mutes him
    with his notifications, whether she muted any conversation, whether she has a push
    subscription; None when there is no such account."""
    from fediserver.models.oauth import ApiToken
    from fediserver.models.reader_marks import ConversationMute
    from fediserver.models.web_push import WebPushSubscription

    db = connections.get("default")
    sql = _STANDING_SQL.format(
        accounts=Account._meta.db_table, blocks=Block._meta.db_table, mutes=Mute._meta.db_table,
        conversation_mutes=ConversationMute._meta.db_table, subscriptions=WebPushSubscription._meta.db_table,
        tokens=ApiToken._meta.db_table)
    if db.capabilities.dialect != "postgres":
        sql = sql.replace("$", "?")  # SQLite numbers its parameters ?1, ?2...
    now = Mute._meta.fields_map["expires_at"].to_db_value(utcnow(), Mute)
    rows = await db.execute_query_dict(sql, [recipient_id, sender_id, now])
    return rows[0] if rows else None


_STANDING_SQL = """SELECT a.domain AS domain,
 EXISTS (SELECT 1 FROM {blocks} WHERE account_id = $1 AND target_id = $2) AS blocks_sender,
 EXISTS (SELECT 1 FROM {mutes} WHERE account_id = $1 AND target_id = $2 AND notifications
         AND (expires_at IS NULL OR expires_at > $3)) AS mutes_sender,
 EXISTS (SELECT 1 FROM {conversation_mutes} WHERE account_id = $1) AS mutes_conversations,
 EXISTS (SELECT 1 FROM {subscriptions} s LEFT JOIN {tokens} t ON t.id = s.token_id
         WHERE s.account_id = $1 AND t.revoked_at IS NULL) AS push_subscribed
FROM {accounts} a WHERE a.id = $1"""


async def _filtered_by_domain_block(recipient_id: int, sender: Account) -> bool:
    """A server limited by a domain block notifies only the people who follow its account."""
    from fediserver.models.social import Follow
    from fediserver.moderation.domain_blocks import domain_policy

    if not domain_policy().silences(sender.domain):
        return False
    return not await Follow.accepted().filter(follower_id=recipient_id, target_id=sender.pk).exists()


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

"""What people post: posts (Notes and their kin, local and remote), the accounts each
post names directly, and their attachments."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.signals import post_save

from fediserver import event_bus
from fediserver.models.accounts import LOCAL_DOMAIN, Account


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"  # followers only
    DIRECT = "direct"


class QuoteState(StrEnum):
    PENDING = "pending"  # not (yet) authorized by the quoted post's author
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RemoteMediaState(StrEnum):
    """Where a remote attachment's file stands (the moves are declared in ``media.remote_lifecycle``)."""

    CACHED = "cached"  # checked, its derivatives stored here
    EVICTED = "evicted"  # the files were pruned; fetched again when next asked for
    PROXIED = "proxied"  # checked, never stored: each view fetches it
    REFUSED = "refused"  # refused by the rules (an AI mark under "reject"); never served
    FAILED = "failed"  # could not be fetched or is no file we show
    LINKED = "linked"  # its server's media is rejected by a domain block: shown as a link, never fetched


class QuotePolicy(StrEnum):
    """Who may quote a local post and be approved at once (Mastodon's quote_approval_policy)."""

    PUBLIC = "public"
    FOLLOWERS = "followers"
    NOBODY = "nobody"


class Post(Model):
    id = fields.BigIntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    url = fields.CharField(max_length=2048, null=True)
    account = fields.ForeignKeyField("models.Account", related_name="posts", on_delete=fields.CASCADE)
    object_type = fields.CharField(max_length=32, default="Note")
    # Sanitised HTML, safe to show.
    content = fields.TextField(default="")
    # What a local artist typed, kept for edits.
    source_text = fields.TextField(null=True)
    # Content warning.
    summary = fields.TextField(default="")
    sensitive = fields.BooleanField(default=False)
    visibility = fields.CharEnumField(Visibility, max_length=16, default=Visibility.PUBLIC)
    # Actor ids this post is addressed to besides the public/followers collections.
    recipients = fields.JSONField(default=list)
    in_reply_to_uri = fields.CharField(max_length=2048, null=True, db_index=True)
    in_reply_to = fields.ForeignKeyField(
        "models.Post", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    boost_of = fields.ForeignKeyField("models.Post", related_name="boosts", null=True, on_delete=fields.CASCADE)
    # The post this one quotes (FEP-044f): its id as sent, the stored post once known,
    # whether its author authorized the quote, and the authorization's id.
    quote_uri = fields.CharField(max_length=2048, null=True, db_index=True)
    quote_of = fields.ForeignKeyField("models.Post", related_name="quotes", null=True, on_delete=fields.SET_NULL)
    quote_state = fields.CharEnumField(QuoteState, max_length=16, null=True)
    quote_authorization_uri = fields.CharField(max_length=2048, null=True)
    # A local post's own quote policy; None: its author's default.
    quote_policy = fields.CharEnumField(QuotePolicy, max_length=16, null=True)
    # Mentions, hashtags and custom emoji as ActivityStreams tag objects.
    tags = fields.JSONField(default=list, db_default="[]")
    # Pinned to the author's profile (the featured collection).
    pinned_at = fields.DatetimeField(null=True)
    language = fields.CharField(max_length=16, null=True)
    license = fields.CharField(max_length=2048, null=True)
    local = fields.BooleanField(default=False)
    document = fields.JSONField(null=True)
    published_at = fields.DatetimeField(db_index=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "posts"
        # An account's posts newest first; a post's replies, boosts and quotes.
        indexes = (("account_id", "id"), ("in_reply_to_id",), ("boost_of_id",), ("quote_of_id",))

    def effective_quote_policy(self, author_default: str) -> QuotePolicy:
        """Who may quote this local post: nobody for followers-only and direct posts, else
        its own policy or, failing that, its author's default (``author_default``)."""
        if self.visibility in (Visibility.PRIVATE, Visibility.DIRECT):
            return QuotePolicy.NOBODY
        try:
            return QuotePolicy(self.quote_policy or author_default)
        except ValueError:
            return QuotePolicy.NOBODY

    def mentioned_uris(self) -> list[str]:
        """The accounts the post's Mention tags name (a hashtag's or emoji's href names no one)."""
        return [tag["href"] for tag in self.tags
                if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str)]

    def addressee_uris(self) -> list[str]:
        """Everyone the post names directly, once each: its recipients, then its mentions."""
        return list(dict.fromkeys([*self.recipients, *self.mentioned_uris()]))


class Addressee(Model):
    """A known account that a post names directly (``Post.addressee_uris``).

    Kept as rows so "posts addressed to me" is one indexed query; written by
    ``record_addressees`` whenever a post is saved."""

    id = fields.BigIntField(primary_key=True)
    post = fields.ForeignKeyField("models.Post", related_name="addressees", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="addressed_in", on_delete=fields.CASCADE,
                                     db_index=True)

    class Meta:
        table = "post_addressees"
        unique_together = (("post", "account"),)


async def record_addressees(post: Post, using_db: BaseDBAsyncClient | None = None, *, created: bool = False) -> None:
    """Make ``post``'s addressee rows match its recipients and mentions. Runs on every save
    of a post (below), so no writer can forget it. A Mention may name a local account by
    its profile URL instead of its id."""
    uris = post.addressee_uris()
    if not created:
        await Addressee.filter(post_id=post.pk).using_db(using_db).delete()
    if not uris:
        return
    named = Q(uri__in=uris) | Q(domain=LOCAL_DOMAIN, url__in=uris)
    account_ids = set(await Account.filter(named).using_db(using_db).values_list("id", flat=True))
    rows = [Addressee(post_id=post.pk, account_id=account_id) for account_id in sorted(account_ids)]
    await Addressee.bulk_create(rows, using_db=using_db)


@post_save(Post)
async def _post_saved(sender, instance: Post, created: bool, using_db, update_fields) -> None:
    if created or not update_fields or {"recipients", "tags"} & set(update_fields):
        await record_addressees(instance, using_db, created=created)
    if created:  # every new post, local or received, a boost or not: live readers hear of it
        await event_bus.publish(event_bus.Event(event_bus.POST_CREATED, instance.pk), using_db)


class MediaAttachment(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="media", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="attachments", null=True, on_delete=fields.SET_NULL)
    # The scheduled status this upload waits with (models.scheduled): no other post may take it.
    scheduled_status = fields.ForeignKeyField("models.ScheduledStatus", related_name="media", null=True,
                                              on_delete=fields.SET_NULL)
    # Where a remote attachment lives on its own server.
    remote_url = fields.CharField(max_length=2048, null=True)
    # Alt text.
    description = fields.TextField(default="")
    mime = fields.CharField(max_length=64, default="")
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    blurhash = fields.CharField(max_length=64, null=True)
    focal_x = fields.FloatField(default=0.0)
    focal_y = fields.FloatField(default=0.0)
    sha256 = fields.CharField(max_length=64, null=True, db_index=True)
    file_size = fields.BigIntField(null=True)
    # Storage keys of the stored files; the original stays private unless allowed.
    original_key = fields.CharField(max_length=255, null=True)
    display_key = fields.CharField(max_length=255, null=True)
    display_fallback_key = fields.CharField(max_length=255, null=True)
    thumbnail_key = fields.CharField(max_length=255, null=True)
    # The artist says the file is already protected (Glaze and the like): served as uploaded.
    pre_protected = fields.BooleanField(default=False)
    # The AI-provenance mark found when the policy is "label".
    ai_label = fields.TextField(null=True)
    # The validated claims of the original's C2PA manifest (media.content_credentials);
    # None when the file had none.
    content_credentials = fields.JSONField(null=True)
    # Remote media kept in the local cache: when it was fetched and last served.
    cached_at = fields.DatetimeField(null=True)
    last_accessed_at = fields.DatetimeField(null=True)
    # The provenance marks found in the file (kind, detail, where), whatever the policy
    # decided: each viewer's own rule is applied to them when it is shown (media.labels).
    ai_marks = fields.JSONField(null=True)
    # Remote media: None until fetched, then one of RemoteMediaState.
    remote_state = fields.CharEnumField(RemoteMediaState, max_length=16, null=True, db_index=True)
    # Why a remote file is refused (the AI mark found) or could not be fetched.
    refused_reason = fields.TextField(null=True)
    # Lease of the worker fetching this remote file (see models.queue.claim_due).
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "media_attachments"
        # A page's attachments; a post's, when it is deleted.
        indexes = (("post_id",),)

    @classmethod
    def unused(cls):
        """Uploads on no post and held by no scheduled status: free for a new post."""
        return cls.filter(post_id__isnull=True, scheduled_status_id__isnull=True, remote_url=None)

    def free_for(self, author_id: int, *, post_id: int | None = None, held_by: int | None = None) -> bool:
        """Whether this upload of ``author_id`` may go on a post: on no post but ``post_id``
        (an edit keeping it) and held by no scheduled status but ``held_by`` (the scheduled
        status being published). The one rule every door that attaches media checks."""
        return (self.account_id == author_id and self.remote_url is None
                and self.post_id in (None, post_id) and self.scheduled_status_id in (None, held_by))

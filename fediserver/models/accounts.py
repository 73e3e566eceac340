"""Accounts: local artists, remote actors and the instance actor.

Local and remote actors share one table, as every other row (follows, posts) points at
an actor whichever server it lives on. A local account has ``domain == ""`` and holds its
private key and password hash; a remote one keeps the document it was parsed from (``document``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

LOCAL_DOMAIN = ""


class Account(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=255)
    # "" for accounts of this instance; the remote host (with port, if any) otherwise.
    domain = fields.CharField(max_length=255, default=LOCAL_DOMAIN, db_index=True)
    actor_type = fields.CharField(max_length=32, default="Person")
    uri = fields.CharField(max_length=2048, unique=True)
    url = fields.CharField(max_length=2048, null=True)
    inbox_url = fields.CharField(max_length=2048, null=True)
    shared_inbox_url = fields.CharField(max_length=2048, null=True)
    outbox_url = fields.CharField(max_length=2048, null=True)
    followers_url = fields.CharField(max_length=2048, null=True)
    following_url = fields.CharField(max_length=2048, null=True)
    featured_url = fields.CharField(max_length=2048, null=True)
    display_name = fields.CharField(max_length=255, default="")
    summary = fields.TextField(default="")
    avatar_url = fields.CharField(max_length=2048, null=True)
    header_url = fields.CharField(max_length=2048, null=True)
    manually_approves_followers = fields.BooleanField(default=False)
    # Artists opt in to being listed and indexed; the default protects them.
    discoverable = fields.BooleanField(default=False)
    indexable = fields.BooleanField(default=False)
    profile_fields = fields.JSONField(default=list)
    also_known_as = fields.JSONField(default=list)
    moved_to_uri = fields.CharField(max_length=2048, null=True)
    # The artist's own protection choices (AI policy, watermark, data mining...), which may
    # only be stricter than the instance's; and the licence offered for new posts.
    protection_overrides = fields.JSONField(default=dict, db_default="{}")
    default_license = fields.CharField(max_length=2048, null=True)
    # Who may quote the artist's posts and be approved at once (public, followers, nobody).
    quote_policy = fields.CharField(max_length=16, default="public", db_default="public")
    # Posting defaults the artist's apps read (Mastodon's source privacy, sensitive, language).
    default_visibility = fields.CharField(max_length=16, default="public", db_default="public")
    default_sensitive = fields.BooleanField(default=False, db_default=False)
    default_language = fields.CharField(max_length=16, null=True)
    public_key_id = fields.CharField(max_length=2048, null=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    is_admin = fields.BooleanField(default=False)
    suspended = fields.BooleanField(default=False)
    # Moderation (``fediserver.moderation.account_actions``): when an admin suspended the
    # account (its data is kept 30 days for an unsuspension), limited it (silence: out of
    # public timelines and search, its follows become requests), or forced its media
    # behind a sensitive-content warning. None: not so.
    suspended_at = fields.DatetimeField(null=True)
    silenced_at = fields.DatetimeField(null=True)
    sensitized_at = fields.DatetimeField(null=True)
    document = fields.JSONField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "accounts"
        unique_together = (("username", "domain"),)

    @property
    def is_local(self) -> bool:
        return self.domain == LOCAL_DOMAIN

    @property
    def silenced(self) -> bool:
        return self.silenced_at is not None

    @property
    def sensitized(self) -> bool:
        return self.sensitized_at is not None

    @property
    def acct(self) -> str:
        """The handle without the leading @: ``name`` for local accounts, ``name@host`` otherwise."""
        return self.username if self.is_local else f"{self.username}@{self.domain}"

    def __str__(self) -> str:
        return self.acct

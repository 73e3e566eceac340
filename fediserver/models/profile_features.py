"""What an artist features on her profile besides her works: hashtags (``FeaturedTag``,
Mastodon's featured hashtags, at most ``MAX_FEATURED_TAGS``) and accounts she follows
and recommends (``AccountEndorsement``, Mastodon's endorsements).

An endorsement rests on the follow it recommends: the row points at that ``Follow`` and
goes with it (the database deletes it when the follow row is deleted, and
``fediserver.models.social.move_follow`` ends it when an accepted follow is rejected), so
unfollowing, a block, a suspension or a move ends it without anyone having to remember."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

MAX_FEATURED_TAGS = 10


class FeaturedTag(Model):
    """A hashtag shown on the artist's profile, named as she wrote it without ``#`` (one
    per name, whatever its case)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="featured_tags", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "featured_tags"
        unique_together = (("account", "name"),)


class AccountEndorsement(Model):
    """``account`` recommends ``target``, whom it follows, on its profile."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="endorsing", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="endorsed_by", on_delete=fields.CASCADE)
    follow = fields.ForeignKeyField("models.Follow", related_name="endorsements", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_endorsements"
        unique_together = (("account", "target"),)

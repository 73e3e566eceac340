"""What an artist's apps keep on the server besides posts and follows: read markers,
followed hashtags, filters (with their keywords and filtered posts), lists of followed
accounts, private notes on other accounts, and the follow suggestions an artist dismissed."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Marker(Model):
    """How far an artist has read a timeline (``home`` or ``notifications``), shared by
    all of their apps; ``version`` counts the saves."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="markers", on_delete=fields.CASCADE)
    timeline = fields.CharField(max_length=16)
    last_read_id = fields.CharField(max_length=64)
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "markers"
        unique_together = (("account", "timeline"),)


class FollowedTag(Model):
    """A hashtag whose posts the artist wants in the home timeline (``name`` in lower case)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="followed_tags", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "followed_tags"
        unique_together = (("account", "name"),)


class FilterAction(StrEnum):
    WARN = "warn"  # shown behind a warning naming the filter
    HIDE = "hide"  # left out


class Filter(Model):
    """A filter: where it applies (``context``: home, notifications, public, thread,
    account), what it does, until when, and (below) its keywords and posts."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="filters", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=255)
    context = fields.JSONField(default=list)
    action = fields.CharEnumField(FilterAction, max_length=8, default=FilterAction.WARN)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "filters"


class FilterKeyword(Model):
    id = fields.BigIntField(primary_key=True)
    parent_filter = fields.ForeignKeyField("models.Filter", related_name="keywords", on_delete=fields.CASCADE)
    keyword = fields.CharField(max_length=255)
    whole_word = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "filter_keywords"


class FilterStatus(Model):
    """One post a filter applies to, whatever its words."""

    id = fields.BigIntField(primary_key=True)
    parent_filter = fields.ForeignKeyField("models.Filter", related_name="statuses", on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="filtered_by", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "filter_statuses"
        unique_together = (("parent_filter", "post"),)


class RepliesPolicy(StrEnum):
    FOLLOWED = "followed"  # replies to anyone the list's owner follows
    LIST = "list"  # replies to members of the list
    NONE = "none"  # no replies to others


class AccountList(Model):
    """A list of followed accounts with its own timeline. The posts of the members of an
    ``exclusive`` list leave the home timeline."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="lists", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=255)
    replies_policy = fields.CharEnumField(RepliesPolicy, max_length=16, default=RepliesPolicy.LIST)
    exclusive = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "lists"


class ListMember(Model):
    id = fields.BigIntField(primary_key=True)
    list = fields.ForeignKeyField("models.AccountList", related_name="members", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="listed_in", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "list_members"
        unique_together = (("list", "account"),)


class AccountNote(Model):
    """A private note of an artist on another account (the ``note`` of a Relationship)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="notes_written", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="notes_about", on_delete=fields.CASCADE)
    comment = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account_notes"
        unique_together = (("account", "target"),)


class SuggestionDismissal(Model):
    """An account the artist no longer wants suggested to follow (``DELETE
    /api/v1/suggestions/:id``)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="dismissed_suggestions", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="dismissed_by", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "suggestion_dismissals"
        unique_together = (("account", "target"),)

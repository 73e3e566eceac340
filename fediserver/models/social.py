"""The social graph: who follows whom, and where each follow is in its life."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FollowState(StrEnum):
    PENDING = "pending"  # sent or received, waiting for an Accept
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Follow(Model):
    id = fields.BigIntField(primary_key=True)
    follower = fields.ForeignKeyField("models.Account", related_name="following_rel", on_delete=fields.CASCADE)
    target = fields.ForeignKeyField("models.Account", related_name="followers_rel", on_delete=fields.CASCADE)
    # The id of the Follow activity, ours or the remote server's.
    uri = fields.CharField(max_length=2048, null=True, unique=True)
    state = fields.CharEnumField(FollowState, max_length=16, default=FollowState.PENDING)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "follows"
        unique_together = (("follower", "target"),)

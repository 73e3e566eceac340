"""Signed-in browsers and the sign-in attempts that failed.

A web session row is what a session cookie points at (by a digest of its random id), so
signing out, or revoking every session of an account, takes effect in every process at
once. Failed sign-ins are kept for a short window to throttle guessing per account and per
address, across all web processes.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WebSession(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="web_sessions", on_delete=fields.CASCADE)
    token_digest = fields.CharField(max_length=64, unique=True)
    user_agent = fields.CharField(max_length=512, default="")
    address = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_sessions"


class SignInFailure(Model):
    id = fields.BigIntField(primary_key=True)
    # The username tried (lowercased), whether or not such an account exists.
    username = fields.CharField(max_length=255, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "sign_in_failures"

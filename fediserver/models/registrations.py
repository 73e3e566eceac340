"""Sign-ups waiting for an admin, when ``registrations.mode`` is ``approval``.

The account is only made when an admin approves; until then the request holds the
chosen name, the password's hash and what the person wrote about themselves."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class RegistrationState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Registration(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=255, unique=True)
    email = fields.CharField(max_length=320, default="")
    password_hash = fields.CharField(max_length=255)
    reason = fields.TextField(default="")
    state = fields.CharEnumField(RegistrationState, max_length=16, default=RegistrationState.PENDING)
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "registrations"

"""Domain blocks and allows: what the admins decided about other servers.

A ``DomainBlock`` covers a domain and all its subdomains. Its ``severity`` says how far
it goes (``suspend``: no federation at all; ``silence``: kept out of public lists;
``noop``: only the flags), and two flags act on their own: ``reject_media`` (its files are
never fetched) and ``reject_reports`` (its Flags are dropped). ``DomainAllow`` names the
servers that federate in allowlist mode. ``DomainPolicyVersion`` is one row counting the
changes of both tables, so every process sees with one cheap read that its copy in
memory is stale (``fediserver.moderation.domain_blocks``).

``source`` tells where a block came from: ``admin`` (the CLI, the API, the admin page or
an import) or ``config`` (the ``[moderation]`` table of the TOML file, kept in step with
it at start-up).
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Severity(StrEnum):
    NOOP = "noop"
    SILENCE = "silence"
    SUSPEND = "suspend"


class BlockSource(StrEnum):
    ADMIN = "admin"
    CONFIG = "config"


class DomainBlock(Model):
    id = fields.BigIntField(primary_key=True)
    # Lower-case host name without port; covers its subdomains too.
    domain = fields.CharField(max_length=255, unique=True)
    severity = fields.CharEnumField(Severity, max_length=16, default=Severity.SILENCE)
    reject_media = fields.BooleanField(default=False)
    reject_reports = fields.BooleanField(default=False)
    private_comment = fields.TextField(default="")
    public_comment = fields.TextField(default="")
    # Shown to the public with part of its name hidden (``ba*.example``).
    obfuscate = fields.BooleanField(default=False)
    source = fields.CharEnumField(BlockSource, max_length=16, default=BlockSource.ADMIN)
    # The accounts this block suspended: unsuspended when it is lifted (not the others).
    suspended_account_ids = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "domain_blocks"


class DomainAllow(Model):
    id = fields.BigIntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    source = fields.CharEnumField(BlockSource, max_length=16, default=BlockSource.ADMIN)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_allows"


class DomainPolicyVersion(Model):
    """One row (id 1): bumped by every change of the blocks or allows."""

    id = fields.IntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "domain_policy_version"

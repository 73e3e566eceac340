"""The audit log: every admin action, who did it, to what, and when, in one table.

Rows are written only by ``fediserver.moderation.audit.record`` and never changed.
``actor`` is the admin's account when one acted through the API or the web pages; a
command run on the server has none, and ``actor_name`` says so.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    id = fields.BigIntField(primary_key=True)
    actor = fields.ForeignKeyField("models.Account", related_name="audit_entries", null=True,
                                   on_delete=fields.SET_NULL)
    # Who acted, as shown: "@alice", or "command line" for the CLI.
    actor_name = fields.CharField(max_length=255)
    # What was done, "subject.verb": "account.suspend", "report.resolve", ...
    action = fields.CharField(max_length=64, db_index=True)
    target_type = fields.CharField(max_length=32)
    target_id = fields.CharField(max_length=255)
    # The target as a person reads it (a handle, "report #12"), kept even if it goes.
    target_label = fields.CharField(max_length=2048, default="")
    detail = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"

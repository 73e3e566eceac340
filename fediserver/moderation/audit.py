"""The audit log's one writer and its readers.

Every admin action, whichever door it came through (the admin API, the admin pages, the
command line), is recorded here by ``record``: who acted, what they did
(``"account.suspend"``, ``"report.resolve"``...), to what, and when. ``entries`` reads
the log newest first, for ``fediserver audit`` and ``GET /api/v1/admin/audit_log``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from tortoise.queryset import QuerySet

from fediserver.models import Account, AuditEntry


@dataclass(frozen=True)
class Admin:
    """Who is acting: an admin's account (API, web pages), or the command line."""

    account: Account | None = None

    @property
    def name(self) -> str:
        if self.account is not None:
            return f"@{self.account.acct}"
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = ""
        return f"command line ({user})" if user else "command line"


COMMAND_LINE = Admin()


async def record(admin: Admin, action: str, *, target_type: str, target_id: object, target_label: str = "",
                 detail: str = "") -> AuditEntry:
    """Write one entry of the log."""
    return await AuditEntry.create(
        actor=admin.account, actor_name=admin.name[:255], action=action, target_type=target_type,
        target_id=str(target_id)[:255], target_label=target_label[:2048], detail=detail,
    )


def entries(*, action: str | None = None, actor: Account | None = None, target_type: str | None = None,
            target_id: object | None = None) -> QuerySet[AuditEntry]:
    """The log, optionally narrowed; order and page it as the reader needs."""
    query = AuditEntry.all()
    if action:
        query = query.filter(action__startswith=action) if action.endswith(".") else query.filter(action=action)
    if actor is not None:
        query = query.filter(actor_id=actor.pk)
    if target_type:
        query = query.filter(target_type=target_type)
    if target_id is not None:
        query = query.filter(target_id=str(target_id))
    return query

"""Mastodon's JSON shapes for moderation: Admin::Report, Admin::Account and the audit
log's entries (the Report a reporter gets back is ``fediserver.api.serializers.report_json``).

The reported statuses of an Admin::Report are rendered from the report's snapshot (the
posts as they were when reported), each with the Status fields clients read; their media
link to the files still stored, or to the remote original.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fediserver.api.serializers import accounts_json, iso, media_json
from fediserver.config import InstanceRule
from fediserver.models import Account, AuditEntry, MediaAttachment, Report
from fediserver.models.accounts import LOCAL_DOMAIN
from media.links import MediaLinks

ADMIN_ROLE = {"id": "3", "name": "Admin", "color": "", "permissions": "1", "highlighted": True}
EVERYONE_ROLE = {"id": "-99", "name": "", "color": "", "permissions": "65536", "highlighted": False}


async def admin_accounts_json(accounts: Iterable[Account]) -> dict[int, dict[str, Any]]:
    """Admin::Account entities by account id."""
    accounts = list({account.pk: account for account in accounts}.values())
    public = await accounts_json(accounts) if accounts else {}
    return {account.pk: _admin_account(account, public[account.pk]) for account in accounts}


def _admin_account(account: Account, public: dict[str, Any]) -> dict[str, Any]:
    local = account.domain == LOCAL_DOMAIN
    return {
        "id": str(account.pk),
        "username": account.username,
        "domain": None if local else account.domain,
        "created_at": iso(account.created_at),
        "email": "",
        "ip": None,
        "ips": [],
        "locale": "",
        "invite_request": None,
        "role": ADMIN_ROLE if account.is_admin else EVERYONE_ROLE,
        "confirmed": local,
        "approved": local,
        "disabled": False,
        "silenced": account.silenced,
        "suspended": account.suspended,
        "sensitized": account.sensitized,
        "account": public,
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


async def admin_reports_json(reports: Sequence[Report], links: MediaLinks,
                             rules: Sequence[InstanceRule]) -> list[dict[str, Any]]:
    """Admin::Report entities, in the given order."""
    people = {report.target_id for report in reports}
    for report in reports:
        people.update(pk for pk in (report.reporter_id, report.assigned_to_id, report.resolved_by_id) if pk)
    admin_accounts = await admin_accounts_json(await Account.filter(id__in=people)) if people else {}
    media_ids = [item["id"] for report in reports for status in report.statuses for item in status.get("media", [])]
    stored = {a.pk: a for a in await MediaAttachment.filter(id__in=media_ids)} if media_ids else {}
    rule_by_id = {rule.id: rule for rule in rules}
    return [
        {
            "id": str(report.pk),
            "action_taken": report.resolved_at is not None,
            "action_taken_at": iso(report.resolved_at),
            "category": report.category.value,
            "comment": report.comment,
            "forwarded": report.forwarded,
            "created_at": iso(report.created_at),
            "updated_at": iso(report.resolved_at or report.created_at),
            "account": admin_accounts.get(report.reporter_id),
            "target_account": admin_accounts[report.target_id],
            "assigned_account": admin_accounts.get(report.assigned_to_id),
            "action_taken_by_account": admin_accounts.get(report.resolved_by_id),
            "statuses": [_reported_status(status, admin_accounts[report.target_id]["account"], stored, links)
                         for status in report.statuses],
            "rules": [{"id": rule_id, "text": rule_by_id[rule_id].text if rule_id in rule_by_id else "(a rule since removed)",
                       "hint": rule_by_id[rule_id].hint if rule_id in rule_by_id else ""} for rule_id in report.rule_ids],
        }
        for report in reports
    ]


def _reported_status(status: dict[str, Any], author: dict[str, Any], stored: dict[int, MediaAttachment],
                     links: MediaLinks) -> dict[str, Any]:
    media = []
    for item in status.get("media", []):
        attachment = stored.get(item.get("id"))
        if attachment is not None:
            media.append(media_json(attachment, links))
        elif item.get("remote_url"):
            media.append({"id": str(item["id"]), "type": "unknown", "url": item["remote_url"], "preview_url": None,
                          "remote_url": item["remote_url"], "preview_remote_url": None, "text_url": None, "meta": {},
                          "description": item.get("description") or None, "blurhash": None})
    return {
        "id": str(status["id"]), "uri": status["uri"], "url": status["url"], "created_at": status.get("created_at"),
        "edited_at": None, "content": status["content"], "spoiler_text": status.get("spoiler_text", ""),
        "visibility": status.get("visibility", "public"), "sensitive": status.get("sensitive", False),
        "language": None, "in_reply_to_id": None, "in_reply_to_account_id": None, "reblog": None, "poll": None,
        "card": None, "application": None, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
        "favourited": False, "reblogged": False, "muted": False, "bookmarked": False, "pinned": False,
        "text": None, "account": author, "media_attachments": media, "mentions": [], "tags": [], "emojis": [],
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.pk),
        "created_at": iso(entry.created_at),
        "account_id": str(entry.actor_id) if entry.actor_id else None,
        "actor": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target": entry.target_label,
        "detail": entry.detail,
    }

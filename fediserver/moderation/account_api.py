"""Accounts in the admin API, as Mastodon documents them, and the audit log.

- ``GET /api/v1/admin/accounts`` (filters ``local``, ``remote``, ``by_domain``,
  ``active``, ``pending``, ``disabled``, ``silenced``, ``suspended``, ``sensitized``,
  ``username``, ``display_name``, ``staff``) and ``GET /api/v2/admin/accounts``
  (``origin``, ``status``, ``permissions``, ``username``, ``display_name``,
  ``by_domain``); ``GET /api/v1/admin/accounts/:id``.
- ``POST /api/v1/admin/accounts/:id/action`` (``type`` none, sensitive, silence or
  suspend; ``report_id`` closes that report; ``text`` a note for the log), and
  ``.../unsilence``, ``.../unsensitive``, ``.../unsuspend``.
- ``GET /api/v1/admin/audit_log`` (this server's own): every admin action, newest first,
  narrowed by ``action``, ``account_id`` (who acted), ``target_type`` and ``target_id``.

Reading needs ``admin:read:accounts`` (the log: ``admin:read``), acting
``admin:write:accounts``, on an admin's token (``fediserver.api.auth.require_admin``).
"""

from __future__ import annotations

from quart import Blueprint, jsonify, request
from tortoise.expressions import Q

from fediserver.api.auth import require_admin
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import TRUE, Params
from fediserver.instance_actor import INSTANCE_ACTOR_USERNAME
from fediserver.models import Account, Report
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.moderation import account_actions, audit
from fediserver.moderation.admin_json import admin_accounts_json, audit_json
from fediserver.moderation.audit import Admin
from fediserver.refusals import ApiError, not_found, record_id, unprocessable

blueprint = Blueprint("api_admin_accounts", __name__)

READ = "admin:read:accounts"
WRITE = "admin:write:accounts"
NOBODY = Q(id__in=[])  # no pending, disabled or unconfirmed accounts exist here


def _people():
    """Every account but the instance actor."""
    return Account.filter(~(Q(username=INSTANCE_ACTOR_USERNAME) & Q(domain=LOCAL_DOMAIN)))


def _on(name: str) -> bool:
    return (request.args.get(name) or "").lower() in TRUE


def _filtered_v1():
    query = _people()
    if _on("local"):
        query = query.filter(domain=LOCAL_DOMAIN)
    if _on("remote"):
        query = query.exclude(domain=LOCAL_DOMAIN)
    if _on("active"):
        query = query.filter(suspended=False)
    if _on("pending") or _on("disabled"):
        query = query.filter(NOBODY)
    if _on("silenced"):
        query = query.filter(silenced_at__isnull=False)
    if _on("suspended"):
        query = query.filter(suspended=True)
    if _on("sensitized"):
        query = query.filter(sensitized_at__isnull=False)
    if _on("staff"):
        query = query.filter(is_admin=True)
    return _common(query)


def _filtered_v2():
    query = _people()
    origin = request.args.get("origin")
    if origin == "local":
        query = query.filter(domain=LOCAL_DOMAIN)
    elif origin == "remote":
        query = query.exclude(domain=LOCAL_DOMAIN)
    elif origin:
        raise unprocessable(f"origin must be local or remote, not {origin!r}")
    status = request.args.get("status")
    by_status = {"active": Q(suspended=False), "silenced": Q(silenced_at__isnull=False),
                 "suspended": Q(suspended=True), "pending": NOBODY, "disabled": NOBODY}
    if status:
        if status not in by_status:
            raise unprocessable(f"status must be one of {', '.join(by_status)}, not {status!r}")
        query = query.filter(by_status[status])
    if request.args.get("permissions") == "staff":
        query = query.filter(is_admin=True)
    return _common(query)


def _common(query):
    args = request.args
    if args.get("by_domain"):
        query = query.filter(domain=args["by_domain"].strip().lower())
    if args.get("username"):
        query = query.filter(username__icontains=args["username"].strip().lstrip("@"))
    if args.get("display_name"):
        query = query.filter(display_name__icontains=args["display_name"].strip())
    return query


async def _listing(query):
    rows = await Page.from_request().rows(query)
    entities = await admin_accounts_json(rows)
    return jsonify([entities[row.pk] for row in rows]), 200, link_header(rows)


@blueprint.get("/api/v1/admin/accounts")
async def list_accounts_v1():
    await require_admin(scope=READ)
    return await _listing(_filtered_v1())


@blueprint.get("/api/v2/admin/accounts")
async def list_accounts_v2():
    await require_admin(scope=READ)
    return await _listing(_filtered_v2())


async def _account(account_id: str) -> Account:
    account = await Account.get_or_none(id=record_id(account_id))
    if account is None or (account.is_local and account.username == INSTANCE_ACTOR_USERNAME):
        raise not_found()
    return account


async def _entity(account: Account):
    return jsonify((await admin_accounts_json([account]))[account.pk])


@blueprint.get("/api/v1/admin/accounts/<account_id>")
async def show_account(account_id: str):
    await require_admin(scope=READ)
    return await _entity(await _account(account_id))


@blueprint.post("/api/v1/admin/accounts/<account_id>/action")
async def act(account_id: str):
    admin = await require_admin(scope=WRITE)
    account = await _account(account_id)
    params = await Params.read()
    report = None
    if params.text("report_id"):
        report = await Report.get_or_none(id=record_id(params.text("report_id")))
        if report is None:
            raise not_found("Report")
    try:
        action = account_actions.parse_action(params.text("type"))
        await account_actions.take_action(Admin(admin), account, action, urls=services().urls, report=report,
                                          text=params.text("text", "") or "")
    except account_actions.ActionRefused as refusal:
        raise unprocessable(str(refusal)) from None
    return jsonify({})


def _undoing(name: str, undo):
    async def endpoint(account_id: str):
        admin = await require_admin(scope=WRITE)
        account = await _account(account_id)
        try:
            await undo(Admin(admin), account)
        except account_actions.ActionRefused as refusal:
            raise ApiError(403, str(refusal)) from None
        return await _entity(account)

    endpoint.__name__ = name
    blueprint.post(f"/api/v1/admin/accounts/<account_id>/{name}")(endpoint)


_undoing("unsilence", account_actions.unsilence)
_undoing("unsensitive", account_actions.unsensitize)
_undoing("unsuspend", lambda admin, account: account_actions.unsuspend(admin, account, urls=services().urls))


@blueprint.get("/api/v1/admin/audit_log")
async def audit_log():
    await require_admin(scope="admin:read")
    args = request.args
    actor = await _account(args["account_id"]) if args.get("account_id") else None
    query = audit.entries(action=args.get("action"), actor=actor, target_type=args.get("target_type"),
                          target_id=args.get("target_id"))
    rows = await Page.from_request().rows(query)
    return jsonify([audit_json(row) for row in rows]), 200, link_header(rows)

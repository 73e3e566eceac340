"""Reports in the client API: filing one (``POST /api/v1/reports``) and the admin API
``/api/v1/admin/reports`` (list, show, assign_to_self, unassign, resolve, reopen), as
Mastodon documents them. Admin endpoints need an admin's token with ``admin:read:reports``
or ``admin:write:reports`` (``fediserver.api.auth.require_admin``)."""

from __future__ import annotations

from quart import Blueprint, jsonify, request

from fediserver.api.auth import require_account, require_admin
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.params import TRUE, Params
from fediserver.api.serializers import account_json, report_json
from fediserver.models import Account, Report
from fediserver.moderation import reports
from fediserver.moderation.admin_json import admin_reports_json
from fediserver.moderation.audit import Admin
from fediserver.refusals import ApiError, not_found, record_id, unprocessable

blueprint = Blueprint("api_reports", __name__)

READ = "admin:read:reports"
WRITE = "admin:write:reports"


@blueprint.post("/api/v1/reports", strict_slashes=False)
async def file_report():
    reporter = await require_account(scope="write:reports")
    params = await Params.read()
    account_id = params.text("account_id")
    if not account_id:
        raise unprocessable("account_id is missing: name the account you report")
    target = await Account.get_or_none(id=record_id(account_id))
    if target is None:
        raise not_found()
    status_ids = []
    for value in params.texts("status_ids"):
        if not value.isdigit():
            raise unprocessable(f"status_ids must be post ids, not {value!r}")
        status_ids.append(int(value))
    settings = services().settings
    try:
        report = await reports.file_report(
            reporter, target, urls=services().urls, rules=settings.instance.rules, status_ids=status_ids,
            comment=params.text("comment", "") or "", category=params.text("category"),
            rule_ids=params.texts("rule_ids"), forward=params.flag("forward"), instance_name=settings.instance.name,
        )
    except reports.ReportError as refusal:
        raise unprocessable(str(refusal)) from None
    return jsonify(report_json(report, await account_json(target)))


async def _admin_reports_json(rows: list[Report]) -> list[dict]:
    settings = services().settings
    return await admin_reports_json(rows, services().media_links, settings.instance.rules)


async def _report(report_id: str) -> Report:
    report = await Report.get_or_none(id=record_id(report_id))
    if report is None:
        raise not_found()
    return report


@blueprint.get("/api/v1/admin/reports")
async def list_reports():
    await require_admin(scope=READ)
    args = request.args
    # As Mastodon: open reports unless ``resolved=true`` asks for the resolved ones.
    resolved = (args.get("resolved") or "").lower() in TRUE
    state = reports.ReportState.RESOLVED if resolved else reports.ReportState.OPEN
    query = reports.reports(state=state)
    for name, column in (("account_id", "reporter_id"), ("target_account_id", "target_id")):
        if args.get(name):
            query = query.filter(**{column: record_id(args[name])})
    rows = await Page.from_request().rows(query)
    return jsonify(await _admin_reports_json(rows)), 200, link_header(rows)


@blueprint.get("/api/v1/admin/reports/<report_id>")
async def show_report(report_id: str):
    await require_admin(scope=READ)
    [entity] = await _admin_reports_json([await _report(report_id)])
    return jsonify(entity)


async def _step(report_id: str, step) -> tuple:
    admin = await require_admin(scope=WRITE)
    report = await _report(report_id)
    try:
        await step(report, Admin(admin), admin)
    except reports.ReportError as refusal:
        raise ApiError(422, str(refusal)) from None
    [entity] = await _admin_reports_json([await _report(report_id)])
    return jsonify(entity)


@blueprint.post("/api/v1/admin/reports/<report_id>/assign_to_self")
async def assign_to_self(report_id: str):
    return await _step(report_id, lambda report, admin, account: reports.assign(report, admin, account))


@blueprint.post("/api/v1/admin/reports/<report_id>/unassign")
async def unassign(report_id: str):
    return await _step(report_id, lambda report, admin, account: reports.assign(report, admin, None))


@blueprint.post("/api/v1/admin/reports/<report_id>/resolve")
async def resolve(report_id: str):
    return await _step(report_id, lambda report, admin, account: reports.resolve(report, admin))


@blueprint.post("/api/v1/admin/reports/<report_id>/reopen")
async def reopen(report_id: str):
    return await _step(report_id, lambda report, admin, account: reports.reopen(report, admin))

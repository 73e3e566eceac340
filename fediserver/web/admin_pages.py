"""The admins' pages in the studio: ``/admin/reports`` (open or resolved reports, one
report with the posts as they were reported, resolving, reopening, taking it) and
``/admin/accounts`` (finding an account and acting on it). Only an admin signed in sees
them; every form carries the CSRF token; each step goes through
``fediserver.moderation`` and so into the audit log."""

from __future__ import annotations

from quart import Blueprint, redirect, request
from tortoise.expressions import Q
from werkzeug.exceptions import Forbidden, NotFound

from fediserver.instance_actor import INSTANCE_ACTOR_USERNAME
from fediserver.models import Account, Report
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.moderation import account_actions, reports
from fediserver.moderation.audit import Admin, entries
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf, signed_in_account

blueprint = Blueprint("admin_pages", __name__)

ACCOUNTS_PER_PAGE = 50
REPORTS_PER_PAGE = 50
# The accounts page's marks that need nothing but the account.
ACCOUNT_STEPS = {
    "silence": account_actions.silence,
    "unsilence": account_actions.unsilence,
    "sensitive": account_actions.sensitize,
    "unsensitive": account_actions.unsensitize,
}


async def _admin(back_to: str):
    viewer = await signed_in_account()
    if viewer is None:
        return None, redirect(f"/auth/sign_in?next={back_to}", 303)
    if not viewer.is_admin:
        raise Forbidden("Only the collective's admins can see this page.")
    return viewer, None


def _page(body: str, status: int = 200):
    return body, status, {"Cache-Control": PRIVATE_CACHE_CONTROL}


def _id(value: int) -> int:
    if not 0 < value < 2**63:
        raise NotFound()
    return value


@blueprint.get("/admin/reports")
async def report_list():
    viewer, elsewhere = await _admin("/admin/reports")
    if elsewhere is not None:
        return elsewhere
    state = reports.ReportState.RESOLVED if request.args.get("state") == "resolved" else reports.ReportState.OPEN
    rows = await reports.reports(state=state).order_by("-id").limit(REPORTS_PER_PAGE).select_related(
        "reporter", "target", "assigned_to")
    return _page(await render("admin/reports.html", viewer=viewer, reports=rows, state=state.value,
                              done=request.args.get("done", "")))


@blueprint.get("/admin/reports/<int:report_id>")
async def report_page(report_id: int):
    viewer, elsewhere = await _admin(f"/admin/reports/{report_id}")
    if elsewhere is not None:
        return elsewhere
    report = await Report.get_or_none(id=_id(report_id)).select_related("reporter", "target", "assigned_to",
                                                                        "resolved_by")
    if report is None:
        raise NotFound()
    rules = {rule.id: rule.text for rule in web().services.settings.instance.rules}
    history = await entries(target_type="report", target_id=report.pk).order_by("-id").limit(20)
    return _page(await render("admin/report.html", viewer=viewer, report=report, rules=rules, history=history,
                              done=request.args.get("done", ""), actions=[a.value for a in account_actions.AccountAction]))


@blueprint.post("/admin/reports/<int:report_id>")
async def report_step(report_id: int):
    viewer, elsewhere = await _admin(f"/admin/reports/{report_id}")
    if elsewhere is not None:
        return elsewhere
    await check_csrf()
    report = await Report.get_or_none(id=_id(report_id)).select_related("target")
    if report is None:
        raise NotFound()
    form = await request.form
    step, admin = form.get("step", ""), Admin(viewer)
    try:
        if step == "resolve":
            await reports.resolve(report, admin)
        elif step == "reopen":
            await reports.reopen(report, admin)
        elif step == "assign":
            await reports.assign(report, admin, viewer)
        elif step == "unassign":
            await reports.assign(report, admin, None)
        elif step in {a.value for a in account_actions.AccountAction}:
            await account_actions.take_action(admin, report.target, step, urls=web().services.urls, report=report,
                                              text=str(form.get("note", ""))[:1000])
        else:
            raise NotFound()
    except (reports.ReportError, account_actions.ActionRefused) as refusal:
        return redirect(f"/admin/reports/{report.pk}?done=" + _quoted(f"Not done: {refusal}"), 303)
    return redirect(f"/admin/reports/{report.pk}?done={step}", 303)


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:300])


@blueprint.get("/admin/accounts")
async def account_list():
    viewer, elsewhere = await _admin("/admin/accounts")
    if elsewhere is not None:
        return elsewhere
    query = Account.filter(~(Q(username=INSTANCE_ACTOR_USERNAME) & Q(domain=LOCAL_DOMAIN)))
    search = (request.args.get("q") or "").strip().lstrip("@")[:300]
    if search:
        name, _, host = search.partition("@")
        query = query.filter(Q(username__icontains=name) | Q(display_name__icontains=name))
        if host:
            query = query.filter(domain__icontains=host.lower())
    origin = request.args.get("origin", "")
    if origin == "local":
        query = query.filter(domain=LOCAL_DOMAIN)
    elif origin == "remote":
        query = query.exclude(domain=LOCAL_DOMAIN)
    status = request.args.get("status", "")
    narrowed = {"silenced": Q(silenced_at__isnull=False), "suspended": Q(suspended=True),
                "sensitive": Q(sensitized_at__isnull=False)}
    if status in narrowed:
        query = query.filter(narrowed[status])
    rows = await query.order_by("domain", "username").limit(ACCOUNTS_PER_PAGE)
    return _page(await render("admin/accounts.html", viewer=viewer, accounts=rows, q=search, origin=origin,
                              status=status, done=request.args.get("done", ""),
                              may_unsuspend=account_actions.may_unsuspend))


@blueprint.post("/admin/accounts/<int:account_id>")
async def account_step(account_id: int):
    viewer, elsewhere = await _admin("/admin/accounts")
    if elsewhere is not None:
        return elsewhere
    await check_csrf()
    account = await Account.get_or_none(id=_id(account_id))
    if account is None or (account.is_local and account.username == INSTANCE_ACTOR_USERNAME):
        raise NotFound()
    form = await request.form
    step, admin, urls = form.get("step", ""), Admin(viewer), web().services.urls
    try:
        if step == "suspend":
            await account_actions.suspend(admin, account, urls=urls)
        elif step == "unsuspend":
            await account_actions.unsuspend(admin, account, urls=urls)
        elif step in ACCOUNT_STEPS:
            await ACCOUNT_STEPS[step](admin, account)
        else:
            raise NotFound()
    except account_actions.ActionRefused as refusal:
        return redirect("/admin/accounts?done=" + _quoted(f"Not done: {refusal}"), 303)
    return redirect("/admin/accounts?done=" + _quoted(f"{step}: @{account.acct}"), 303)

"""The admin page for domain blocks: ``/admin/domain_blocks`` lists them, adds one and
lifts one, for a signed-in admin account (others: sign in, or 403). Each form carries
the session's CSRF token; every change goes through the writers of ``domain_blocks``,
as the CLI's and the API's do."""

from __future__ import annotations

from quart import Blueprint, redirect, request
from werkzeug.exceptions import Forbidden, NotFound

from fediserver.models import DomainBlock
from fediserver.moderation.domain_blocks import DomainError, block_domain, normalise_domain, unblock_domain
from fediserver.web.forms import Form
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf, signed_in_account

blueprint = Blueprint("domain_pages", __name__)
PAGE = "/admin/domain_blocks"
SEVERITIES = (("suspend", "Suspend: no federation at all"),
              ("silence", "Limit: out of public timelines and search"),
              ("noop", "None: only the options below"))


async def _admin():
    viewer = await signed_in_account()
    if viewer is None:
        return None, redirect(f"/auth/sign_in?next={PAGE}", 303)
    if not viewer.is_admin:
        raise Forbidden("Only the collective's admins can see this page.")
    return viewer, None


async def _page(viewer, form: Form, status: int = 200, done: str = ""):
    blocks = await DomainBlock.all().order_by("domain")
    body = await render("admin/domain_blocks.html", viewer=viewer, blocks=blocks, form=form,
                        severities=SEVERITIES, done=done)
    return body, status, {"Cache-Control": PRIVATE_CACHE_CONTROL}


@blueprint.get(PAGE)
async def domain_blocks():
    viewer, elsewhere = await _admin()
    if elsewhere is not None:
        return elsewhere
    return await _page(viewer, Form(values={"severity": "suspend"}), done=request.args.get("done", "")[:300])


@blueprint.post(PAGE)
async def add_block():
    viewer, elsewhere = await _admin()
    if elsewhere is not None:
        return elsewhere
    await check_csrf()
    fields = await request.form
    form = Form()
    domain = form.text(fields, "domain", limit=255, required="Name the domain to block, e.g. spam.example.")
    severity = form.choice(fields, "severity", [value for value, _text in SEVERITIES], default="suspend")
    options = {name: form.flag(fields, name) for name in ("reject_media", "reject_reports", "obfuscate")}
    public_comment = form.text(fields, "public_comment", limit=1000)
    private_comment = form.text(fields, "private_comment", limit=1000)
    if domain:
        try:
            domain = normalise_domain(domain)
            if await DomainBlock.exists(domain=domain):
                form.error("domain", f"{domain} is already blocked; lift its block first to change it.")
        except DomainError as error:
            form.error("domain", f"{error}.")
    if form.ok:
        try:
            await block_domain(domain, severity=severity, public_comment=public_comment,
                               private_comment=private_comment, by=viewer,
                               remote_media=web().services.remote_media, **options)
        except DomainError as error:
            form.error("domain", f"{error}.")
    if not form.ok:
        return await _page(viewer, form, 422)
    return redirect(f"{PAGE}?done=blocked+{domain}", 303)


@blueprint.post(f"{PAGE}/<int:block_id>/lift")
async def lift_block(block_id: int):
    viewer, elsewhere = await _admin()
    if elsewhere is not None:
        return elsewhere
    await check_csrf()
    block = await DomainBlock.get_or_none(id=block_id) if block_id < 2**63 else None
    if block is None:
        raise NotFound()
    await unblock_domain(block.domain, by=viewer)
    return redirect(f"{PAGE}?done=lifted+{block.domain}", 303)

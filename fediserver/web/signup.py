"""Joining from the web: ``/auth/sign_up`` when registrations are open or by approval,
and ``/admin/registrations``, where an admin approves or turns down waiting sign-ups."""

from __future__ import annotations

from quart import Blueprint, redirect, request
from werkzeug.exceptions import Forbidden, NotFound

from fediserver import registrations
from fediserver.models import Registration, RegistrationState
from fediserver.web.forms import Form
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf, sign_in, signed_in_account

blueprint = Blueprint("signup", __name__)


@blueprint.route("/auth/sign_up", methods=["GET", "POST"])
async def sign_up():
    room = web()
    if not room.site.registrations_open:
        raise NotFound()
    viewer = await signed_in_account()
    form = Form()
    if request.method == "POST":
        await check_csrf()
        fields = await request.form
        username = form.text(fields, "username", limit=30, required="Choose a name.").lstrip("@")
        password = form.text(fields, "password", limit=1000, required="Choose a password.", strip=False)
        again = form.text(fields, "password_again", limit=1000, strip=False)
        email = form.text(fields, "email", limit=320)
        reason = form.text(fields, "reason", limit=1000,
                           required="Tell the collective a little about you and your work." if room.site.approval_required else "")
        if not form.flag(fields, "rules"):
            form.error("rules", "Agree to the collective's rules to join.")
        form.values.pop("password", None)
        form.values.pop("password_again", None)
        for check in ((registrations.check_name(username) if username else None),
                      (_password_problem(password, again) if password else None)):
            try:
                if check is not None:
                    await check
            except registrations.SignUpRefused as refused:
                form.error(refused.field, refused.message)
        if form.ok:
            if room.site.approval_required:
                await registrations.ask_to_join(username, password, email, reason)
                body = await render("auth/sign_up_waiting.html", viewer=None, username=username)
                return body, 200, {"Cache-Control": PRIVATE_CACHE_CONTROL}
            account = await registrations.sign_up_now(room.services.urls, username, password)
            await sign_in(account)
            return redirect("/studio/profile", 303)
    body = await render("auth/sign_up.html", viewer=viewer, form=form)
    return body, 422 if form.errors else 200, {"Cache-Control": PRIVATE_CACHE_CONTROL}


async def _password_problem(password: str, again: str) -> None:
    registrations.check_password(password, again)


async def _admin():
    viewer = await signed_in_account()
    if viewer is None:
        return None, redirect("/auth/sign_in?next=/admin/registrations", 303)
    if not viewer.is_admin:
        raise Forbidden("Only the collective's admins can see this page.")
    return viewer, None


@blueprint.get("/admin/registrations")
async def waiting_sign_ups():
    viewer, elsewhere = await _admin()
    if elsewhere is not None:
        return elsewhere
    body = await render("admin/registrations.html", viewer=viewer, waiting=await registrations.pending(),
                        done=request.args.get("done", ""))
    return body, 200, {"Cache-Control": PRIVATE_CACHE_CONTROL}


@blueprint.post("/admin/registrations/<int:registration_id>")
async def decide(registration_id: int):
    viewer, elsewhere = await _admin()
    if elsewhere is not None:
        return elsewhere
    await check_csrf()
    one = await Registration.get_or_none(id=registration_id, state=RegistrationState.PENDING) \
        if registration_id < 2**63 else None
    if one is None:
        raise NotFound()
    if (await request.form).get("answer") == "approve":
        await registrations.approve(web().services.urls, one)
        return redirect("/admin/registrations?done=approved", 303)
    await registrations.reject(one)
    return redirect("/admin/registrations?done=rejected", 303)

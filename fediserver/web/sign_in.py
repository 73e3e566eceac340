"""The sign-in and sign-out pages: ``/auth/sign_in?next=/path`` and ``/auth/sign_out``.

Signing in takes the username and password (checked by ``local_accounts.authenticate``,
which also upgrades an old password hash), is throttled per account and per address,
and returns to ``next`` when it is a path on this site (never elsewhere).
"""

from __future__ import annotations

from quart import Blueprint, current_app, redirect, render_template, request

from fediserver.local_accounts import authenticate
from fediserver.web.sessions import check_csrf, private_page, sign_in, sign_out, signed_in_account
from fediserver.web.throttle import SignInThrottle

blueprint = Blueprint("sign_in", __name__, template_folder="templates")


@blueprint.app_context_processor
def _instance_name() -> dict:
    return {"instance_name": current_app.config["SETTINGS"].instance.name}


def safe_next(value: str | None) -> str:
    """``next`` if it is a path on this site, else the front page."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(c in value for c in "\r\n\\"):
        return "/"
    return value


def _throttle() -> SignInThrottle:
    return SignInThrottle(current_app.config["SETTINGS"].auth)


async def _form_page(status: int = 200, *, error: str = "", username: str = "", next_path: str = "/"):
    html = await render_template("auth/sign_in.html", error=error, username=username, next=next_path)
    return private_page(current_app.response_class(html, status=status, content_type="text/html; charset=utf-8"))


@blueprint.get("/auth/sign_in")
async def sign_in_form():
    next_path = safe_next(request.args.get("next"))
    if await signed_in_account() is not None:
        return redirect(next_path, 303)
    return await _form_page(next_path=next_path)


@blueprint.post("/auth/sign_in")
async def sign_in_submit():
    await check_csrf()
    form = await request.form
    username = (form.get("username") or "").strip().removeprefix("@")
    password = form.get("password") or ""
    next_path = safe_next(form.get("next"))
    throttle = _throttle()
    wait = await throttle.wait_seconds(username, request.remote_addr)
    if wait:
        minutes = max(1, round(wait / 60))
        response = await _form_page(
            429, error=f"Too many failed sign-ins. Try again in about {minutes} minute{'s' if minutes > 1 else ''}.",
            username=username, next_path=next_path,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    account = await authenticate(username, password) if username and password else None
    if account is None:
        await throttle.failed(username, request.remote_addr)
        return await _form_page(401, error="Wrong username or password.", username=username, next_path=next_path)
    await throttle.succeeded(username)
    await sign_in(account)
    return redirect(next_path, 303)


@blueprint.get("/auth/sign_out")
async def sign_out_form():
    html = await render_template("auth/sign_out.html", account=await signed_in_account())
    return private_page(current_app.response_class(html, content_type="text/html; charset=utf-8"))


@blueprint.post("/auth/sign_out")
async def sign_out_submit():
    await check_csrf()
    await sign_out()
    return redirect("/auth/sign_in", 303)

"""Who is signed in to the web pages, and the CSRF token every form carries.

The session is Quart's signed cookie holding the account id and a CSRF token; reading it
costs no query for a visitor without one. ``signed_in_account()`` loads the account
once per request; ``check_csrf()`` refuses a form whose token does not match (403).
The sign-in page ``/auth/sign_in?next=...`` checks the password of a local account and
``/auth/sign_out`` (POST) ends the session.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from quart import Blueprint, abort, g, redirect, render_template, request, session

from fediserver.local_accounts import verify_password
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN

blueprint = Blueprint("sessions", __name__)

ACCOUNT_KEY = "account_id"
CSRF_KEY = "csrf"


async def signed_in_account() -> Account | None:
    """The local account signed in to this request's session, or None."""
    if "signed_in_account" in g:
        return g.signed_in_account
    account = None
    account_id = session.get(ACCOUNT_KEY) if request.cookies else None
    if isinstance(account_id, int):
        account = await Account.get_or_none(id=account_id, domain=LOCAL_DOMAIN, suspended=False)
    g.signed_in_account = account
    return account


async def sign_in(account: Account) -> None:
    session.clear()
    session[ACCOUNT_KEY] = account.pk
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    session.permanent = True
    g.signed_in_account = account


async def sign_out() -> None:
    session.clear()
    g.signed_in_account = None


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


async def check_csrf() -> None:
    """Abort with 403 unless the submitted form carries this session's CSRF token."""
    form = await request.form
    sent = form.get("csrf_token", "")
    expected = session.get(CSRF_KEY, "")
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(403, "The form has expired or did not come from this site; reload the page and try again.")


def safe_next(target: str | None, default: str = "/studio") -> str:
    """A local path to go to after signing in; anything pointing elsewhere becomes ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@blueprint.route("/auth/sign_in", methods=["GET", "POST"])
async def sign_in_page():
    next_url = safe_next(request.args.get("next"))
    values = {"username": ""}
    error = ""
    if request.method == "POST":
        await check_csrf()
        form = await request.form
        values["username"] = form.get("username", "").strip().lstrip("@")
        username = values["username"].split("@", 1)[0]
        account = await Account.get_or_none(username=username, domain=LOCAL_DOMAIN, suspended=False)
        if account is not None and verify_password(form.get("password", ""), account.password_hash):
            await sign_in(account)
            return redirect(next_url, 303)
        error = "That name and password do not match an account here."
    status = 401 if error else 200
    return await render_template("auth/sign_in.html", values=values, error=error, next_url=next_url), status


@blueprint.post("/auth/sign_out")
async def sign_out_page():
    await check_csrf()
    await sign_out()
    return redirect("/", 303)

"""Signed-in browsers: the session cookie, who is signed in, and CSRF tokens.

The cookie (``fediserver_session``: HttpOnly, SameSite=Lax, Secure when the instance is
served over https) is signed with the session secret and holds two random values: the
session id, whose digest names a ``WebSession`` row (so signing out, or revoking an
account's sessions, holds in every process), and the CSRF token every form carries.

The doors for every page:

- ``await signed_in_account()``: the account of this browser, or None;
- ``await sign_in(account)`` / ``await sign_out()``;
- ``csrf_token()`` (also a Jinja global: ``{{ csrf_token() }}`` in a hidden
  ``csrf_token`` field) and ``await check_csrf()`` (403 when the form's token is wrong);
- ``private_page(response)``: no caching, no framing, no referrer, for pages that show
  secrets or ask for consent.

The session secret comes from ``auth.session_secret``, else from ``<data_dir>/session_secret``
(made once, shared by every process using that data dir).
"""

from __future__ import annotations

import hmac
import os
from datetime import timedelta
from pathlib import Path

from quart import Quart, current_app, g, has_request_context, request, session
from werkzeug.exceptions import Forbidden

from fediserver.config import Settings
from fediserver.models import Account, WebSession
from fediserver.clock import utcnow
from fediserver.oauth.secrets import digest, new_secret
from media.rate_limit import client_key

SESSION_COOKIE_NAME = "fediserver_session"
SECRET_FILE_NAME = "session_secret"
CSRF_FIELD = "csrf_token"
STAMP_EVERY = timedelta(hours=1)


def session_secret(settings: Settings) -> str:
    """The configured secret, else the one in the data dir, made by the first process."""
    if settings.auth.session_secret:
        return settings.auth.session_secret
    path = settings.data_dir / SECRET_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f".{SECRET_FILE_NAME}.{os.getpid()}")
        scratch.write_text(new_secret() + new_secret(), encoding="ascii")
        scratch.chmod(0o600)
        try:
            os.link(scratch, path)  # fails if another process made it first: theirs wins
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    return Path(path).read_text(encoding="ascii").strip()


def install_sessions(app: Quart, settings: Settings) -> None:
    app.secret_key = session_secret(settings)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.instance.scheme == "https",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.auth.session_days),
    )
    app.config["SESSION_DAYS"] = settings.auth.session_days
    app.jinja_env.globals["csrf_token"] = csrf_token


async def signed_in_account() -> Account | None:
    if "web_account" in g:
        return g.web_account
    account = None
    sid = session.get("sid")
    if sid:
        row = await WebSession.get_or_none(token_digest=digest(sid)).select_related("account")
        now = utcnow()
        lifetime = timedelta(days=_session_days())
        if row is None or row.account.suspended or now - (row.last_seen_at or row.created_at) > lifetime:
            session.pop("sid", None)
        else:
            account = row.account
            if row.last_seen_at is None or now - row.last_seen_at >= STAMP_EVERY:
                await WebSession.filter(id=row.pk).update(last_seen_at=now)
    g.web_account = account
    return account


def current_viewer() -> Account | None:
    """The account ``signed_in_account`` found for this request (None outside a request or
    before it was asked), for code that shapes a page to its viewer without a database read."""
    return g.get("web_account") if has_request_context() else None


async def sign_in(account: Account) -> None:
    """Start a new session for ``account`` (a fresh id and CSRF token: nothing from before
    signing in carries over)."""
    await _forget_current_session()
    session.clear()
    sid = new_secret()
    await WebSession.create(
        account=account, token_digest=digest(sid), last_seen_at=utcnow(),
        user_agent=request.headers.get("User-Agent", "")[:512], address=client_key(request.remote_addr)[:64],
    )
    session["sid"] = sid
    session[CSRF_FIELD] = new_secret()
    session.permanent = True
    g.web_account = account


async def sign_out() -> None:
    await _forget_current_session()
    session.clear()
    g.web_account = None


async def _forget_current_session() -> None:
    sid = session.get("sid")
    if sid:
        await WebSession.filter(token_digest=digest(sid)).delete()


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = new_secret()
    return token


async def check_csrf() -> None:
    """Refuse (403) a form whose CSRF token is missing or not this browser's."""
    form = await request.form
    sent = form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(CSRF_FIELD) or ""
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "This form has expired or did not come from this site (its CSRF token is missing or wrong). "
            "Go back, reload the page and try again."
        )


def private_page(response):
    """Headers for pages that show a secret or ask for consent."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _session_days() -> int:
    return current_app.config.get("SESSION_DAYS", 30)

"""The authorization page: ``GET /oauth/authorize`` (and ``/oauth/authorize/``) checks the
request, asks the visitor to sign in if needed, then shows a consent page naming the app,
its website, the scopes and where it will return; ``POST`` (with the form's CSRF token)
answers it.

An unknown client or a redirect URI that is not exactly one the app registered gets an
error page here, never a redirect. Other problems (wrong response type, scopes beyond the
app's, an unsupported PKCE method) and a denial go back to the app as ``error=...``. For
``urn:ietf:wg:oauth:2.0:oob`` the code (or the error) is shown on a page instead.

``force_login=true`` signs the browser out first, so the app can add a second account.
The page sets no ``Cross-Origin-Opener-Policy``, so it works inside a sign-in popup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from quart import Blueprint, current_app, redirect, render_template, request

from fediserver.models import Account, OAuthApp
from fediserver.oauth.clients import OOB, app_for_client_id, with_query
from fediserver.oauth.codes import PKCE_METHODS, issue_code
from fediserver.oauth.scopes import DEFAULT_SCOPES, ScopeError, describe, parse_scopes, within
from fediserver.web.sessions import check_csrf, private_page, sign_out, signed_in_account

blueprint = Blueprint("oauth_authorize", __name__, template_folder="templates")

TRUE = frozenset({"1", "true", "yes", "on"})
_CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


@dataclass(frozen=True)
class AuthorizationRequest:
    app: OAuthApp
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None

    @property
    def out_of_band(self) -> bool:
        return self.redirect_uri == OOB


class Unanswerable(Exception):
    """Nothing can be sent back to the app (unknown client, unregistered redirect URI)."""


@dataclass
class Refused(Exception):
    """A refusal the app is told about through its redirect URI."""

    request: AuthorizationRequest
    error: str
    description: str


async def read_request(values: Mapping[str, str]) -> AuthorizationRequest:
    app = await app_for_client_id(values.get("client_id"))
    if app is None:
        raise Unanswerable("This app is not registered here (unknown client_id). Start again from the app.")
    registered = app.redirect_uri_list
    redirect_uri = values.get("redirect_uri") or (registered[0] if len(registered) == 1 else "")
    if redirect_uri not in registered:
        raise Unanswerable(
            "The app asked to return to an address it did not register (redirect_uri does not match). "
            "Nothing was authorised."
        )
    state = values.get("state") or None
    partial = AuthorizationRequest(app, redirect_uri, (), state, None)
    if values.get("response_type") != "code":
        raise Refused(partial, "unsupported_response_type", "response_type must be code")
    try:
        scopes = parse_scopes(values.get("scope"), default=DEFAULT_SCOPES)
    except ScopeError as error:
        raise Refused(partial, "invalid_scope", str(error)) from None
    if not within(scopes, app.scopes.split()):
        raise Refused(partial, "invalid_scope", "the requested scopes are not among the app's registered scopes")
    challenge = values.get("code_challenge") or None
    if challenge is not None:
        method = values.get("code_challenge_method") or "plain"
        if method not in PKCE_METHODS:
            raise Refused(partial, "invalid_request", f"code_challenge_method must be S256, not {method}")
        if not _CODE_CHALLENGE.match(challenge):
            raise Refused(partial, "invalid_request", "code_challenge must be 43 to 128 URL-safe characters")
    return AuthorizationRequest(app, redirect_uri, scopes, state, challenge)


@blueprint.get("/oauth/authorize")
@blueprint.get("/oauth/authorize/")
async def ask():
    try:
        wanted = await read_request(request.args)
    except Unanswerable as error:
        return await _error_page(str(error))
    except Refused as refusal:
        return await _send_back(refusal.request, error=refusal.error, description=refusal.description)
    if request.args.get("force_login", "").lower() in TRUE:
        await sign_out()
        return redirect(_sign_in_url(_this_request_without("force_login")), 303)
    account = await signed_in_account()
    if account is None:
        return redirect(_sign_in_url(_this_request_without()), 303)
    return await _consent_page(wanted, account)


@blueprint.post("/oauth/authorize")
@blueprint.post("/oauth/authorize/")
async def answer():
    await check_csrf()
    form = await request.form
    try:
        wanted = await read_request(form)
    except Unanswerable as error:
        return await _error_page(str(error))
    except Refused as refusal:
        return await _send_back(refusal.request, error=refusal.error, description=refusal.description)
    account = await signed_in_account()
    if account is None:
        return redirect(_sign_in_url("/oauth/authorize?" + urlencode(_request_fields(wanted))), 303)
    if form.get("decision") != "allow":
        return await _send_back(wanted, error="access_denied", description="The account owner denied the request.")
    code = await issue_code(
        wanted.app, account, redirect_uri=wanted.redirect_uri, scopes=wanted.scopes,
        code_challenge=wanted.code_challenge,
    )
    if wanted.out_of_band:
        return await _page("oauth/code.html", app=wanted.app, code=code)
    return _no_store(redirect(with_query(wanted.redirect_uri, {"code": code, "state": wanted.state}), 302))


def _request_fields(wanted: AuthorizationRequest) -> dict[str, str]:
    fields = {
        "response_type": "code",
        "client_id": wanted.app.client_id,
        "redirect_uri": wanted.redirect_uri,
        "scope": " ".join(wanted.scopes),
    }
    if wanted.state is not None:
        fields["state"] = wanted.state
    if wanted.code_challenge is not None:
        fields["code_challenge"] = wanted.code_challenge
        fields["code_challenge_method"] = "S256"
    return fields


async def _consent_page(wanted: AuthorizationRequest, account: Account):
    return await _page(
        "oauth/consent.html", app=wanted.app, account=account, fields=_request_fields(wanted),
        scopes=[(scope, describe(scope)) for scope in wanted.scopes], out_of_band=wanted.out_of_band,
        redirect_uri=wanted.redirect_uri,
    )


async def _send_back(wanted: AuthorizationRequest, *, error: str, description: str):
    if wanted.out_of_band:
        if error == "access_denied":
            return await _page("oauth/error.html", heading=f"You denied {wanted.app.name} access", message=description)
        return await _error_page(description)
    target = with_query(wanted.redirect_uri, {"error": error, "error_description": description, "state": wanted.state})
    return _no_store(redirect(target, 302))


async def _error_page(message: str, status: int = 400):
    return await _page("oauth/error.html", status=status, message=message)


async def _page(template: str, status: int = 200, **context):
    html = await render_template(template, **context)
    return private_page(current_app.response_class(html, status=status, content_type="text/html; charset=utf-8"))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _this_request_without(*names: str) -> str:
    kept = [(key, value) for key, value in request.args.items(multi=True) if key not in names]
    return request.path + ("?" + urlencode(kept) if kept else "")


def _sign_in_url(next_path: str) -> str:
    return "/auth/sign_in?" + urlencode({"next": next_path})

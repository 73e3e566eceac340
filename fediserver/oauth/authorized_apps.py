"""The signed-in artist's authorised apps: ``/settings/applications`` lists every app
holding a live token for the account (what it may do, since when, last used) and every
token made on the command line, each with a Revoke button (a CSRF-checked form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from quart import Blueprint, current_app, redirect, render_template, request

from fediserver.models import Account, ApiToken
from fediserver.oauth.tokens import revoke_app_for, revoke_token_of
from fediserver.refusals import record_id
from fediserver.web.sessions import check_csrf, private_page, signed_in_account

blueprint = Blueprint("oauth_authorized_apps", __name__, template_folder="templates")
PAGE = "/settings/applications"


@dataclass
class Grant:
    """One app (or one command-line token) and what the account let it do."""

    name: str
    website: str | None
    revoke_url: str
    scopes: list[str] = field(default_factory=list)
    since: datetime | None = None
    last_used: datetime | None = None


async def grants_of(account: Account) -> list[Grant]:
    grants: dict[str, Grant] = {}
    tokens = await ApiToken.filter(account=account, revoked_at=None).select_related("app").order_by("created_at")
    for token in tokens:
        if token.app is not None:
            key, name, website = f"app-{token.app_id}", token.app.name, token.app.website
            url = f"{PAGE}/apps/{token.app_id}/revoke"
        else:
            key, name, website = f"token-{token.pk}", f"Command-line token “{token.name}”", None
            url = f"{PAGE}/tokens/{token.pk}/revoke"
        grant = grants.setdefault(key, Grant(name, website, url, since=token.created_at))
        grant.scopes.extend(scope for scope in token.scopes.split() if scope not in grant.scopes)
        if token.last_used_at and (grant.last_used is None or token.last_used_at > grant.last_used):
            grant.last_used = token.last_used_at
    return list(grants.values())


def _to_sign_in():
    return redirect("/auth/sign_in?" + urlencode({"next": PAGE}), 303)


@blueprint.get(PAGE)
async def index():
    account = await signed_in_account()
    if account is None:
        return _to_sign_in()
    html = await render_template(
        "oauth/authorized_apps.html", account=account, grants=await grants_of(account),
        revoked=request.args.get("revoked") == "1",
    )
    return private_page(current_app.response_class(html, content_type="text/html; charset=utf-8"))


@blueprint.post(f"{PAGE}/apps/<app_id>/revoke")
async def revoke_app(app_id: str):
    return await _revoke(revoke_app_for, app_id)


@blueprint.post(f"{PAGE}/tokens/<token_id>/revoke")
async def revoke_token(token_id: str):
    return await _revoke(revoke_token_of, token_id)


async def _revoke(revoke, record: str):
    """Revoke what the signed-in account gave (never another account's) after the CSRF check."""
    await check_csrf()
    account = await signed_in_account()
    if account is None:
        return _to_sign_in()
    await revoke(account, record_id(record))
    return redirect(f"{PAGE}?revoked=1", 303)

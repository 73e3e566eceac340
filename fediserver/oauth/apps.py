"""App registration as Mastodon serves it: ``POST /api/v1/apps`` (JSON, form or multipart;
several redirect URIs as a list or separated by spaces or newlines) answering a
CredentialApplication, and ``GET /api/v1/apps/verify_credentials`` for any valid token,
an app's own included. Both carry the instance's ``vapid_key`` for Web Push."""

from __future__ import annotations

from quart import Blueprint, jsonify

from fediserver.api.auth import require_caller
from fediserver.api.errors import install_error_handlers
from fediserver.api.params import Params
from fediserver.models import OAuthApp
from fediserver.oauth.clients import RegistrationError, register_app, split_redirect_uris
from fediserver.oauth.scopes import ScopeError, parse_scopes
from fediserver.push.keys import vapid_public_key
from fediserver.refusals import unprocessable

blueprint = Blueprint("oauth_apps", __name__)
install_error_handlers(blueprint)


def application_json(app: OAuthApp) -> dict:
    """Mastodon's Application entity (what verify_credentials shows: no secret)."""
    uris = app.redirect_uri_list
    return {
        "id": str(app.pk),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
    }


@blueprint.post("/api/v1/apps")
async def create():
    params = await Params.read()
    try:
        scopes = parse_scopes(params.text("scopes"))
        redirect_uris = split_redirect_uris(params.texts("redirect_uris"))
        app, secret = await register_app(
            params.text("client_name", "") or "", redirect_uris, scopes, params.text("website") or None
        )
    except (RegistrationError, ScopeError) as error:
        raise unprocessable(str(error)) from None
    return jsonify({
        **application_json(app),
        "client_id": app.client_id,
        "client_secret": secret,
        "client_secret_expires_at": 0,
        "vapid_key": await vapid_public_key(),
    })


@blueprint.get("/api/v1/apps/verify_credentials")
async def verify_credentials():
    caller = await require_caller()
    if caller.app is None:
        # A token made on the command line belongs to no registered app.
        return jsonify({"name": caller.token.name or "fediserver token", "website": None,
                        "scopes": list(caller.scopes), "redirect_uri": "", "redirect_uris": [],
                        "vapid_key": await vapid_public_key()})
    return jsonify({**application_json(caller.app), "vapid_key": await vapid_public_key()})

"""``GET``/``POST /oauth/userinfo``: who the token's account is, as OpenID Connect claims
(Mastodon 4.4), for a token holding the ``profile`` scope. ``sub`` is the actor's URI."""

from __future__ import annotations

from quart import Blueprint, current_app, jsonify

from fediserver.api.auth import require_account
from fediserver.api.errors import install_error_handlers

blueprint = Blueprint("oauth_userinfo", __name__)
install_error_handlers(blueprint)


@blueprint.route("/oauth/userinfo", methods=["GET", "POST"])
async def userinfo():
    account = await require_account(scope="profile")
    claims = {
        "iss": current_app.config["URLS"].base_url + "/",
        "sub": account.uri,
        "name": account.display_name or account.username,
        "preferred_username": account.username,
        "profile": account.url,
        "website": account.url,
    }
    if account.avatar_url:
        claims["picture"] = account.avatar_url
    return jsonify(claims)

"""``/.well-known/oauth-authorization-server`` (RFC 8414): where a client finds the OAuth
endpoints and what they support. Mastodon.py reads its endpoints from here; Phanpy turns
PKCE on when ``S256`` is listed."""

from __future__ import annotations

from quart import Blueprint, current_app, jsonify

from fediserver.oauth.codes import PKCE_METHODS
from fediserver.oauth.scopes import ALL_SCOPES
from fediserver.oauth.token import GRANT_TYPES

blueprint = Blueprint("oauth_metadata", __name__)


@blueprint.get("/.well-known/oauth-authorization-server")
async def metadata():
    urls = current_app.config["URLS"]
    return jsonify({
        "issuer": urls.base_url + "/",
        "authorization_endpoint": urls.oauth_authorize,
        "token_endpoint": urls.oauth_token,
        "revocation_endpoint": urls.oauth_revoke,
        "userinfo_endpoint": urls.oauth_userinfo,
        "app_registration_endpoint": urls.app_registration,
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": list(PKCE_METHODS),
        "service_documentation": "https://docs.joinmastodon.org/",
    })

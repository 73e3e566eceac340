"""``POST /oauth/token`` and ``POST /oauth/revoke``, as Mastodon answers them.

Grants: ``authorization_code`` (with PKCE S256 when the authorization asked for it) and
``client_credentials`` (a token for the app itself). The client authenticates with its
id and secret in the body (``client_secret_post``) or in ``Authorization: Basic``
(``client_secret_basic``). Bodies may be JSON, a form or multipart. Refusals are RFC 6749
errors: ``invalid_client`` 401, ``invalid_grant`` / ``invalid_scope`` /
``invalid_request`` / ``unsupported_grant_type`` 400, and change nothing.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from quart import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from fediserver.api.params import Params
from fediserver.models import ApiToken, OAuthApp
from fediserver.oauth.clients import authenticate_client
from fediserver.oauth.codes import GrantError, redeem_code
from fediserver.oauth.scopes import DEFAULT_SCOPES, ScopeError, parse_scopes, within
from fediserver.oauth.tokens import issue_token, revoke, token_by_value
from fediserver.refusals import ApiError

blueprint = Blueprint("oauth_token", __name__)

GRANT_TYPES = ("authorization_code", "client_credentials")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@blueprint.errorhandler(GrantError)
async def _grant_error(error: GrantError):
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="OAuth", error="invalid_client"'
    return jsonify({"error": error.error, "error_description": error.description}), error.status, headers


@blueprint.errorhandler(HTTPException)
async def _http_error(error: HTTPException):
    return jsonify({"error": "invalid_request", "error_description": error.description or error.name}), error.code or 400


async def _params() -> Params:
    try:
        return await Params.read()
    except ApiError as error:
        raise GrantError("invalid_request", error.message) from None


def _client_credentials(params: Params) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() == "basic" and encoded.strip():
        try:
            client_id, separator, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise GrantError("invalid_client", "the Basic authorization header is malformed", 401) from None
        if not separator:
            raise GrantError("invalid_client", "the Basic authorization header is malformed", 401)
        return unquote_plus(client_id), unquote_plus(secret)
    return params.text("client_id"), params.text("client_secret")


async def _client(params: Params) -> OAuthApp:
    app = await authenticate_client(*_client_credentials(params))
    if app is None:
        raise GrantError(
            "invalid_client", "client authentication failed: unknown client or wrong client secret", 401
        )
    return app


def token_json(token: str, row: ApiToken) -> dict:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "scope": row.scopes,
        "created_at": int(row.created_at.timestamp()),
    }


@blueprint.post("/oauth/token")
async def token():
    params = await _params()
    grant_type = params.text("grant_type")
    if not grant_type:
        raise GrantError("invalid_request", "grant_type is required")
    if grant_type not in GRANT_TYPES:
        raise GrantError("unsupported_grant_type", f"grant_type must be one of: {', '.join(GRANT_TYPES)}")
    app = await _client(params)
    if grant_type == "authorization_code":
        issued, row = await redeem_code(
            app, params.text("code"), redirect_uri=params.text("redirect_uri"),
            code_verifier=params.text("code_verifier"),
        )
    else:
        try:
            scopes = parse_scopes(params.text("scope"), default=DEFAULT_SCOPES)
        except ScopeError as error:
            raise GrantError("invalid_scope", str(error)) from None
        if not within(scopes, app.scopes.split()):
            raise GrantError("invalid_scope", "the requested scopes are not among the app's registered scopes")
        issued, row = await issue_token(account=None, app=app, scopes=scopes)
    return jsonify(token_json(issued, row)), 200, NO_STORE


@blueprint.post("/oauth/revoke")
async def revoke_token():
    params = await _params()
    app = await _client(params)
    value = params.text("token")
    if not value:
        raise GrantError("invalid_request", "token is required")
    row = await token_by_value(value)
    if row is not None and row.revoked_at is None:
        if row.app_id != app.pk:
            raise GrantError("unauthorized_client", "You are not authorized to revoke this token", 403)
        await revoke(row)
    return jsonify({}), 200, NO_STORE

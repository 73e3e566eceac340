"""Who is calling the client API: bearer tokens, and the errors every endpoint answers with.

Clients send ``Authorization: Bearer <token>`` (a token from ``fediserver token create``).
Every refusal is Mastodon's shape, ``{"error": "..."}``, with the status a Mastodon client
expects: 401 for a missing or unknown token, 404 for what is not there (or not visible to
the caller), 422 for a request that cannot be carried out.
"""

from __future__ import annotations

from quart import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from fediserver.local_accounts import account_for_token
from fediserver.models import Account
from fediserver.services import Services, app_services
from media.intake import MediaRejected
from outbox.errors import ActionError


class ApiError(Exception):
    """A refusal with its HTTP status and a message for the person using the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_found(what: str = "Record") -> ApiError:
    return ApiError(404, f"{what} not found")


def unprocessable(message: str) -> ApiError:
    return ApiError(422, f"Validation failed: {message}")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def optional_account() -> Account | None:
    """The caller's account, None without a token; a token that is sent must be valid."""
    if "api_account" in g:
        return g.api_account
    token = bearer_token()
    account = None
    if token is not None:
        account = await account_for_token(token)
        if account is None:
            raise ApiError(401, "The access token is invalid")
    g.api_account = account
    return account


async def require_account() -> Account:
    account = await optional_account()
    if account is None:
        raise ApiError(401, "The access token is missing; send Authorization: Bearer <token>")
    return account


def install_error_handlers(blueprint: Blueprint) -> None:
    """Answer every refusal inside the API in Mastodon's error shape."""

    @blueprint.errorhandler(ApiError)
    async def _api_error(error: ApiError):
        return jsonify({"error": error.message}), error.status

    @blueprint.errorhandler(ActionError)
    async def _action_error(error: ActionError):
        return jsonify({"error": f"Validation failed: {error}"}), 422

    @blueprint.errorhandler(HTTPException)
    async def _http_error(error: HTTPException):
        return jsonify({"error": error.description or error.name}), error.code or 500

    @blueprint.errorhandler(MediaRejected)
    async def _media_rejected(error: MediaRejected):
        return jsonify({"error": f"Validation failed: {error.message}"}), 422


def services() -> Services:
    return app_services()

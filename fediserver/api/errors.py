"""The client API's refusals: ``ApiError`` and the handlers that answer every refusal in
Mastodon's shape, ``{"error": "..."}``, with the status a Mastodon client expects (401 for
a missing or unknown token, 403 for a token without the scope, 404 for what is not there
or not visible to the caller, 422 for a request that cannot be carried out)."""

from __future__ import annotations

from quart import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

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


def install_error_handlers(blueprint: Blueprint) -> None:
    """Answer every refusal inside ``blueprint`` in Mastodon's error shape."""

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

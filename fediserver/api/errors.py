"""The client API's refusals: ``ApiError`` and the handlers that answer every refusal in
Mastodon's shape, ``{"error": "..."}``, with the status a Mastodon client expects (401 for
a missing or unknown token, 403 for a token without the scope, 404 for what is not there
or not visible to the caller, 422 for a request that cannot be carried out). The refusals
themselves are ``fediserver.refusals``, raised by doors outside the API too."""

from __future__ import annotations

from quart import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from fediserver.refusals import ApiError
from media.intake import MediaRejected
from outbox.errors import ActionError


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

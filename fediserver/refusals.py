"""Refusals a person reads in her app: ``ApiError``, a message with the HTTP status that
carries it (404 for what is not there or not hers to see, 422 for a request that cannot be
carried out), and ``record_id``, an id from a request that names a record or is refused.

Doors outside the web layer raise them too (publishing a status, for the scheduled-status
job as for ``POST /api/v1/statuses``), so they live here, free of the web framework; the
client API answers them in Mastodon's shape (``fediserver.api.errors``)."""

from __future__ import annotations


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


MAX_RECORD_ID = 2**63 - 1


def record_id(value: str) -> int:
    """A path id; anything but a number (that a BIGINT column can hold) names no record."""
    if not value.isdigit() or int(value) > MAX_RECORD_ID:
        raise not_found()
    return int(value)

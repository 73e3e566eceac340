"""Serving media: ``GET/HEAD /media/<key>`` and ``/media/remote/<id>/<role>``.

A stored file is served only when an attachment names it as a derivative that may leave
the server (display, fallback, thumbnail; the original only with ``serve_originals``);
any other key is 404, so knowing a hash is not enough. Files are content-addressed and
sent with immutable cache headers and their hash as ETag. Remote attachments are served
from the cache (fetched again when evicted) or proxied, per ``remote_mode``; refused
ones are 404. The crawler guard, installed before these routes, refuses listed AI
crawlers, rate limits anonymous downloads and adds the do-not-train headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from quart import Blueprint, Response, request
from tortoise.expressions import Q

from fediserver.models import MediaAttachment
from media.links import REMOTE_ROLES
from media.remote import REFUSED, RemoteMedia, RemoteMediaUnavailable
from media.storage import MediaNotFound, immutable_cache_headers
from media.storing import mime_of_key

REMOTE_MAX_AGE = 86400


def media_blueprint(remote: RemoteMedia) -> Blueprint:
    pipeline = remote.pipeline
    store = pipeline.store
    blueprint = Blueprint("media", __name__)

    async def may_serve(key: str) -> bool:
        served = Q(display_key=key) | Q(display_fallback_key=key) | Q(thumbnail_key=key)
        if pipeline.rules.serve_originals:
            served |= Q(original_key=key, remote_url__isnull=True)
        not_refused = Q(remote_state__isnull=True) | ~Q(remote_state=REFUSED)
        return await MediaAttachment.filter(served & not_refused).exists()

    async def stream(key: str, headers: dict[str, str]) -> Response:
        if request.headers.get("If-None-Match") == headers.get("ETag"):
            return Response("", status=304, headers=headers)
        try:
            size = await store.size(key)
            chunks = await store.open(key) if request.method != "HEAD" else _nothing()
        except MediaNotFound:
            return _not_found()
        disposition = {"Content-Disposition": f'inline; filename="{key.rsplit("/", 1)[-1]}"'}
        response = Response(chunks, content_type=mime_of_key(key), headers={**headers, **disposition})
        response.content_length = size
        return response

    @blueprint.route("/media/<path:key>", methods=["GET", "HEAD"])
    async def serve(key: str) -> Response:
        try:
            headers = immutable_cache_headers(key)
        except ValueError:
            return _not_found()
        if not await may_serve(key):
            return _not_found()
        return await stream(key, headers)

    @blueprint.route("/media/remote/<int:attachment_id>/<role>", methods=["GET", "HEAD"])
    async def serve_remote(attachment_id: int, role: str) -> Response:
        attachment = await MediaAttachment.get_or_none(id=attachment_id, remote_url__isnull=False)
        if attachment is None or role not in REMOTE_ROLES:
            return _not_found()
        cache = {"Cache-Control": f"public, max-age={REMOTE_MAX_AGE}"}
        try:
            if pipeline.rules.remote_mode == "proxy":
                body, mime = await remote.proxied(attachment, role)
                return Response(body, content_type=mime, headers=cache)
            key = await remote.cached_key(attachment, role)
        except RemoteMediaUnavailable as reason:
            return Response(f"This remote file is not available: {reason}\n", status=404,
                            content_type="text/plain; charset=utf-8")
        return await stream(key, {**cache, "ETag": immutable_cache_headers(key)["ETag"]})

    return blueprint


async def _nothing() -> AsyncIterator[bytes]:
    """A HEAD answer's body: nothing, while Content-Length still tells the file's size."""
    return
    yield


def _not_found() -> Response:
    return Response("No such media file.\n", status=404, content_type="text/plain; charset=utf-8")

"""Uploads in the client API: ``POST /api/v2/media`` (and v1), reading and describing them.

The multipart ``file`` is handed to the media pipeline in chunks from the spooled
temporary file Quart parsed it into, never read whole into memory. Besides Mastodon's
``description`` and ``focus`` ("x,y", each -1..1), the form may carry ``pre_protected``
(our extension): the artist says the file is already protected (Glaze and the like) and
must be served exactly as uploaded. A refused upload answers 422 with the pipeline's reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from quart import Blueprint, jsonify, request

from fediserver.api.auth import require_account
from fediserver.api.context import services
from fediserver.api.params import Params
from fediserver.api.serializers import media_json
from fediserver.models import Account, MediaAttachment
from fediserver.refusals import not_found, record_id, unprocessable
from media.derivatives import FocalPoint
from media.labels import MediaLabels, without_label

blueprint = Blueprint("api_media", __name__)

CHUNK_BYTES = 256 * 1024
MAX_DESCRIPTION_LENGTH = 1_500


@blueprint.post("/api/v1/media")
@blueprint.post("/api/v2/media")
async def upload():
    account = await require_account(scope="write:media")

    files = await request.files
    upload = files.get("file")
    if upload is None:
        raise unprocessable("file is required (a multipart form field named file)")
    params = await Params.read()
    try:
        attachment = await services().media.accept_upload(
            account,
            _chunks(upload.stream),
            declared_type=upload.mimetype or None,
            filename=upload.filename or None,
            description=_description(params) or "",
            focal_point=_focus(params) or FocalPoint(),
            pre_protected=params.flag("pre_protected"),
        )
    finally:
        upload.close()
    return jsonify(_entity(attachment, account))


@blueprint.get("/api/v1/media/<media_id>")
async def show(media_id: str):
    account = await require_account(scope="write:media")
    attachment = await _own(account, media_id)
    return jsonify(_entity(attachment, account))


@blueprint.put("/api/v1/media/<media_id>")
async def update(media_id: str):
    account = await require_account(scope="write:media")
    attachment = await _own(account, media_id)
    if attachment.post_id is not None:
        raise unprocessable("this media is already attached to a post; edit the post instead")
    params = await Params.read()
    description = _description(params)
    if description is not None:
        # An app may send back the description it showed, the AI label in front included.
        attachment.description = without_label(description, _labels(account).verdict(attachment))
    focus = _focus(params)
    if focus is not None:
        attachment.focal_x, attachment.focal_y = focus.x, focus.y
    await attachment.save(update_fields=["description", "focal_x", "focal_y"])
    return jsonify(_entity(attachment, account))


def _labels(account: Account) -> MediaLabels:
    return MediaLabels(services().media_links.rules, account)


def _entity(attachment: MediaAttachment, account: Account) -> dict:
    return media_json(attachment, services().media_links, _labels(account).verdict(attachment))


async def _chunks(stream) -> AsyncIterator[bytes]:
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _description(params: Params) -> str | None:
    description = params.text("description")
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise unprocessable(f"description is {len(description)} characters; the limit is {MAX_DESCRIPTION_LENGTH}")
    return description


def _focus(params: Params) -> FocalPoint | None:
    value = params.text("focus")
    if value is None or not value.strip():
        return None
    try:
        x, y = (float(part) for part in value.split(","))
        return FocalPoint(x, y)
    except ValueError:
        raise unprocessable(f'focus must be "x,y" with each between -1 and 1, not {value!r}') from None


async def _own(account: Account, media_id: str) -> MediaAttachment:
    attachment = await MediaAttachment.get_or_none(id=record_id(media_id), account=account, remote_url=None)
    if attachment is None:
        raise not_found("Media")
    return attachment



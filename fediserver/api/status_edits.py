"""Editing statuses in the client API: ``PUT /api/v1/statuses/:id`` (text, content
warning, sensitivity, media and their descriptions, poll, language), and what an edit
leaves behind: ``/history`` (every version, oldest first) and ``/source`` (the text as
typed, for the edit form). The edit itself is ``outbox.statuses.edit_status``.

Only the author edits: another account that may see the post gets 403, one that may not
404. ``media_ids`` not sent keeps the attachments; sent, it replaces them (a JSON ``[]``
removes them all).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.params import Params
from fediserver.api.polls import poll_spec
from fediserver.api.serializers import account_json, iso, media_json, status_json
from fediserver.api.new_status import language_tag
from fediserver.models import Account, MediaAttachment, Post, PostEdit
from fediserver.models.post_edits import snapshot
from fediserver.posting import own_media
from fediserver.refusals import ApiError, unprocessable
from fediserver.visibility import visible_post
from outbox import statuses

blueprint = Blueprint("api_status_edits", __name__)


@blueprint.put("/api/v1/statuses/<status_id>")
async def edit(status_id: str):
    account = await require_account(scope="write:statuses")
    post = await _own_post(status_id, account)
    params = await Params.read()
    media = await _edited_media(account, post, params)
    descriptions = _descriptions(params)
    await statuses.edit_status(
        post,
        params.text("status", "") or "",
        spoiler_text=params.text("spoiler_text", "") or "",
        sensitive=params.flag("sensitive"),
        notes=services().notes,
        media=media,
        descriptions=descriptions,
        language=language_tag(params.text("language")),
        **await _poll_change(post, params),
    )
    return jsonify(await status_json(post, account, services().media_links))


@blueprint.get("/api/v1/statuses/<status_id>/source")
async def source(status_id: str):
    account = await require_account(scope="read:statuses")
    post = await _own_post(status_id, account)
    return jsonify({"id": str(post.pk), "text": post.source_text or "", "spoiler_text": post.summary})


@blueprint.get("/api/v1/statuses/<status_id>/history")
async def history(status_id: str):
    viewer = await optional_account(scope="read:statuses")
    post = await visible_post(status_id, viewer)
    if post.boost_of_id is not None:
        post = await visible_post(str(post.boost_of_id), viewer)
    versions = await PostEdit.filter(post_id=post.pk).order_by("id")
    if not versions:
        versions = [await snapshot(post)]
    return jsonify(await edits_json(post, versions))


async def edits_json(post: Post, versions: list[PostEdit]) -> list[dict[str, Any]]:
    """Mastodon's StatusEdit for each version; attachments with their descriptions then."""
    links = services().media_links
    author = await account_json(await Account.get(id=post.account_id))
    ids = {m["id"] for version in versions for m in version.media if isinstance(m, dict) and "id" in m}
    attachments = {a.pk: a for a in await MediaAttachment.filter(id__in=ids)} if ids else {}
    documents = []
    for version in versions:
        media = []
        for entry in version.media:
            attachment = attachments.get(entry.get("id"))
            if attachment is None:
                continue
            rendered = media_json(attachment, links)
            rendered["description"] = entry.get("description") or None
            media.append(rendered)
        documents.append({
            "content": version.content,
            "spoiler_text": version.summary,
            "sensitive": version.sensitive,
            "created_at": iso(version.created_at),
            "account": author,
            "poll": {"options": [{"title": title} for title in version.poll_options]}
            if version.poll_options is not None else None,
            "media_attachments": media,
            "emojis": [],
        })
    return documents


async def _own_post(status_id: str, account: Account) -> Post:
    post = await visible_post(status_id, account)
    if post.account_id != account.pk:
        raise ApiError(403, "This action is not allowed: only the author can edit a post")
    if post.boost_of_id is not None:
        raise unprocessable("this is a boost; it has no text to edit")
    return post


async def _edited_media(account: Account, post: Post, params: Params) -> list[MediaAttachment] | None:
    described = [str(entry.get("id", "")) for entry in params.mappings("media_attributes")]
    if not params.given("media_ids") and not described:
        return None
    wanted = params.texts("media_ids") or described
    return await own_media(account, wanted, post)


def _descriptions(params: Params) -> dict[int, str]:
    descriptions: dict[int, str] = {}
    for entry in params.mappings("media_attributes"):
        media_id = str(entry.get("id", ""))
        if not media_id.isdigit():
            raise unprocessable(f"media_attributes: {media_id!r} is not a media id")
        if entry.get("description") is not None:
            descriptions[int(media_id)] = str(entry["description"])
    return descriptions


async def _poll_change(post: Post, params: Params) -> dict[str, Any]:
    """A poll sent with the edit replaces the post's poll; none sent keeps it."""
    spec = poll_spec(params)
    return {"poll": spec} if spec is not None else {}

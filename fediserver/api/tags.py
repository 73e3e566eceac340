"""Hashtags in the client API: a tag's entity, following and unfollowing it (its posts
then come into the home timeline), and the list of followed tags. The tag's timeline is
in ``fediserver.api.timelines``."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.hashtags import tag_name
from fediserver.models import Account, FollowedTag
from fediserver.refusals import not_found

blueprint = Blueprint("api_tags", __name__)


def tag_json(name: str, following: bool | None) -> dict:
    """Mastodon's Tag; ``following`` is left out for an anonymous reader."""
    document = {"name": name, "url": f"{services().urls.base_url}/tags/{quote(name)}", "history": []}
    if following is not None:
        document["following"] = following
    return document


@blueprint.get("/api/v1/followed_tags")
async def followed_tags():
    account = await require_account(scope="read:follows")
    rows = await Page.from_request().rows(FollowedTag.filter(account=account))
    return jsonify([tag_json(row.name, True) for row in rows]), 200, link_header(rows)


@blueprint.get("/api/v1/tags/<name>")
async def show(name: str):
    viewer = await optional_account(scope="read")
    tag = _tag(name)
    return jsonify(tag_json(tag, await _follows(viewer, tag) if viewer else None))


@blueprint.post("/api/v1/tags/<name>/follow")
async def follow(name: str):
    account = await require_account(scope="write:follows")
    tag = _tag(name)
    await FollowedTag.get_or_create(account=account, name=tag)
    return jsonify(tag_json(tag, True))


@blueprint.post("/api/v1/tags/<name>/unfollow")
async def unfollow(name: str):
    account = await require_account(scope="write:follows")
    tag = _tag(name)
    await FollowedTag.filter(account=account, name=tag).delete()
    return jsonify(tag_json(tag, False))


def _tag(given: str) -> str:
    name = tag_name(given)
    if name is None:
        raise not_found("Tag")
    return name


async def _follows(account: Account, name: str) -> bool:
    return await FollowedTag.exists(account=account, name=name)

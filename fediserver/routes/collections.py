"""An artist's collections and posts as ActivityPub: outbox, followers, following,
featured, the hashtags she features (``featuredTags``, as Mastodon lists them), each post
at ``/users/<name>/statuses/<id>``, and the artist's authorizations of quotes of her posts
at ``/users/<name>/quote_authorizations/<id of the quoting post>``.

Posts are shown as ``fediserver.visibility`` decides for the reader: the stored actor
that signed the GET, or anyone anonymous. So an unsigned GET lists public and unlisted
posts, a follower's signed GET also followers-only ones, an addressee's the direct posts
naming them; any other post's URL answers 404. A deleted post answers 410 with its
Tombstone to whoever may read it. Followers and following list accepted follows only.
With ``federation.authorized_fetch`` on, every route here needs a signed GET.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from fediserver.collections import BadCursor, collection, collection_page
from fediserver.models import Account, FeaturedTag, Follow, Post, QuoteState
from fediserver.routes.actors import local_artist
from fediserver.routes.negotiation import (
    activity_json,
    json_error,
    signature_refusal,
    signed_reader,
    wants_activity_json,
)
from fediserver.services import app_services
from fediserver.visibility import may_read, visible_posts
from outbox.objects import OBJECT_CONTEXT, NoteRenderer, iso, tombstone
from outbox.quotes import authorization_uri, quote_authorization
from outbox.text import tag_path

blueprint = Blueprint("collections", __name__)

def _notes() -> NoteRenderer:
    return app_services().notes


def create_activity(note: dict[str, Any], post: Post, author: Account) -> dict[str, Any]:
    """The Create that published a local post, as the outbox lists it."""
    return {
        "id": f"{post.uri}/activity",
        "type": "Create",
        "actor": author.uri,
        "published": iso(post.published_at),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


async def _artist_or_refusal(username: str) -> tuple[Account | None, Response | None]:
    refusal = await signature_refusal()
    if refusal is not None:
        return None, refusal
    account = await local_artist(username)
    if account is None:
        return None, json_error(404, "no such account", username)
    return account, None


async def _paged(queryset, url: str, render, context: Any = "https://www.w3.org/ns/activitystreams") -> Response:
    if request.args.get("page") is None:
        return activity_json(collection(url, await queryset.count(), context))
    try:
        return activity_json(await collection_page(queryset, url, request.args, render, context))
    except BadCursor as error:
        return json_error(400, "bad cursor", str(error))


async def _shown_posts(account: Account):
    """The artist's own posts (not boosts) that this GET's reader may see."""
    return visible_posts(await signed_reader()).filter(account=account, local=True, boost_of_id__isnull=True)


@blueprint.get("/users/<username>/outbox")
async def outbox(username: str):
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal

    async def render(posts: list[Post]) -> list[dict[str, Any]]:
        notes = await _notes().notes(posts, account)
        return [create_activity(note, post, account) for note, post in zip(notes, posts, strict=True)]

    return await _paged(await _shown_posts(account), account.outbox_url, render, OBJECT_CONTEXT)


@blueprint.get("/users/<username>/followers")
async def followers(username: str):
    return await _follow_collection(username, "target", "follower", "followers_url")


@blueprint.get("/users/<username>/following")
async def following(username: str):
    return await _follow_collection(username, "follower", "target", "following_url")


async def _follow_collection(username: str, artist_side: str, listed_side: str, url_field: str):
    """Accepted follows of the artist (on ``artist_side``), listing the other side's actor ids."""
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal

    async def render(follows: list[Follow]) -> list[str]:
        ids = [getattr(follow, f"{listed_side}_id") for follow in follows]
        uris = dict(await Account.filter(id__in=ids).values_list("id", "uri"))
        return [uris[i] for i in ids if i in uris]

    queryset = Follow.accepted().filter(**{artist_side: account})
    return await _paged(queryset, getattr(account, url_field), render)


@blueprint.get("/users/<username>/collections/featured")
async def featured(username: str):
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal
    pinned = await (await _shown_posts(account)).filter(pinned_at__isnull=False).order_by("-pinned_at")
    notes = await _notes().notes(pinned, account)
    return activity_json({
        "@context": OBJECT_CONTEXT,
        "id": account.featured_url,
        "type": "OrderedCollection",
        "totalItems": len(notes),
        "orderedItems": notes,
    })


@blueprint.get("/users/<username>/collections/tags")
async def featured_tags(username: str):
    """The hashtags the artist features on her profile, as ``Hashtag`` objects."""
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal
    urls = app_services().urls
    names = await FeaturedTag.filter(account=account).order_by("id").values_list("name", flat=True)
    return activity_json({
        "@context": ["https://www.w3.org/ns/activitystreams", {"Hashtag": "as:Hashtag"}],
        "id": urls.featured_tags(account.username),
        "type": "Collection",
        "totalItems": len(names),
        "items": [{"type": "Hashtag", "href": urls.base_url + tag_path(name), "name": f"#{name}"} for name in names],
    })


@blueprint.get("/users/<username>/statuses/<int:post_id>")
async def status(username: str, post_id: int):
    if not wants_activity_json(request.headers.get("Accept")):
        # Browsers read the post on its page, the URL every server links to.
        response = redirect(f"/@{quote(username)}/{post_id}", 302)
        response.headers["Vary"] = "Accept"
        return response
    return await status_json(username, post_id)


async def status_json(username: str, post_id: int) -> Response:
    """The Note of a local post as ActivityPub JSON (a Tombstone with 410 once deleted)."""
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal
    post = await Post.get_or_none(id=post_id, account=account, local=True) if post_id < 2**63 else None
    if post is None or not await may_read(post, await signed_reader()):
        return json_error(404, "no such post")
    if post.deleted_at is not None:
        return activity_json({"@context": "https://www.w3.org/ns/activitystreams", **tombstone(post)}, status=410)
    return activity_json(await _notes().note(post, account))


@blueprint.get("/users/<username>/quote_authorizations/<int:post_id>")
async def quote_authorization_document(username: str, post_id: int):
    """The artist's authorization of a quote of one of her posts (FEP-044f), for anyone
    checking that quote; 404 once it is no longer given."""
    account, refusal = await _artist_or_refusal(username)
    if refusal is not None:
        return refusal
    quoting = await Post.get_or_none(id=post_id, quote_state=QuoteState.ACCEPTED, deleted_at=None) \
        if post_id < 2**63 else None
    quoted = await Post.get_or_none(id=quoting.quote_of_id, account=account, deleted_at=None) \
        if quoting is not None and quoting.quote_of_id else None
    if quoted is None or quoting.quote_authorization_uri != authorization_uri(account, quoting):
        return json_error(404, "no such quote authorization")
    return activity_json(quote_authorization(account, quoted, quoting))

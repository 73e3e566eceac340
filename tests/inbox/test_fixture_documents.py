"""Every document other servers sent (tests/fixtures/activitypub) through the inbound job.

Each one is stored as the inbox stores it and processed in a world prepared the way it
would be on a receiving server: the sender known, the posts and accounts it refers to
known (ours where it addresses us). Nothing may crash or stay pending; what we support
must leave its row in the database, everything else is ignored or refused with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from federation.vocab import ACTIVITY_TYPES
from fediserver.models import (
    Account, Block, Delivery, Favourite, Follow, FollowState, InboundState, Post, Reaction, Report,
)
from fediserver.clock import utcnow
from tests.inbox.support import deliver

FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"
DOCUMENTS = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.json"))


def _ref(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value.startswith("http") else None


async def _account(uri: str, *, local: bool = False) -> Account:
    existing = await Account.get_or_none(uri=uri)
    if existing is not None:
        return existing
    parts = urlsplit(uri)
    name = f"{parts.path.rstrip('/').rsplit('/', 1)[-1] or 'x'}-{await Account.all().count()}"
    return await Account.create(
        username=name, domain="" if local else parts.netloc, uri=uri, inbox_url=f"{uri}/inbox",
        followers_url=f"{uri}/followers", featured_url=f"{uri}/collections/featured",
    )


async def _post(uri: str, author: Account) -> Post:
    existing = await Post.get_or_none(uri=uri)
    return existing or await Post.create(uri=uri, account=author, content="<p>seen before</p>", published_at=utcnow())


async def prepare_world(doc: dict[str, Any]) -> None:
    """What a receiving server would already hold when ``doc`` arrives."""
    actor_uri = _ref(doc.get("actor"))
    if actor_uri is None:
        return
    sender = await _account(actor_uri)
    ours = await _account("https://art.example/users/ada", local=True)
    kind, obj, object_id = doc.get("type"), doc.get("object"), _ref(doc.get("object"))
    if object_id is None:
        return
    inner = obj if isinstance(obj, dict) else {}
    if kind in ("Follow", "Block"):
        await _account(object_id, local=True)
    elif kind in ("Like", "EmojiReact", "Dislike"):
        await _post(object_id, ours)
    elif kind == "Announce" and not inner:
        await _post(object_id, ours)
    elif kind in ("Update", "Delete", "Add", "Remove") and object_id != actor_uri:
        await _post(object_id, sender)
    elif kind in ("Accept", "Reject") and inner.get("type") == "Follow":
        follower = await _account(_ref(inner.get("actor")), local=True)
        await Follow.create(follower=follower, target=sender, uri=object_id)
    elif kind == "Undo" and inner:
        await _seed_undone(inner, sender, ours)
    elif kind == "Undo":
        await Favourite.create(account=sender, post=await _post(f"{actor_uri}/statuses/1", ours), uri=object_id)
    elif kind == "Flag":
        for uri in doc["object"] if isinstance(doc["object"], list) else [doc["object"]]:
            await _account(uri, local=True) if "/users/" in uri or "/u/" in uri else await _post(uri, ours)
    elif kind == "Move":
        await _account(doc["target"])
        await Account.filter(uri=doc["target"]).update(also_known_as=[actor_uri])
        await Follow.create(follower=ours, target=sender, state=FollowState.ACCEPTED)


async def _seed_undone(inner: dict[str, Any], sender: Account, ours: Account) -> None:
    kind, target_uri = inner.get("type"), _ref(inner.get("object"))
    undone_id = inner.get("id")
    if kind == "Follow" and target_uri:
        await Follow.create(follower=sender, target=await _account(target_uri, local=True), uri=undone_id)
    elif kind == "Like" and target_uri:
        await Favourite.create(account=sender, post=await _post(target_uri, ours), uri=undone_id)
    elif kind == "Announce" and target_uri:
        original = await _post(target_uri, ours)
        await Post.create(uri=undone_id, account=sender, boost_of=original, published_at=utcnow())
    elif kind == "Block" and target_uri:
        await Block.create(account=sender, target=await _account(target_uri, local=True), uri=undone_id)


async def _created_post(doc):
    return await Post.exists(uri=_ref(doc["object"]), deleted_at=None)


async def _boost(doc):
    return await Post.exists(uri=doc["id"], boost_of_id__isnull=False)


async def _deleted_post(doc):
    return await Post.exists(uri=_ref(doc["object"]), deleted_at__isnull=False)


async def _edited_post(doc):
    return await Post.exists(uri=_ref(doc["object"]), edited_at__isnull=False)


async def _undone(doc):
    uri = _ref(doc["object"])
    return not any([
        await Follow.exists(uri=uri), await Favourite.exists(uri=uri),
        await Post.exists(uri=uri), await Block.exists(uri=uri),
    ])


async def _follow_accepted_and_answered(doc):
    return await Follow.exists(uri=doc["id"], state=FollowState.ACCEPTED) and await Delivery.exists(
        inbox_url=f"{doc['actor'] if isinstance(doc['actor'], str) else doc['actor']['id']}/inbox")


# What each supported document leaves in the database.
EXPECTED_ROWS = {
    "Create": _created_post,
    "Announce": _boost,
    "Follow": _follow_accepted_and_answered,
    "Like": lambda doc: Favourite.exists(uri=doc["id"]) if "_misskey_reaction" not in doc else Reaction.exists(uri=doc["id"]),
    "EmojiReact": lambda doc: Reaction.exists(uri=doc["id"], emoji=doc["content"]),
    "Block": lambda doc: Block.exists(uri=doc["id"]),
    "Flag": lambda doc: Report.exists(uri=doc["id"]),
    "Undo": _undone,
    "Accept": lambda doc: Follow.exists(uri=_ref(doc["object"]), state=FollowState.ACCEPTED),
    "Reject": lambda doc: Follow.exists(uri=_ref(doc["object"]), state=FollowState.REJECTED),
    "Move": lambda doc: Follow.exists(target__uri=doc["target"], follower__uri="https://art.example/users/ada"),
    "Add": lambda doc: Post.exists(uri=_ref(doc["object"]), pinned_at__isnull=False),
}


async def _update_applied(doc):
    if _ref(doc["object"]) == _ref(doc["actor"]):
        return await Account.exists(uri=_ref(doc["actor"]), fetched_at__isnull=False)
    return await _edited_post(doc)


async def _delete_applied(doc):
    if _ref(doc["object"]) == _ref(doc["actor"]):
        return await Account.exists(uri=_ref(doc["actor"]), suspended=True)
    return await _deleted_post(doc)


EXPECTED_ROWS["Update"] = _update_applied
EXPECTED_ROWS["Delete"] = _delete_applied


# Documents whose effect we support: each must be applied, not merely survive.
APPLIED = {
    "friendica/create-note.json",
    "friendica/delete-tombstone.json",
    "friendica/update-note.json",
    "funkwhale/create-audio.json",
    "gnusocial/create-note.json",
    "gotosocial/announce-self-boost-followers-only.json",
    "gotosocial/create-note.json",
    "gotosocial/delete-public-status.json",
    "gotosocial/flag-report.json",
    "gotosocial/move.json",
    "hubzilla/create-image.json",
    "kroeg/create-note-non-array-hashtag.json",
    "lemmy/accept-follow.json",
    "lemmy/block-user.json",
    "lemmy/create-comment.json",
    "lemmy/create-page.json",
    "lemmy/delete-page.json",
    "lemmy/flag-report-page.json",
    "lemmy/follow.json",
    "lemmy/like-note.json",
    "lemmy/undo-like-note.json",
    "lemmy/update-page.json",
    "lotide/create-page-image.json",
    "mastodon/accept-follow.json",
    "mastodon/announce-private-inline-note.json",
    "mastodon/announce.json",
    "mastodon/block.json",
    "mastodon/create-note-contentmap.json",
    "mastodon/create-note-hashtag.json",
    "mastodon/create-note-image-signed.json",
    "mastodon/create-note-mastodon-madrid.json",
    "mastodon/create-note-mention.json",
    "mastodon/create-note-sensitive-cw.json",
    "mastodon/create-note-with-attachment.json",
    "mastodon/create-question-poll.json",
    "mastodon/delete-actor.json",
    "mastodon/delete-note-mastodon-madrid.json",
    "mastodon/delete-note-tombstone.json",
    "mastodon/flag-report.json",
    "mastodon/follow.json",
    "mastodon/like.json",
    "mastodon/reject-follow.json",
    "mastodon/undo-announce.json",
    "mastodon/undo-block.json",
    "mastodon/undo-follow.json",
    "mastodon/undo-like-compact-object.json",
    "mastodon/undo-like.json",
    "mastodon/update-note-edit.json",
    "mastodon/update-person.json",
    "mbin/flag.json",
    "misskey/create-note.json",
    "misskey/like-custom-emoji-reaction.json",
    "mitra/create-note.json",
    "peertube/announce-video.json",
    "peertube/create-video.json",
    "pixelfed/announce.json",
    "pixelfed/create-note-image-alt-blurhash.json",
    "pixelfed/create-note-reply-single-tag.json",
    "pleroma/create-note-2018-attachments.json",
    "pleroma/create-note-greenish-red.json",
    "pleroma/create-reply-to-misskey-thread.json",
    "pleroma/delete-greenish-red.json",
    "pleroma/emoji-react-adapted.json",
    "smithereen/create-note.json",
    "streams/create-note-roadhouse.json",
    "streams/follow-osada-inline-actor.json",
    "wordpress-pterotype/create-article.json",
}


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_every_received_document_is_processed_without_crashing(db, name):
    doc = json.loads((FIXTURES / name).read_text())
    await prepare_world(doc)
    item = await deliver(doc)

    assert item.state != InboundState.PENDING
    assert item.payload == doc  # kept as received
    assert (item.state == InboundState.DONE) == (name in APPLIED), f"{name}: {item.state} {item.last_error}"
    if item.state == InboundState.DONE:
        assert doc["type"] in EXPECTED_ROWS, f"{name} was applied but no row is expected"
        assert await EXPECTED_ROWS[doc["type"]](doc), f"{name}: done but its row is missing"
    else:
        assert item.last_error, f"{name} ended {item.state} without a reason"
    if doc["type"] not in ACTIVITY_TYPES:
        assert item.state == InboundState.IGNORED

"""Two-way federation with an independent Fedify peer: likes, boosts, edits, deletes, undos.

Same set-up as test_federation_both_ways.py: our instance served by a real Hypercorn with
its jobs running, on SQLite and PostgreSQL, alice and the peer's bob following each
other, signatures verified on both sides.
"""

from __future__ import annotations

import pytest

from fediserver.models import Favourite, Notification, NotificationKind, Post, PostEdit
from outbox import relations, statuses
from tests.interop.harness import FedifyPeer
from tests.interop.served_instance import ServedInstance
from tests.interop.two_way import (
    alice,
    alice_follows,
    alice_posts,
    arrived_post,
    assert_no_refusals,
    eventually,
    live_instance,  # noqa: F401  (fixture)
    peer,  # noqa: F401  (fixture)
    peer_follows_alice,
    peer_receives,
)

pytestmark = pytest.mark.interop


async def _posts_both_ways(instance: ServedInstance, peer: FedifyPeer) -> tuple[Post, Post]:
    """alice and bob follow each other and each posts once: (alice's post, bob's as stored here)."""
    await peer_follows_alice(instance, peer)
    await alice_follows(instance, peer)
    ours = await alice_posts(instance, "Ink on paper, 30 x 40 cm")
    await peer_receives(peer, "Create", lambda a: a["object"] == ours.uri)
    sent = await peer.control.post("bob", "<p>Watercolour, first layer</p>")
    return ours, await arrived_post(sent["note_id"])


async def test_likes_and_their_undos_both_ways(live_instance, peer):
    me = await alice()
    ours, theirs = await _posts_both_ways(live_instance, peer)

    like = await peer.control.like("bob", ours.uri)
    favourite = await eventually(lambda: Favourite.get_or_none(uri=like["like_id"]), "bob's like stored")
    assert favourite.post_id == ours.pk
    assert await Notification.exists(account=me, kind=NotificationKind.FAVOURITE, post=ours)
    await peer.control.undo("bob", like["like_id"])

    async def unliked():
        return not await Favourite.exists(post=ours)

    await eventually(unliked, "bob's like taken back here")

    ours_like = await relations.favourite(me, theirs)
    received = await peer_receives(peer, "Like", actor=me.uri)
    assert (received["id"], received["object"]) == (ours_like.uri, theirs.uri)
    await relations.unfavourite(me, theirs)
    undo = await peer_receives(peer, "Undo", lambda a: a["object"] == ours_like.uri, actor=me.uri)
    assert undo["activity"]["object"]["type"] == "Like"
    await assert_no_refusals(peer)


async def test_boosts_and_their_undos_both_ways(live_instance, peer):
    me = await alice()
    ours, theirs = await _posts_both_ways(live_instance, peer)

    announce = await peer.control.announce("bob", ours.uri)
    boost = await eventually(lambda: Post.get_or_none(uri=announce["announce_id"]), "bob's boost stored")
    assert boost.boost_of_id == ours.pk
    assert await Notification.exists(account=me, kind=NotificationKind.REBLOG, post=ours)
    await peer.control.undo("bob", announce["announce_id"])

    async def unboosted():
        return not await Post.exists(boost_of=ours)

    await eventually(unboosted, "bob's boost taken back here")

    our_boost = await relations.reblog(me, theirs)
    received = await peer_receives(peer, "Announce", actor=me.uri)
    assert (received["id"], received["object"]) == (our_boost.uri, theirs.uri)
    await relations.unreblog(me, theirs)
    undo = await peer_receives(peer, "Undo", lambda a: a["object"] == our_boost.uri, actor=me.uri)
    assert undo["activity"]["object"]["type"] == "Announce"
    await assert_no_refusals(peer)


async def test_edits_both_ways(live_instance, peer):
    ours, theirs = await _posts_both_ways(live_instance, peer)

    await peer.control.update("bob", theirs.uri, "<p>Watercolour, second layer</p>")

    async def edited():
        post = await Post.get(pk=theirs.pk)
        return post if "second layer" in post.content else None

    edited_post = await eventually(edited, "bob's edit applied here")
    assert edited_post.edited_at is not None
    history = await PostEdit.filter(post=edited_post).order_by("id").values_list("content", flat=True)
    assert ["first layer" in version for version in history] == [True, False]

    await statuses.edit_status(ours, "Ink on paper, 30 x 40 cm, now framed", notes=live_instance.services.notes)
    update = await peer_receives(peer, "Update", lambda a: a["object"] == ours.uri)
    assert "now framed" in update["activity"]["object"]["content"]
    assert update["activity"]["object"]["updated"]
    await assert_no_refusals(peer)


async def test_deletes_both_ways(live_instance, peer):
    ours, theirs = await _posts_both_ways(live_instance, peer)

    await peer.control.delete("bob", theirs.uri)

    async def tombstoned():
        post = await Post.get(pk=theirs.pk)
        return post if post.deleted_at is not None else None

    gone = await eventually(tombstoned, "bob's post tombstoned here")
    assert (gone.object_type, gone.content) == ("Tombstone", "")

    await statuses.delete_status(ours)
    delete = await peer_receives(peer, "Delete", lambda a: a["object"] == ours.uri)
    assert delete["actor"] == (await alice()).uri
    await assert_no_refusals(peer)

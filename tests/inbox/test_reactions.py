"""Favourites, emoji reactions and boosts of posts, and taking them back."""

from __future__ import annotations

from fediserver.clock import utcnow
from fediserver.models import Favourite, InboundState, Notification, Post, Reaction
from tests.inbox.support import PUBLIC, deliver, our_account, remote_actor

BOB = "https://social.example/users/bob"
MISSKEY = "https://misskey.example/users/9abc"


async def ada_with_a_post():
    ada = await our_account("ada")
    post = await Post.create(uri=f"{ada.uri}/statuses/1", account=ada, local=True, content="<p>heron</p>",
                             published_at=utcnow())
    return ada, post


async def test_a_like_is_a_favourite_and_a_notification(db):
    ada, post = await ada_with_a_post()
    bob = await remote_actor(BOB)
    item = await deliver({"id": f"{BOB}#likes/1", "type": "Like", "actor": BOB, "object": post.uri})
    assert item.state == InboundState.DONE
    assert await Favourite.filter(account=bob, post=post, uri=f"{BOB}#likes/1").exists()
    assert await Notification.filter(account=ada, from_account=bob, kind="favourite", post=post).count() == 1


async def test_a_misskey_like_with_a_reaction_is_an_emoji_reaction(db):
    ada, post = await ada_with_a_post()
    await remote_actor(MISSKEY)
    await deliver({"id": "https://misskey.example/likes/1", "type": "Like", "actor": MISSKEY, "object": post.uri,
                   "content": ":blobcat:", "_misskey_reaction": ":blobcat:",
                   "tag": [{"type": "Emoji", "name": ":blobcat:", "icon": {"type": "Image", "url": "https://misskey.example/e.png"}}]})
    reaction = await Reaction.get(post=post)
    assert reaction.emoji == ":blobcat:" and not await Favourite.exists()
    assert await Notification.filter(account=ada, kind="reaction").exists()


async def test_an_emoji_react_and_its_undo(db):
    _, post = await ada_with_a_post()
    await remote_actor(BOB)
    react = {"id": f"{BOB}#reactions/1", "type": "EmojiReact", "actor": BOB, "object": post.uri, "content": "👌"}
    await deliver(react)
    assert await Reaction.filter(post=post, emoji="👌").exists()
    await deliver({"id": f"{BOB}#reactions/1/undo", "type": "Undo", "actor": BOB, "object": react})
    assert not await Reaction.exists()


async def test_a_like_of_an_unknown_post_is_ignored(db):
    await remote_actor(BOB)
    item = await deliver({"id": f"{BOB}#likes/2", "type": "Like", "actor": BOB, "object": "https://x.example/1"})
    assert item.state == InboundState.IGNORED and "not known here" in item.last_error


async def test_undo_like_with_only_the_like_id(db):
    _, post = await ada_with_a_post()
    await remote_actor(BOB)
    await deliver({"id": f"{BOB}#likes/1", "type": "Like", "actor": BOB, "object": post.uri})
    await deliver({"id": f"{BOB}#likes/1/undo", "type": "Undo", "actor": BOB, "object": f"{BOB}#likes/1"})
    assert not await Favourite.exists()


async def test_nobody_can_undo_someone_elses_like(db):
    _, post = await ada_with_a_post()
    await remote_actor(BOB)
    await remote_actor("https://social.example/users/mallory")
    like = {"id": f"{BOB}#likes/1", "type": "Like", "actor": BOB, "object": post.uri}
    await deliver(like)
    mallory = "https://social.example/users/mallory"
    embedded = await deliver({"id": f"{mallory}#u/1", "type": "Undo", "actor": mallory, "object": like})
    by_id = await deliver({"id": f"{mallory}#u/2", "type": "Undo", "actor": mallory, "object": like["id"]})
    assert embedded.state == InboundState.FAILED and embedded.last_error.startswith("forged:")
    assert by_id.state == InboundState.IGNORED
    assert await Favourite.exists()


async def test_a_boost_of_a_known_post_and_its_undo(db):
    ada, post = await ada_with_a_post()
    bob = await remote_actor(BOB)
    announce = {"id": f"{BOB}/statuses/5/activity", "type": "Announce", "actor": BOB, "object": post.uri,
                "to": [PUBLIC], "cc": [ada.uri, f"{BOB}/followers"], "published": "2026-11-20T10:00:00Z"}
    await deliver(announce)
    boost = await Post.get(uri=announce["id"])
    assert boost.boost_of_id == post.id and boost.account_id == bob.id
    assert await Notification.filter(account=ada, kind="reblog", post=post).exists()

    await deliver({"id": f"{announce['id']}/undo", "type": "Undo", "actor": BOB, "object": announce})
    assert not await Post.filter(uri=announce["id"]).exists() and await Post.filter(id=post.id).exists()


async def test_a_self_boost_with_the_post_embedded_stores_both(db):
    # Mastodon embeds the post when someone boosts their own followers-only post.
    bob = await remote_actor(BOB)
    note = {"id": f"{BOB}/statuses/3", "type": "Note", "attributedTo": BOB, "content": "<p>mine</p>",
            "to": [f"{BOB}/followers"]}
    await deliver({"id": f"{BOB}/statuses/3/activity", "type": "Announce", "actor": BOB, "object": note,
                   "to": [f"{BOB}/followers"]})
    original = await Post.get(uri=note["id"])
    assert original.account_id == bob.id and original.visibility == "private"
    assert await Post.filter(boost_of=original, account=bob).exists()


async def test_a_boost_of_an_unknown_post_records_the_uri_and_is_ignored(db):
    await remote_actor(BOB)
    item = await deliver({"id": f"{BOB}/statuses/4/activity", "type": "Announce", "actor": BOB,
                          "object": "https://far.example/notes/1"})
    assert item.state == InboundState.IGNORED and "https://far.example/notes/1" in item.last_error
    assert not await Post.exists()


async def test_an_embedded_post_from_another_server_is_not_trusted(db):
    await remote_actor(BOB)
    await remote_actor("https://far.example/users/z")
    forged = {"id": "https://far.example/notes/1", "type": "Note", "attributedTo": "https://far.example/users/z",
              "content": "<p>words put in z's mouth</p>"}
    item = await deliver({"id": f"{BOB}/statuses/6/activity", "type": "Announce", "actor": BOB, "object": forged})
    assert item.state == InboundState.IGNORED and not await Post.exists()

"""Blocks, reports and pinned posts sent by other servers."""

from __future__ import annotations

from fediserver.clock import utcnow
from fediserver.models import Block, Follow, FollowState, InboundState, Post, Report
from tests.inbox.support import deliver, our_account, remote_actor, remote_post

BOB = "https://social.example/users/bob"


async def test_a_block_ends_follows_both_ways_and_its_undo_lifts_it(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    await Follow.create(follower=ada, target=bob, state=FollowState.ACCEPTED)
    await Follow.create(follower=bob, target=ada, state=FollowState.ACCEPTED)
    block = {"id": f"{BOB}#blocks/1", "type": "Block", "actor": BOB, "object": ada.uri}
    await deliver(block)
    assert await Block.filter(account=bob, target=ada, uri=block["id"]).exists()
    assert not await Follow.exists()

    await deliver({"id": f"{BOB}#blocks/1/undo", "type": "Undo", "actor": BOB, "object": block})
    assert not await Block.exists()


async def test_a_flag_becomes_a_report_against_our_account(db):
    ada = await our_account("ada")
    reporter = await remote_actor("https://social.example/actor")
    post = await Post.create(uri=f"{ada.uri}/statuses/1", account=ada, local=True, published_at=utcnow())
    # Mastodon's shape: sent by the instance actor, naming the account and the posts.
    flag = {"id": "https://social.example/0c3b8e5a", "type": "Flag", "actor": reporter.uri,
            "content": "spam in replies", "object": [ada.uri, post.uri]}
    await deliver(flag)
    report = await Report.get(uri=flag["id"])
    assert (report.reporter_id, report.target_id) == (reporter.id, ada.id)
    assert report.post_uris == [post.uri] and report.comment == "spam in replies"
    assert [s["uri"] for s in report.statuses] == [post.uri] and report.is_open  # kept as it was

    again = await deliver(flag | {"id": flag["id"]})
    assert again.state == InboundState.DONE and await Report.all().count() == 1


async def test_a_flag_of_only_a_post_reports_its_author(db):
    ada = await our_account("ada")
    await remote_actor(BOB)
    post = await Post.create(uri=f"{ada.uri}/statuses/1", account=ada, local=True, published_at=utcnow())
    await deliver({"id": f"{BOB}/flags/1", "type": "Flag", "actor": BOB, "summary": "nsfw unmarked",
                   "object": post.uri})
    report = await Report.get()
    assert report.target_id == ada.id and report.comment == "nsfw unmarked"


async def test_a_flag_naming_nothing_known_is_ignored(db):
    await remote_actor(BOB)
    item = await deliver({"id": f"{BOB}/flags/2", "type": "Flag", "actor": BOB, "object": "https://x.example/p/1"})
    assert item.state == InboundState.IGNORED and not await Report.exists()


async def test_pinning_and_unpinning_on_the_featured_collection(db):
    bob = await remote_actor(BOB)
    post = await remote_post(bob, f"{BOB}/statuses/1")
    featured = f"{BOB}/collections/featured"
    await deliver({"id": f"{BOB}#add/1", "type": "Add", "actor": BOB, "object": post.uri, "target": featured})
    assert (await Post.get(id=post.id)).pinned_at is not None
    await deliver({"id": f"{BOB}#remove/1", "type": "Remove", "actor": BOB, "object": post.uri, "target": featured})
    assert (await Post.get(id=post.id)).pinned_at is None


async def test_pinning_someone_elses_post_or_elsewhere_is_ignored(db):
    bob = await remote_actor(BOB)
    carol = await remote_actor("https://social.example/users/carol")
    theirs = await remote_post(carol, "https://social.example/users/carol/statuses/1")
    own = await remote_post(bob, f"{BOB}/statuses/2")
    not_own = await deliver({"id": f"{BOB}#add/1", "type": "Add", "actor": BOB, "object": theirs.uri,
                             "target": f"{BOB}/collections/featured"})
    elsewhere = await deliver({"id": f"{BOB}#add/2", "type": "Add", "actor": BOB, "object": own.uri,
                               "target": f"{BOB}/collections/moderators"})
    assert not_own.state == elsewhere.state == InboundState.IGNORED
    assert not await Post.filter(pinned_at__isnull=False).exists()

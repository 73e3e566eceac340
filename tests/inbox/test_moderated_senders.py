"""Accounts of other servers an admin acted on: a suspended one's posts are hidden and
what it sends is refused; a silenced one's follows become requests."""

from __future__ import annotations

from fediserver.clock import utcnow
from fediserver.models import Follow, FollowState, InboundState, Post
from fediserver.moderation.account_actions import silence, suspend, unsuspend
from fediserver.moderation.audit import COMMAND_LINE
from fediserver.visibility import may_read, visible_posts
from tests.inbox.support import PUBLIC, URLS, deliver, our_account, remote_actor, remote_post

BOB = "https://social.example/users/bob"


def _note(number: int) -> dict:
    return {"id": f"{BOB}/statuses/{number}/activity", "type": "Create", "actor": BOB, "to": [PUBLIC],
            "object": {"id": f"{BOB}/statuses/{number}", "type": "Note", "attributedTo": BOB, "to": [PUBLIC],
                       "content": "<p>hello</p>", "published": utcnow().isoformat()}}


async def test_a_suspended_remote_account_is_hidden_and_refused(db):
    ada = await our_account("ada")
    bob = await remote_actor(BOB)
    old = await remote_post(bob, f"{BOB}/statuses/1")
    await suspend(COMMAND_LINE, bob, urls=URLS)
    assert not await visible_posts(ada).filter(id=old.pk).exists() and not await may_read(old, None)
    created = await deliver(_note(2))
    followed = await deliver({"id": f"{BOB}#follows/1", "type": "Follow", "actor": BOB, "object": ada.uri})
    assert created.state == followed.state == InboundState.IGNORED
    assert not await Post.exists(uri=f"{BOB}/statuses/2") and not await Follow.exists()

    await unsuspend(COMMAND_LINE, bob, urls=URLS)
    assert await may_read(old, None)
    assert (await deliver(_note(3))).state == InboundState.DONE


async def test_a_silenced_remote_account_asks_to_follow(db):
    ada, cy = await our_account("ada"), await our_account("cy")
    bob = await remote_actor(BOB)
    await Follow.create(follower=cy, target=bob, state=FollowState.ACCEPTED)
    await silence(COMMAND_LINE, bob)
    await deliver({"id": f"{BOB}#follows/1", "type": "Follow", "actor": BOB, "object": ada.uri})
    await deliver({"id": f"{BOB}#follows/2", "type": "Follow", "actor": BOB, "object": cy.uri})
    assert (await Follow.get(follower=bob, target=ada)).state == FollowState.PENDING
    assert (await Follow.get(follower=bob, target=cy)).state == FollowState.ACCEPTED  # cy follows bob already

"""The two durable queues' doors: storing inbound activities, publishing, claiming."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.models import Account, Activity, Delivery, Follow, FollowState, InboundItem
from fediserver.models.queue import claim_due
from inbox.queue import store_inbound
from outbox.builders import accept_follow
from outbox.publish import publish
from outbox.recipients import follower_inboxes


async def remote(name: str, host: str, shared: bool = True) -> Account:
    base = f"https://{host}/users/{name}"
    return await Account.create(
        username=name, domain=host, uri=base, inbox_url=f"{base}/inbox",
        shared_inbox_url=f"https://{host}/inbox" if shared else None,
    )


async def local(name: str) -> Account:
    return await Account.create(username=name, uri=f"https://art.example/users/{name}")


async def test_an_activity_delivered_twice_is_stored_once(db):
    activity = {"id": "https://a.example/activities/1", "type": "Like", "actor": "https://a.example/users/x"}
    first, created = await store_inbound(activity, actor_uri=activity["actor"], key_id="k")
    again, created_again = await store_inbound(dict(activity), actor_uri=activity["actor"], key_id="k")
    assert created and not created_again and first.pk == again.pk
    assert await InboundItem.all().count() == 1


async def test_activities_without_an_id_are_kept_apart_by_content(db):
    await store_inbound({"type": "Delete", "actor": "a", "object": "x"}, actor_uri="a", key_id=None)
    await store_inbound({"type": "Delete", "actor": "a", "object": "y"}, actor_uri="a", key_id=None)
    _, created = await store_inbound({"type": "Delete", "actor": "a", "object": "y"}, actor_uri="a", key_id=None)
    assert not created and await InboundItem.all().count() == 2


async def test_followers_are_reached_through_one_shared_inbox_per_server(db):
    ada = await local("ada")
    followers = [
        await remote("b1", "big.example"), await remote("b2", "big.example"),
        await remote("s1", "small.example", shared=False), await remote("s2", "small.example", shared=False),
        await remote("p1", "pending.example"),
    ]
    for follower in followers[:4]:
        await Follow.create(follower=follower, target=ada, state=FollowState.ACCEPTED)
    await Follow.create(follower=followers[4], target=ada, state=FollowState.PENDING)
    await Follow.create(follower=await local("grace"), target=ada, state=FollowState.ACCEPTED)

    assert sorted(await follower_inboxes(ada)) == [
        "https://big.example/inbox",
        "https://small.example/users/s1/inbox",
        "https://small.example/users/s2/inbox",
    ]


async def test_publish_queues_one_delivery_per_inbox(db):
    ada = await local("ada")
    follow = {"id": "https://big.example/f/1", "type": "Follow", "actor": "https://big.example/users/b1", "object": ada.uri}
    accept = accept_follow(ada, follow)
    record = await publish(accept, actor=ada, inboxes=["https://big.example/inbox", "https://big.example/inbox", ""])
    assert record.type == "Accept" and record.object_uri == "https://big.example/f/1"
    deliveries = await Delivery.filter(activity=record)
    assert [(d.inbox_url, d.domain, d.attempts) for d in deliveries] == [("https://big.example/inbox", "big.example", 0)]
    assert (await Activity.get(uri=accept["id"])).payload["object"]["actor"] == follow["actor"]


async def test_a_claimed_job_is_not_claimed_again_until_its_lease_ends(db):
    ada = await local("ada")
    record = await publish(accept_follow(ada, {"id": "f", "type": "Follow", "actor": "x", "object": ada.uri}),
                           actor=ada, inboxes=[f"https://h{i}.example/inbox" for i in range(5)])
    first = await claim_due(Delivery, due_field="next_attempt_at", batch=3, lease_seconds=60, activity=record)
    second = await claim_due(Delivery, due_field="next_attempt_at", batch=3, lease_seconds=60, activity=record)
    assert len(first) == 3 and len(second) == 2
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert await claim_due(Delivery, due_field="next_attempt_at", batch=3, lease_seconds=60) == []
    later = utcnow() + timedelta(seconds=61)
    assert len(await claim_due(Delivery, due_field="next_attempt_at", batch=10, lease_seconds=60, now=later)) == 5


async def test_concurrent_claims_never_share_a_job(db):
    ada = await local("ada")
    await publish(accept_follow(ada, {"id": "f", "type": "Follow", "actor": "x", "object": ada.uri}),
                  actor=ada, inboxes=[f"https://h{i}.example/inbox" for i in range(40)])
    batches = await asyncio.gather(
        *(claim_due(Delivery, due_field="next_attempt_at", batch=7, lease_seconds=60) for _ in range(8))
    )
    claimed = [d.pk for batch in batches for d in batch]
    assert len(claimed) == len(set(claimed)) == 40

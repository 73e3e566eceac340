"""Shared steps of the two-way federation tests: our instance live, follows both ways.

`live_instance` serves fediserver on a free loopback port with its background jobs
running (inbound processing and deliveries), on the ``db`` fixture's database, with one
artist, alice. The steps below drive a Fedify peer and our outbox actions, and wait by
polling for what the other side must end up seeing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import (
    Account,
    Delivery,
    DeliveryState,
    Follow,
    FollowState,
    InboundItem,
    InboundState,
    Post,
)
from outbox import relations, statuses
from tests.interop.harness import FedifyPeer, wait_until
from tests.interop.served_instance import ServedInstance

# Each hop crosses two processes on a shared machine: generous, polled every 50 ms.
TIMEOUT = 20.0
ACTIVITY_JSON = "application/activity+json"


@pytest.fixture
async def live_instance(db):
    async with ServedInstance(db, run_jobs=True) as served:
        await create_local_account(served.services.urls, "alice", display_name="Alice")
        yield served


@pytest.fixture
async def peer(fedify_peer: FedifyPeer) -> FedifyPeer:
    await fedify_peer.control.reset()
    return fedify_peer


async def alice() -> Account:
    return await Account.get(username="alice", domain="")


def alice_handle(instance: ServedInstance) -> str:
    return f"alice@{instance.domain}"


async def eventually(check: Callable[[], Any], what: str) -> Any:
    """``check``'s first truthy answer, or a failure saying what never happened."""
    try:
        return await wait_until(check, timeout=TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {TIMEOUT}s") from None


async def peer_receives(peer: FedifyPeer, type: str, predicate: Callable[[dict], bool] = lambda _: True,
                        *, actor: str | None = None) -> dict[str, Any]:
    return await peer.control.wait_for(type, predicate, timeout=TIMEOUT, actor=actor)


async def peer_follows_alice(instance: ServedInstance, peer: FedifyPeer, name: str = "bob") -> str:
    """The peer's actor follows alice (found by WebFinger) until our Accept reaches it; the Follow's id."""
    answer = await peer.control.follow(name, alice_handle(instance))
    assert [d["ok"] for d in answer["deliveries"]] == [True], answer
    alice_uri = (await alice()).uri

    async def accepted():
        return any(f["id"] == alice_uri and f["state"] == "accepted" for f in await peer.control.following(name))

    await eventually(accepted, f"{name}'s follow of alice accepted on the peer")
    return answer["follow_id"]


async def alice_follows(instance: ServedInstance, peer: FedifyPeer, name: str = "bob") -> Account:
    """alice follows the peer's actor until the peer's Accept reaches us; the remote account."""
    remote = await instance.services.remote_actors.fetch_actor(peer.actor(name).id)
    follow = await relations.follow(await alice(), remote)
    await eventually(lambda: Follow.get_or_none(pk=follow.pk, state=FollowState.ACCEPTED),
                     f"alice's follow of {name} accepted here")
    return remote


async def arrived_post(uri: str) -> Post:
    return await eventually(lambda: Post.get_or_none(uri=uri), f"the post {uri} stored here")


async def alice_posts(instance: ServedInstance, text: str, **options: Any) -> Post:
    return await statuses.post_status(await alice(), text, visibility=options.pop("visibility", "public"),
                                      notes=instance.services.notes, **options)


async def api(instance: ServedInstance, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    """A client API call as the owner of ``token`` would make it."""
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.request(method, f"{instance.base_url}{path}",
                                    headers={"Authorization": f"Bearer {token}"}, **kwargs)


async def followers_of_alice(instance: ServedInstance) -> list[str]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{instance.base_url}/users/alice/followers?page=true",
                                    headers={"accept": ACTIVITY_JSON})
    response.raise_for_status()
    return response.json()["orderedItems"]


async def assert_no_refusals(peer: FedifyPeer) -> None:
    """Every activity either side sent was verified and understood by the other."""
    assert await peer.control.rejected() == []
    assert await peer.control.failed_deliveries() == []
    failed = await InboundItem.filter(state=InboundState.FAILED).values_list("activity_type", "last_error")
    assert failed == []
    undelivered = await Delivery.filter(state=DeliveryState.FAILED).values_list("inbox_url", "last_error")
    assert undelivered == []

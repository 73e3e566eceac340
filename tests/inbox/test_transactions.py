"""The inbound job applies a run of items in one transaction, each in a savepoint of its
own: an item that fails takes back only its own effects and live events, an item that
needs something fetched has it fetched outside any transaction, and the others stay
applied, in the order received."""

from __future__ import annotations

import asyncio

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models import InboundItem, InboundState, Post
from inbox.handlers.base import Unknown
from inbox.handlers.posts import handle_create
from inbox.lifecycle import inbound_schedule
from inbox.processing import InboundProcessor
from inbox.queue import store_inbound
from tests.inbox.test_processing import BOB, create_note
from tests.inbox.support import remote_actor


async def store_notes(count: int) -> list[InboundItem]:
    return [(await store_inbound(create_note(number), actor_uri=BOB, key_id=None))[0] for number in range(count)]


def post_uri(number: int) -> str:
    return create_note(number)["object"]["id"]


async def states_of(items: list[InboundItem]) -> list[InboundState]:
    return [(await InboundItem.get(id=item.id)).state for item in items]


async def test_a_failing_item_in_the_middle_undoes_only_its_own_effects(db):
    await remote_actor(BOB)

    async def the_middle_one_fails_after_storing(inbound):
        await handle_create(inbound)
        if inbound.activity.id == create_note(2)["id"]:
            raise RuntimeError("broke after storing its post")

    items = await store_notes(5)
    processor = InboundProcessor(handlers={"Create": the_middle_one_fails_after_storing})
    assert await processor.run_once() == 5

    assert await states_of(items) == ["done", "done", "pending", "done", "done"]
    failed = await InboundItem.get(id=items[2].id)
    assert failed.attempts == 1 and failed.last_error == "RuntimeError: broke after storing its post"
    assert failed.available_at > utcnow()  # tried again later, on the inbound schedule
    stored = set(await Post.all().values_list("uri", flat=True))
    assert stored == {post_uri(n) for n in (0, 1, 3, 4)}


async def test_items_are_applied_in_the_order_received_across_transactions(db):
    await remote_actor(BOB)
    applied = []

    async def remembering(inbound):
        applied.append(inbound.activity.id)
        await handle_create(inbound)

    items = await store_notes(7)
    processor = InboundProcessor(handlers={"Create": remembering}, items_per_transaction=3)
    assert await processor.run_once() == 7
    assert applied == [create_note(n)["id"] for n in range(7)]
    assert await states_of(items) == ["done"] * 7


class StoresWhatItIsAskedFor:
    """A resolver that 'fetches' a post by storing it, noting whether a transaction was
    open when it was asked."""

    def __init__(self, author) -> None:
        self.author = author
        self.asked: list[tuple[str, bool]] = []

    async def post(self, uri: str):
        in_a_transaction = isinstance(connections.get("default"), TransactionalDBClient)
        self.asked.append((uri, in_a_transaction))
        return await Post.create(uri=uri, account=self.author, published_at=utcnow())

    async def account(self, uri: str, refresh: bool = False):
        raise AssertionError("no account is missing here")


async def test_an_item_needing_a_fetch_in_a_batch_is_fetched_outside_and_applied(db):
    bob = await remote_actor(BOB)
    needed = "https://elsewhere.example/statuses/1"

    async def the_third_needs_a_post(inbound):
        if inbound.activity.id == create_note(2)["id"] and not await Post.exists(uri=needed):
            raise Unknown(needed)
        await handle_create(inbound)

    items = await store_notes(5)
    resolver = StoresWhatItIsAskedFor(bob)
    processor = InboundProcessor(handlers={"Create": the_third_needs_a_post}, resolver=resolver)
    assert await processor.run_once() == 5

    assert resolver.asked == [(needed, False)]
    assert await states_of(items) == ["done"] * 5
    assert set(await Post.all().values_list("uri", flat=True)) == {needed, *(post_uri(n) for n in range(5))}


async def test_live_events_of_applied_items_are_heard_and_none_of_a_failed_one(db):
    await remote_actor(BOB)
    heard: list[event_bus.Event] = []

    async def listening(event):
        heard.append(event)

    async def the_middle_one_fails_after_storing(inbound):
        await handle_create(inbound)
        if inbound.activity.id == create_note(1)["id"]:
            raise RuntimeError("broke after storing its post")

    await store_notes(3)
    processor = InboundProcessor(schedule=inbound_schedule(max_attempts=1),
                                 handlers={"Create": the_middle_one_fails_after_storing})
    listener = None
    credentials = event_bus.listener_credentials(db)
    event_bus.add_handler(listening)
    try:
        if credentials is not None:
            listener = event_bus.PostgresListener(credentials)
            listener.start()
            await listener.wait_connected()
        await processor.run_once()
        stored = sorted(await Post.all().values_list("id", flat=True))
        for _ in range(100):
            if len([e for e in heard if e.kind == event_bus.POST_CREATED]) >= len(stored):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # time for any event that should not come
    finally:
        event_bus.remove_handler(listening)
        if listener is not None:
            await listener.stop()

    assert len(stored) == 2
    # Each stored post announced once; the failed item's post (its id taken again on
    # SQLite by the next item) announced never.
    assert sorted(e.id for e in heard if e.kind == event_bus.POST_CREATED) == stored

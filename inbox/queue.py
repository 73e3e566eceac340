"""The durable inbound queue: a verified activity is stored once, by its id, before 202.

Storing is idempotent: the same activity delivered twice (to a personal and the shared
inbox, or retried by its sender) becomes one row. An id is remembered with the origin of
the actor that sent it (the inbox admits only ids on the actor's own server), so one
server's ids never collide with another's. Each personal inbox it reached is remembered
on the row (``delivered_to``): that account may read what it carries, even when the copy
that reached it was the second one. Workers claim pending rows with
``fediserver.models.queue.claim_due`` and run the handler for their type.

The inbox endpoint stores through ``InboundWriter`` (group commit): activities whose
POSTs arrive while the previous ones are being written are inserted together, in one
transaction, and each POST is answered once its own row is committed, never before. A
busy inbox pays one commit for many activities; a quiet one writes each at once, alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.vocab import origin
from fediserver.clock import utcnow
from fediserver.models import InboundItem
from inbox.remote_posts import grant_delivered_reader


def activity_key(activity: dict[str, Any]) -> str:
    """The activity's id, or, for the few servers that send none, a digest of its content."""
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and activity_id:
        return activity_id
    canonical = json.dumps(activity, sort_keys=True, separators=(",", ":")).encode()
    return "urn:sha256:" + hashlib.sha256(canonical).hexdigest()


async def store_inbound(
    activity: dict[str, Any], *, actor_uri: str, key_id: str | None, delivered_to: str | None = None
) -> tuple[InboundItem, bool]:
    """Store a verified activity sent by ``actor_uri``; returns the row and whether it was new.

    New activities are the common case, so the insert comes first and the unique
    (origin, ``activity_uri``) pair is the duplicate check: one statement per POST, and a
    redelivery (or a concurrent copy to another inbox) is looked up only when the insert
    is refused.
    """
    item = _new_row(activity, actor_uri=actor_uri, key_id=key_id, delivered_to=delivered_to)
    try:
        await item.save()
    except IntegrityError:
        item = await InboundItem.get(origin=item.origin, activity_uri=item.activity_uri)
        if delivered_to and delivered_to not in (item.delivered_to or []):
            await _delivered_again(item, activity, delivered_to)
        return item, False
    return item, True


def _new_row(activity: dict[str, Any], *, actor_uri: str, key_id: str | None, delivered_to: str | None) -> InboundItem:
    activity_type = activity.get("type")
    return InboundItem(
        origin=origin(actor_uri),
        activity_uri=activity_key(activity),
        # Longer names than any handled type are kept whole in the payload.
        activity_type=activity_type[:32] if isinstance(activity_type, str) else "Unknown",
        actor_uri=actor_uri,
        key_id=key_id,
        payload=activity,
        delivered_to=[delivered_to] if delivered_to else [],
        available_at=utcnow(),
    )


@dataclass(eq=False)
class _Waiting:
    activity: dict[str, Any]
    actor_uri: str
    key_id: str | None
    delivered_to: str | None
    stored: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass(eq=False)
class InboundWriter:
    """``store_inbound`` for the inbox endpoint, with the inserts of concurrent POSTs
    committed together: while one group is being written the next gathers, then is
    written as one multi-row insert in one transaction. When the group's insert fails
    (a duplicate, even of another row in the same group, or any other fault), that group
    is stored again one row at a time by ``store_inbound``, so every activity ends as it
    would alone. A POST's ``store`` returns only once its row is committed, and raises what
    storing it raised."""

    max_group: int = 200
    _waiting: list[_Waiting] = field(default_factory=list)
    _writer: asyncio.Task | None = None

    async def store(self, activity: dict[str, Any], *, actor_uri: str, key_id: str | None,
                    delivered_to: str | None = None) -> None:
        waiting = _Waiting(activity, actor_uri, key_id, delivered_to)
        self._waiting.append(waiting)
        loop = asyncio.get_running_loop()
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_all())
        await asyncio.shield(waiting.stored)  # a POST given up still gets its row

    async def _write_all(self) -> None:
        group: list[_Waiting] = []
        try:
            while self._waiting:
                group, self._waiting = self._waiting[:self.max_group], self._waiting[self.max_group:]
                await self._write(group)
        except BaseException:  # cancelled as the process stops: nobody waits forever
            stopped, self._waiting = [*group, *self._waiting], []
            _settle(stopped, RuntimeError("the inbound writer stopped"))
            raise

    async def _write(self, group: list[_Waiting]) -> None:
        """Store ``group``, settling each POST's wait with its own outcome."""
        if len(group) > 1:
            try:
                async with in_transaction():
                    await InboundItem.bulk_create([
                        _new_row(w.activity, actor_uri=w.actor_uri, key_id=w.key_id, delivered_to=w.delivered_to)
                        for w in group])
                _settle(group)
                return
            except Exception:  # a copy of a stored activity, or another fault: each alone, below
                pass
        for waiting in group:
            try:
                await store_inbound(waiting.activity, actor_uri=waiting.actor_uri, key_id=waiting.key_id,
                                    delivered_to=waiting.delivered_to)
                _settle([waiting])
            except Exception as error:
                _settle([waiting], error)


def _settle(group: list[_Waiting], error: Exception | None = None) -> None:
    for waiting in group:
        if not waiting.stored.done():
            if error is None:
                waiting.stored.set_result(None)
            else:
                waiting.stored.set_exception(error)


async def _delivered_again(item: InboundItem, activity: dict[str, Any], delivered_to: str) -> None:
    """Another personal inbox got a copy: remember it, and if the post it creates is
    stored already, let that account read it."""
    item.delivered_to = [*(item.delivered_to or []), delivered_to]
    await InboundItem.filter(id=item.id).update(delivered_to=item.delivered_to)
    obj = activity.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else obj
    if activity.get("type") in ("Create", "Update") and isinstance(object_id, str):
        await grant_delivered_reader(object_id, delivered_to)

"""Reading a streaming socket in the streaming tests: what came, until the awaited posts
did. Absence is proved by order, never by waiting: a later post that must come first."""

from __future__ import annotations

import json

from tests.api.conftest import Artist, call
from tests.streaming_socket import StreamingSocket


def payload(message: dict) -> dict:
    return json.loads(message["payload"])


def status_of(message: dict) -> dict:
    """The Status a message carries (a notification's status for a notification)."""
    document = payload(message)
    return document["status"] if message["event"] == "notification" else document


async def arrivals_until(socket: StreamingSocket, *wanted: tuple[str, ...], event: str = "update",
                         timeout: float = 10.0) -> list[tuple[str, str, str, dict]]:
    """Every message received until each of ``wanted`` came: ``(stream name, status id)``
    as ``event``, or ``(stream name, status id, event)``; as ``(stream name, event,
    status id, status)``."""
    missing = {(stream, status_id, *rest) if rest else (stream, status_id, event) for stream, status_id, *rest in wanted}
    seen = []
    while missing:
        message = await socket.receive_json(timeout)
        assert message is not None, f"the socket closed; seen {seen}"
        status = status_of(message)
        seen.append((message["stream"][0], message["event"], status["id"], status))
        missing.discard((message["stream"][0], status["id"], message["event"]))
    return seen


async def live(socket: StreamingSocket, poster: Artist, *streams: str) -> None:
    """Return once the socket's subscriptions hear events: a post of ``poster``'s came
    on each of ``streams``."""
    post = await call(poster.client.status_post, "listening")
    await arrivals_until(socket, *((stream, post.id) for stream in streams))

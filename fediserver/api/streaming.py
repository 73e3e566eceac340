"""The streaming API, as Mastodon serves it: live updates over one WebSocket, or one
stream per server-sent-events response.

- ``GET /api/v1/streaming`` as a WebSocket. The access token comes as the
  ``Sec-WebSocket-Protocol`` header (and is echoed back, as browsers require), the
  ``access_token`` query parameter or an ``Authorization: Bearer`` header. Streams are
  chosen with ``?stream=NAME`` (``&tag=``, ``&list=``) and with messages
  ``{"type": "subscribe" | "unsubscribe", "stream": NAME, "tag": ..., "list": ...}``
  on the open socket, many on one socket. Each event arrives as
  ``{"stream": [NAME, ...], "event": "update", "payload": "<the entity as a JSON string>"}``;
  a request that cannot be granted is answered ``{"error": ..., "status": 400}``.
- ``GET /api/v1/streaming/user``, ``/user/notification``, ``/public``, ``/public/local``,
  ``/public/remote``, ``/hashtag?tag=``, ``/hashtag/local?tag=``, ``/list?list=``,
  ``/direct``: the same events as server-sent events (``event:`` / ``data:``), with a
  comment line every ``HEARTBEAT_SECONDS`` so proxies keep the response open.
  The WebSocket's own path over plain HTTP with ``?stream=`` is the same.
- ``GET /api/v1/streaming/health``: ``OK``.

A token for an account, holding ``read``, ``read:statuses`` or ``read:notifications``, is
needed for every stream (as Mastodon 4.2 asks); each stream's own scope is in
``fediserver.streaming.streams.STREAM_SCOPES``. The WebSocket's pings are Hypercorn's
(``fediserver run`` sends one every 30 seconds). Which events reach a connection is the
hub's work (``fediserver.streaming.hub``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from quart import Blueprint, Response, current_app, request, websocket

from fediserver.api.auth import Caller, bearer_token
from fediserver.models import AccountList
from fediserver.event_bus import PostgresListener, add_handler, listener_credentials, remove_handler
from fediserver.oauth.tokens import scopes_of, token_for
from fediserver.refusals import ApiError
from fediserver.streaming import streams
from fediserver.streaming.hub import Listener, StreamHub
from fediserver.streaming.streams import StreamRequestError, Subscription, subscription

blueprint = Blueprint("api_streaming", __name__)

HEARTBEAT_SECONDS = 15.0
CONNECT_SCOPES = ("read:statuses", "read:notifications")
WEBSOCKET_PATH = "/api/v1/streaming"


@blueprint.before_app_serving
async def _start_hub() -> None:
    app = current_app
    hub = StreamHub(app.config["SERVICES"].media_links)
    app.config["STREAM_HUB"] = hub
    add_handler(hub.handle)
    credentials = listener_credentials(app.config["SETTINGS"].database_url)
    if credentials is not None:
        app.config["STREAM_LISTENER"] = PostgresListener(credentials)
        app.config["STREAM_LISTENER"].start()


@blueprint.after_app_serving
async def _stop_hub() -> None:
    hub = current_app.config.pop("STREAM_HUB", None)
    if hub is not None:
        remove_handler(hub.handle)
    listener = current_app.config.pop("STREAM_LISTENER", None)
    if listener is not None:
        await listener.stop()


def _hub() -> StreamHub:
    return current_app.config["STREAM_HUB"]


@blueprint.get("/api/v1/streaming/health")
async def health():
    return Response("OK", content_type="text/plain; charset=utf-8")


async def _caller(bearer: str | None) -> Caller:
    if not bearer:
        raise ApiError(401, "Missing access token; send it as Sec-WebSocket-Protocol, access_token or Authorization")
    token = await token_for(bearer)
    if token is None:
        raise ApiError(401, "The access token is invalid")
    caller = Caller(token, token.account, token.app, scopes_of(token))
    if caller.account is None:
        raise ApiError(401, "Streaming needs a token for an account, not an app's own token")
    if not caller.allows(CONNECT_SCOPES):
        raise ApiError(403, "This action is outside the authorized scopes")
    return caller


async def _grant(caller: Caller, wanted: Subscription) -> Subscription:
    if not caller.allows(streams.STREAM_SCOPES[wanted.stream]):
        raise StreamRequestError("This stream is outside the authorized scopes", 403)
    if wanted.stream == streams.LIST and (len(wanted.parameter) > 18 or not await AccountList.exists(
            id=int(wanted.parameter), account_id=caller.account.pk)):
        raise StreamRequestError(f"List {wanted.parameter} not found", 404)
    return wanted


def _new_listener(caller: Caller) -> Listener:
    return Listener(caller.account, caller.allows)


def _asked(args) -> Subscription:
    return subscription(args.get("stream"), tag=args.get("tag"), list_id=args.get("list"))


@blueprint.websocket(WEBSOCKET_PATH)
async def stream_socket():
    offered = websocket.requested_subprotocols
    from_protocol = offered[0] if offered else None
    bearer = from_protocol or websocket.args.get("access_token") or bearer_token(websocket.headers)
    try:
        caller = await _caller(bearer)
        first = await _grant(caller, _asked(websocket.args)) if websocket.args.get("stream") else None
    except ApiError as error:
        return {"error": error.message}, error.status
    except StreamRequestError as error:
        return {"error": str(error)}, error.status
    await websocket.accept(subprotocol=from_protocol)
    listener = _new_listener(caller)
    if first is not None:
        listener.subscriptions.add(first)
    hub = _hub()
    hub.add(listener)
    receiving = asyncio.ensure_future(_receive_requests(caller, listener))
    sending = asyncio.ensure_future(_send_messages(listener))
    try:
        await asyncio.wait({receiving, sending}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.remove(listener)
        for task in (receiving, sending):
            task.cancel()
        await asyncio.gather(receiving, sending, return_exceptions=True)
    if sending.done() and not sending.cancelled() and sending.exception() is None:
        with contextlib.suppress(Exception):
            await websocket.close(1013, "too many messages waiting; reconnect")


async def _send_messages(listener: Listener) -> None:
    while (message := await listener.next_message()) is not None:
        await websocket.send(message.websocket_text())


async def _receive_requests(caller: Caller, listener: Listener) -> None:
    while True:
        text = await websocket.receive()
        try:
            asked = json.loads(text)
            if not isinstance(asked, dict) or asked.get("type") not in ("subscribe", "unsubscribe"):
                raise StreamRequestError('Expected {"type": "subscribe" or "unsubscribe", "stream": ...}')
            wanted = subscription(asked.get("stream"), tag=asked.get("tag"), list_id=asked.get("list"))
            if asked["type"] == "subscribe":
                listener.subscriptions.add(await _grant(caller, wanted))
            else:
                listener.subscriptions.discard(wanted)
        except (ValueError, TypeError) as error:  # StreamRequestError and malformed JSON
            status = getattr(error, "status", 400)
            message = str(error) if isinstance(error, StreamRequestError) else "Malformed JSON"
            await websocket.send(json.dumps({"error": message, "status": status}))


@blueprint.get(WEBSOCKET_PATH)
async def stream_events_by_query():
    """The WebSocket's path asked over plain HTTP: one stream (``?stream=``) as events."""
    caller = await _caller(bearer_token(request.headers) or request.args.get("access_token"))
    if not request.args.get("stream"):
        raise ApiError(400, "Open a WebSocket here, or name a stream: ?stream=user")
    return await _event_stream(caller, request.args.get("stream"))


@blueprint.get("/api/v1/streaming/<path:path>")
async def stream_events(path: str):
    stream = streams.STREAM_BY_PATH.get(path.strip("/"))
    if stream is None:
        raise ApiError(404, f"Unknown stream /api/v1/streaming/{path}")
    caller = await _caller(bearer_token(request.headers) or request.args.get("access_token"))
    return await _event_stream(caller, stream)


async def _event_stream(caller: Caller, stream: str) -> Response:
    try:
        wanted = await _grant(caller, subscription(stream, tag=request.args.get("tag"), list_id=request.args.get("list")))
    except StreamRequestError as error:
        raise ApiError(error.status, str(error)) from None
    listener = _new_listener(caller)
    listener.subscriptions.add(wanted)
    hub = _hub()

    async def events():
        hub.add(listener)
        try:
            yield b":)\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(listener.next_message(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b":thump\n\n"
                    continue
                if message is None:
                    return
                yield message.sse_text().encode()
        finally:
            hub.remove(listener)

    response = Response(events(), content_type="text/event-stream; charset=utf-8",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    response.timeout = None
    return response

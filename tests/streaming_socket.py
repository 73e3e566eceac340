"""A small WebSocket client over asyncio (wsproto, which Hypercorn already brings), for the
streaming tests and benchmark: connect with a subprotocol, query and headers, send and
receive text messages, answer pings, see a refusal's status; and the few steps the
streaming tests share (open a reader's socket, subscribe, read until a message comes)."""

from __future__ import annotations

import asyncio
import json

from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection, RejectData,
                            Request, TextMessage)


class Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"refused with {status}: {body!r}")
        self.status = status
        self.body = body


class StreamingSocket:
    def __init__(self) -> None:
        self.subprotocol: str | None = None
        self._messages: asyncio.Queue = asyncio.Queue()
        self._reader_task: asyncio.Task | None = None

    @classmethod
    async def open(cls, host: str, port: int, target: str = "/api/v1/streaming", *,
                   subprotocols: list[str] = (), headers: dict[str, str] | None = None) -> StreamingSocket:
        self = cls()
        self._reader, self._writer = await asyncio.open_connection(host, port)
        self._ws = WSConnection(ConnectionType.CLIENT)
        extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        self._writer.write(self._ws.send(Request(host=f"{host}:{port}", target=target,
                                                 subprotocols=list(subprotocols), extra_headers=extra)))
        await self._writer.drain()
        status, body = None, b""
        while True:
            data = await self._reader.read(65536)
            if not data:
                raise ConnectionError("closed during the handshake")
            self._ws.receive_data(data)
            for event in self._ws.events():
                if isinstance(event, AcceptConnection):
                    self.subprotocol = event.subprotocol
                    self._reader_task = asyncio.create_task(self._read())
                    return self
                if isinstance(event, RejectConnection):
                    status = event.status_code
                    if not event.has_body:
                        raise Refused(status, b"")
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished:
                        raise Refused(status, body)

    async def _read(self) -> None:
        text = ""
        try:
            while data := await self._reader.read(65536):
                self._ws.receive_data(data)
                for event in self._ws.events():
                    if isinstance(event, TextMessage):
                        text += event.data
                        if event.message_finished:
                            await self._messages.put(text)
                            text = ""
                    elif isinstance(event, BytesMessage):
                        pass
                    elif isinstance(event, Ping):
                        self._writer.write(self._ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        await self._messages.put(None)
                        return
        finally:
            await self._messages.put(None)

    async def send_json(self, document: dict) -> None:
        self._writer.write(self._ws.send(TextMessage(data=json.dumps(document))))
        await self._writer.drain()

    async def receive_text(self, timeout: float = 10.0) -> str | None:
        """The next message as sent; None once the server closed the socket."""
        return await asyncio.wait_for(self._messages.get(), timeout)

    async def receive_json(self, timeout: float = 10.0) -> dict | None:
        """The next message, decoded; None once the server closed the socket."""
        text = await self.receive_text(timeout)
        return None if text is None else json.loads(text)

    async def close(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def socket_for(served, token: str, **kwargs) -> StreamingSocket:
    return await StreamingSocket.open("127.0.0.1", served.port, subprotocols=[token], **kwargs)


async def subscribe(socket: StreamingSocket, stream: str, **fields) -> None:
    await socket.send_json({"type": "subscribe", "stream": stream, **fields})


async def events_until(socket: StreamingSocket, wanted, timeout: float = 10.0) -> list[dict]:
    """Messages received until one satisfies ``wanted`` (that one included)."""
    seen = []
    while True:
        message = await socket.receive_json(timeout)
        assert message is not None, f"the socket closed; seen {seen}"
        seen.append(message)
        if wanted(message):
            return seen


def is_update(message: dict, stream: list[str], status_id: str) -> bool:
    return (message.get("stream") == stream and message.get("event") == "update"
            and json.loads(message["payload"])["id"] == status_id)

"""A tiny real HTTP/1.1 server on 127.0.0.1 for tests: each path maps to a handler."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Sent before the body, in this many chunks, with this pause between them.
    chunks: int = 1
    pause_seconds: float = 0.0
    # False: no content-length, the body ends when the connection closes.
    declare_length: bool = True


@dataclass
class ReceivedRequest:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[ReceivedRequest], Reply | Awaitable[Reply]]


class LoopbackServer:
    """Serve ``routes`` (path -> handler or Reply) on 127.0.0.1 and record what arrived."""

    def __init__(self, routes: dict[str, Handler | Reply],
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.routes = routes
        self.ssl_context = ssl_context
        self.received: list[ReceivedRequest] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                  ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = ReceivedRequest(method, target, headers, body)
                self.received.append(request)
                path = target.split("?")[0]
                handler = self.routes.get(path, Reply(404, body=b"not found"))
                reply = handler if isinstance(handler, Reply) else handler(request)
                if not isinstance(reply, Reply):
                    reply = await reply
                await self._send(writer, reply)
                if not reply.declare_length:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
        head = [f"HTTP/1.1 {reply.status} X"]
        head.append(f"content-length: {len(reply.body)}" if reply.declare_length
                    else "connection: close")
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        size = max(1, -(-len(reply.body) // reply.chunks))
        for start in range(0, len(reply.body), size):
            writer.write(reply.body[start:start + size])
            await writer.drain()
            if reply.pause_seconds:
                await asyncio.sleep(reply.pause_seconds)
        await writer.drain()

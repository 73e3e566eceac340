"""fediserver served by a real Hypercorn on a free 127.0.0.1 port, inside the test's event loop.

The app runs on the database the ``db`` fixture opened (SQLite or PostgreSQL), with
``instance.domain = "127.0.0.1:PORT"`` over http and private addresses allowed, so a
Fedify peer on loopback can discover it, fetch its actors and deliver to it. Every
request that reaches the app is recorded (method, path, headers, status) so a test can
see, for example, which signature generation a peer's POST carried.

With ``run_jobs=True`` the background jobs (inbound processing, deliveries) run in the
same loop while the instance serves, as ``fediserver run`` does, only polling their
queues more often when idle so a test waits less.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

from fediserver.app import create_app
from fediserver.jobs import JobRunner, build_jobs
from fediserver.services import Services
from tests.conftest import make_settings


# How long an idle job waits before looking at its queue again (the runner's default is 1 s).
JOB_IDLE_SECONDS = 0.05


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    status: int | None = None


@dataclass
class ServedInstance:
    database_url: str
    federation: dict[str, Any] = field(default_factory=dict)
    # Further settings by section, e.g. {"instance": {"data_dir": ...}, "protection": {...}}.
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_jobs: bool = False
    # The loopback address it is served on and named by: another one than the Fedify
    # peer's 127.0.0.1 lets a test block the peer's host without blocking its own.
    host: str = "127.0.0.1"
    port: int = 0
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def services(self) -> Services:
        return self.app.config["SERVICES"]

    def posts_to(self, path: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == "POST" and e.path == path]

    async def _recording_app(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        exchange = Exchange(scope["method"], scope["path"],
                            {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]})
        self.exchanges.append(exchange)

        async def recording_send(message):
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
            await send(message)

        return await self.app(scope, receive, recording_send)

    async def __aenter__(self) -> ServedInstance:
        self.port = free_port()
        sections = {name: dict(values) for name, values in self.sections.items()}
        settings = make_settings(
            self.database_url,
            instance={"domain": self.domain, "scheme": "http", "allow_http": True, **sections.pop("instance", {})},
            federation={"allow_private_addresses": True, **self.federation},
            logging={"access_log": False},
            **sections,
        )
        self.app = create_app(settings, manage_database=False, run_jobs=False)
        config = Config()
        config.bind = [f"{self.host}:{self.port}"]
        config.accesslog = None
        config.errorlog = None
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(self._recording_app, config, shutdown_trigger=self._stop.wait))
        await self._wait_listening()
        self._jobs = JobRunner(build_jobs(self.services), idle_seconds=JOB_IDLE_SECONDS) if self.run_jobs else None
        if self._jobs is not None:
            self._jobs.start()
        return self

    async def _wait_listening(self) -> None:
        for _ in range(200):
            if self._task.done():
                self._task.result()
            try:
                _reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise RuntimeError(f"fediserver did not start listening on {self.base_url}")

    async def __aexit__(self, *exc_info: object) -> None:
        if self._jobs is not None:
            await self._jobs.stop()
        self._stop.set()
        await self._task

"""Run the Fedify interop peer as a subprocess and drive it through its control API.

`FedifyPeer` installs the peer's Node project on first use (`npm ci`), starts it on a
free port on 127.0.0.1 with the Node 22 binary from `node_modules/.bin/node`, and stops
it. `PeerControl` is an async client for the peer's `/_control/` JSON API, with polling
helpers that wait for an activity to arrive.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import inspect
import json
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PEER_DIR = Path(__file__).resolve().parent / "peer"


class PeerUnavailable(RuntimeError):
    """The peer cannot be installed or started on this machine."""


class PeerControlError(RuntimeError):
    """The control API answered with an error status."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


def node_binary(peer_dir: Path = PEER_DIR) -> Path:
    return peer_dir / "node_modules" / ".bin" / "node"


def _installed(peer_dir: Path) -> bool:
    return node_binary(peer_dir).exists() and (peer_dir / "node_modules" / "@fedify" / "fedify").is_dir()


def ensure_installed(peer_dir: Path = PEER_DIR) -> Path:
    """Run `npm ci` in the peer's directory unless its node_modules is complete.

    A lock file in the temporary directory keeps parallel test processes from
    installing at the same time."""
    if _installed(peer_dir):
        return node_binary(peer_dir)
    digest = hashlib.sha256(str(peer_dir).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"fedify-peer-npm-ci-{digest}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed(peer_dir):
            _npm_ci(peer_dir)
    return node_binary(peer_dir)


def _npm_ci(peer_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise PeerUnavailable(
            "npm is not installed: the interop peer needs it once to install Fedify and "
            f"Node 22 (`npm ci` in {peer_dir}). Install Node.js and npm, or deselect these "
            "tests with `-m 'not interop'`."
        )
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=peer_dir, capture_output=True, text=True
    )
    if result.returncode != 0 or not _installed(peer_dir):
        raise PeerUnavailable(f"`npm ci` in {peer_dir} failed:\n{result.stderr[-3000:]}")


@dataclass(frozen=True)
class PeerActor:
    name: str
    id: str
    handle: str


class FedifyPeer:
    """One running peer process; use as a context manager or call start() and stop()."""

    def __init__(
        self,
        actors: Iterable[str] = ("bob",),
        *,
        log_level: str = "info",
        startup_timeout: float = 30.0,
        peer_dir: Path = PEER_DIR,
    ):
        self.actor_names = tuple(actors)
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        self.peer_dir = peer_dir
        self.process: subprocess.Popen[str] | None = None
        self.log_path: Path | None = None
        self.port = 0
        self.origin = ""
        self.actors: dict[str, PeerActor] = {}

    def start(self) -> FedifyPeer:
        node = ensure_installed(self.peer_dir)
        log = tempfile.NamedTemporaryFile("w", prefix="fedify-peer-", suffix=".log", delete=False)
        self.log_path = Path(log.name)
        command = [
            str(node), "peer.js", "--port", "0",
            "--actors", ",".join(self.actor_names), "--log-level", self.log_level,
        ]
        with log:
            self.process = subprocess.Popen(
                command, cwd=self.peer_dir, stdout=subprocess.PIPE, stderr=log, text=True
            )
        ready = self._read_ready_line()
        self.port = ready["port"]
        self.origin = ready["origin"]
        self.actors = {a["name"]: PeerActor(a["name"], a["id"], a["handle"]) for a in ready["actors"]}
        return self

    def _read_ready_line(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if readable:
                line = self.process.stdout.readline()
                if line:
                    message = json.loads(line)
                    if message.get("event") == "ready":
                        return message
            if self.process.poll() is not None:
                break
        self.stop()
        raise PeerUnavailable(f"the peer did not become ready:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def actor(self, name: str) -> PeerActor:
        return self.actors[name]

    @property
    def control(self) -> PeerControl:
        return PeerControl(self.origin)

    def __enter__(self) -> FedifyPeer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class PeerControl:
    """Async client of the peer's /_control/ API; every method returns the JSON answer."""

    def __init__(self, origin: str, *, timeout: float = 30.0):
        self.base = f"{origin}/_control/"
        self.timeout = timeout

    async def _call(self, method: str, name: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.request(method, self.base + name, **kwargs)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else response.text
        if response.status_code != 200:
            raise PeerControlError(response.status_code, body)
        return body

    async def _post(self, name: str, **fields: Any) -> Any:
        return await self._call("POST", name, json={k: v for k, v in fields.items() if v is not None})

    async def health(self) -> dict[str, Any]:
        return await self._call("GET", "health")

    async def lookup(self, target: str) -> dict[str, Any]:
        return await self._post("lookup", target=target)

    async def fetch(self, url: str, actor: str | None = None) -> dict[str, Any]:
        """Any document as the peer reads it (Fedify's document loader), signed by ``actor`` if given."""
        return await self._post("fetch", url=url, actor=actor)

    async def follow(self, actor: str, target: str) -> dict[str, Any]:
        return await self._post("follow", actor=actor, target=target)

    async def unfollow(self, actor: str, target: str) -> dict[str, Any]:
        return await self._post("unfollow", actor=actor, target=target)

    async def post(
        self,
        actor: str,
        content: str,
        *,
        mentions: Iterable[str] = (),
        in_reply_to: str | None = None,
        public: bool = True,
        to_followers: bool = True,
        prefer_shared_inbox: bool = False,
        summary: str | None = None,
        sensitive: bool | None = None,
        quote: str | None = None,
        quote_url_only: bool | None = None,
        quote_authorization: str | None = None,
        can_quote: Iterable[str] | None = None,
        deliver: bool | None = None,
        signed: bool | None = None,
    ) -> dict[str, Any]:
        """A Note by ``actor``; ``deliver=False`` keeps it on the peer (a post we never saw),
        ``signed=True`` returns the Create with the actor's integrity proof as ``signed_create``,
        ``quote`` quotes a post (``quote_url_only``: the older quoteUrl alone), ``can_quote``
        publishes who may quote it ("public" or actor ids)."""
        return await self._post(
            "post", actor=actor, content=content, mentions=list(mentions),
            in_reply_to=in_reply_to, public=public, to_followers=to_followers,
            prefer_shared_inbox=prefer_shared_inbox, summary=summary, sensitive=sensitive,
            quote=quote, quote_url_only=quote_url_only, quote_authorization=quote_authorization,
            can_quote=list(can_quote) if can_quote is not None else None, deliver=deliver, signed=signed,
        )

    async def settings(self, actor: str, **settings: Any) -> dict[str, Any]:
        """follow_policy, quote_policy ("accept"/"reject"), hide_followers, aliases (actor ids)."""
        return await self._post("settings", actor=actor, **settings)

    async def quote_request(self, actor: str, note: str, quoted: str) -> dict[str, Any]:
        return await self._post("quote_request", actor=actor, note=note, quoted=quoted)

    async def note(self, actor: str, note: str) -> dict[str, Any]:
        """What the peer knows of its own note's quote: quote_state, quote_authorization."""
        return await self._call("GET", "note", params={"actor": actor, "note": note})

    async def move(self, actor: str, target: str) -> dict[str, Any]:
        return await self._post("move", actor=actor, target=target)

    async def flag(self, actor: str, target: str, objects: list[str] = (), content: str | None = None) -> dict[str, Any]:
        """``actor`` reports ``target`` (and ``objects``) to its server with a Flag."""
        return await self._post("flag", actor=actor, target=target, objects=list(objects), content=content)

    async def forward(self, actor: str, activity: dict[str, Any], inbox: str) -> dict[str, Any]:
        """POST someone else's activity to ``inbox``, HTTP-signed by ``actor``."""
        return await self._post("forward", actor=actor, activity=activity, inbox=inbox)

    async def update(self, actor: str, note: str, content: str) -> dict[str, Any]:
        return await self._post("update", actor=actor, note=note, content=content)

    async def delete(self, actor: str, note: str) -> dict[str, Any]:
        return await self._post("delete", actor=actor, note=note)

    async def like(self, actor: str, object_id: str) -> dict[str, Any]:
        return await self._post("like", actor=actor, object=object_id)

    async def announce(self, actor: str, object_id: str) -> dict[str, Any]:
        return await self._post("announce", actor=actor, object=object_id)

    async def undo(self, actor: str, activity_id: str) -> dict[str, Any]:
        return await self._post("undo", actor=actor, activity=activity_id)

    async def set_follow_policy(self, actor: str, policy: str) -> dict[str, Any]:
        return await self.settings(actor, follow_policy=policy)

    async def inbox(
        self, type: str | None = None, *, actor: str | None = None, recipient: str | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"type": type, "actor": actor, "recipient": recipient}.items() if v}
        return (await self._call("GET", "inbox", params=params))["activities"]

    async def rejected(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "rejected"))["activities"]

    async def failed_deliveries(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "failures"))["deliveries"]

    async def following(self, actor: str) -> list[dict[str, Any]]:
        return (await self._call("GET", "following", params={"actor": actor}))["following"]

    async def followers(self, actor: str) -> list[dict[str, Any]]:
        return (await self._call("GET", "followers", params={"actor": actor}))["followers"]

    async def reset(self) -> None:
        await self._post("reset")

    async def wait_for(
        self,
        type: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
        *,
        timeout: float = 10.0,
        interval: float = 0.05,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """The first received activity of `type` (and sender `actor`) matching `predicate`."""

        async def matching() -> dict[str, Any] | None:
            return next((a for a in await self.inbox(type, actor=actor) if predicate(a)), None)

        try:
            return await wait_until(matching, timeout=timeout, interval=interval)
        except TimeoutError:
            seen = [(a["type"], a["id"]) for a in await self.inbox()]
            raise AssertionError(f"no matching {type} arrived within {timeout}s; received: {seen}") from None


async def wait_until(
    check: Callable[[], Any | Awaitable[Any]], *, timeout: float = 10.0, interval: float = 0.05
) -> Any:
    """Poll `check` (plain or async) until it returns something truthy and return that,
    or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)

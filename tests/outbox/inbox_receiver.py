"""Real inboxes of pretend remote servers, on 127.0.0.1, for the delivery tests.

Each `InboxReceiver` serves ``/inbox`` over real HTTP, checks every request's HTTP
Signature with `federation.signatures.verify_request` against the public keys it was
given, answers as it is told (a list of statuses to answer first, the signature
generations it understands, a pause per request, or a gate to wait for), and records every arrival and how
many copies of the same (activity, inbox) were in flight at once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field

from federation.keys import ResolvedKey, load_public_key_pem
from federation.signatures import Generation, SignatureError, verify_request
from tests.federation.loopback_server import LoopbackServer, ReceivedRequest, Reply


@dataclass
class Arrival:
    activity_id: str | None
    activity_type: str | None
    generation: Generation | None
    signer: str | None
    status: int


@dataclass
class InboxReceiver:
    keys: dict[str, ResolvedKey] = field(default_factory=dict)
    # Answers for the first correctly signed requests, in order; afterwards `then`.
    script: list[int] = field(default_factory=list)
    then: int = 202
    understands: frozenset[Generation] = frozenset(Generation)
    pause_seconds: float = 0.0
    # When set, every request waits for it before being answered.
    gate: asyncio.Event | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    in_flight: Counter = field(default_factory=Counter)
    most_in_flight: Counter = field(default_factory=Counter)

    def trust(self, key_id: str, owner: str, public_key_pem: str) -> None:
        self.keys[key_id] = ResolvedKey(key_id=key_id, owner=owner, public_key=load_public_key_pem(public_key_pem))

    async def __aenter__(self) -> InboxReceiver:
        self._server = LoopbackServer({"/inbox": self._handle})
        await self._server.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._server.__aexit__(*exc_info)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.port}"

    @property
    def inbox(self) -> str:
        return f"http://{self.host}/inbox"

    def accepted(self) -> list[Arrival]:
        return [a for a in self.arrivals if 200 <= a.status < 300]

    def accepted_ids(self) -> list[str | None]:
        return [a.activity_id for a in self.accepted()]

    async def _resolve(self, key_id: str) -> ResolvedKey | None:
        return self.keys.get(key_id)

    async def _handle(self, request: ReceivedRequest) -> Reply:
        try:
            activity = json.loads(request.body)
        except ValueError:
            activity = {}
        activity_id = activity.get("id") if isinstance(activity, dict) else None
        self.in_flight[activity_id] += 1
        self.most_in_flight[activity_id] = max(self.most_in_flight[activity_id], self.in_flight[activity_id])
        try:
            if self.pause_seconds:
                await asyncio.sleep(self.pause_seconds)
            if self.gate is not None:
                await self.gate.wait()
            generation = Generation.RFC9421 if "signature-input" in request.headers else Generation.CAVAGE
            signer = None
            if generation not in self.understands:
                status = 401
            else:
                try:
                    verified = await verify_request(
                        request.method, f"http://{self.host}{request.target}", request.headers, request.body,
                        resolve_key=self._resolve,
                    )
                except SignatureError:
                    status = 401
                else:
                    signer = verified.owner
                    status = self.script.pop(0) if self.script else self.then
            self.arrivals.append(Arrival(activity_id, activity.get("type"), generation, signer, status))
            return Reply(status, body=b"{}" if status < 300 else b"no")
        finally:
            self.in_flight[activity_id] -= 1

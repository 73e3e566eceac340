"""The fast lane: the hottest anonymous reads answered again from the bytes the app sent.

WebFinger, a local actor's ActivityPub document and a public page for an anonymous
visitor are the reads a viral artist multiplies by thousands. Each is already served
from a cache (``actor_documents.DocumentCache``, ``web.page_cache.PageCache``), but the
request still goes through Quart's routing, hooks and response objects. This ASGI layer
in front of Quart keeps the whole answer (status, every header the app and its hooks set,
the body) of such a request as it went out, and answers the next identical request with it directly,
for as long as the cache entry it came from is still the current one.

What keeps it honest:

- Only a route decides that an answer may be replayed, by calling ``replayable_while``
  with a test of its own cache ("is this still the entry I answered from?"). The lane
  asks that test on every replay, so an account saved, a post published or an entry
  expired ends the replay exactly when it ends the cache entry: the lane adds no
  staleness of its own.
- The answer is replayed with the headers the app produced for it: the do-not-train
  signals, ``Vary``, ``Cache-Control``, ``ETag``, CORS. Answers that set a cookie, are not
  200 or are larger than ``MAX_BODY_BYTES`` are never kept.
- Only requests the answer cannot depend on take the lane: GET, with no credentials
  (``Authorization``, an HTTP Signature, a session cookie), no ``If-None-Match`` (the app
  answers 304 itself), and a ``User-Agent`` the crawler guard does not refuse. Everything
  else, and every miss, goes on to the app unchanged. The key is the host, path, query
  and whether ActivityPub JSON or a page was asked for.
- A replayed request is logged like any other (``fediserver.request``), marked
  ``fast_lane``.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from re import Pattern
from typing import Any

from quart import request

from fediserver.host_header import Asgi
from fediserver.routes.negotiation import wants_activity_json

log = logging.getLogger("fediserver.request")

SCOPE_KEY = "fediserver.fast_lane"
# Requests carrying one of these are answered by the app: the answer may depend on them.
_PERSONAL_HEADERS = frozenset({b"authorization", b"signature", b"signature-input", b"if-none-match"})
# The largest answer kept (pages with many works are some tens of kilobytes).
MAX_BODY_BYTES = 512 * 1024


@dataclass
class _Offer:
    """Where a route leaves its test of freshness for the answer it is sending."""

    still_current: Callable[[], bool] | None = None


@dataclass(frozen=True)
class _Answer:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    still_current: Callable[[], bool]


def replayable_while(still_current: Callable[[], bool]) -> None:
    """Let the fast lane replay the answer of the current request while ``still_current()``
    holds. Call it only where the answer depends on nothing but the cache entry the test
    looks at (the lane already keeps personal requests away)."""
    offer = request.scope.get(SCOPE_KEY)
    if offer is not None:
        offer.still_current = still_current


class FastLane:
    """The ASGI layer in front of the app; ``max_answers`` kept, least recently used dropped."""

    def __init__(self, app: Asgi, *, max_answers: int, session_cookie: str, crawler_pattern: Pattern[str] | None,
                 access_log: bool) -> None:
        self.app = app
        self.max_answers = max_answers
        self.session_cookie = session_cookie.encode() + b"="
        self.crawler_pattern = crawler_pattern
        self.access_log = access_log
        self._answers: OrderedDict[tuple, _Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        key = self._key(scope) if scope["type"] == "http" and self.max_answers > 0 else None
        if key is None:
            return await self.app(scope, receive, send)
        answer = self._answers.get(key)
        if answer is not None:
            if answer.still_current():
                self._answers.move_to_end(key)
                return await self._replay(scope, answer, send)
            del self._answers[key]
        await self._answer_and_keep(key, scope, receive, send)

    def _key(self, scope: dict[str, Any]) -> tuple | None:
        """What identifies the answer of an anonymous GET, or None when the lane may not take it."""
        if scope["method"] != "GET":
            return None
        host = accept = b""
        for name, value in scope["headers"]:
            name = name.lower()
            if name in _PERSONAL_HEADERS:
                return None
            if name == b"host":
                host = value
            elif name == b"accept":
                accept = value
            elif name == b"cookie" and self.session_cookie in value:
                return None
            elif name == b"user-agent" and self.crawler_pattern is not None \
                    and self.crawler_pattern.search(value.decode("latin-1")):
                return None  # the crawler guard answers it
        wants_json = wants_activity_json(accept.decode("latin-1"))
        return host, scope["path"], scope["query_string"], wants_json

    async def _answer_and_keep(self, key: tuple, scope: dict[str, Any], receive, send) -> None:
        offer = _Offer()
        scope = {**scope, SCOPE_KEY: offer}
        headers: list[tuple[bytes, bytes]] | None = None
        parts: list[bytes] = []
        size = 0
        complete = False

        async def watching_send(message: dict) -> None:
            nonlocal headers, size, complete
            if message["type"] == "http.response.start":
                if message["status"] == 200 and not any(
                        name.lower() == b"set-cookie" for name, _ in message.get("headers", ())):
                    headers = list(message.get("headers", ()))
            elif message["type"] == "http.response.body" and headers is not None and size <= MAX_BODY_BYTES:
                body = message.get("body", b"")
                parts.append(body)
                size += len(body)
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, watching_send)
        if complete and size <= MAX_BODY_BYTES and offer.still_current is not None:
            # The app sends a cached body as one part: kept as the same bytes the cache
            # holds, so a replayed page or document costs no second copy.
            body = next((part for part in parts if part), b"") if sum(1 for part in parts if part) == 1 \
                else b"".join(parts)
            self._answers[key] = _Answer(headers, body, offer.still_current)
            while len(self._answers) > self.max_answers:
                self._answers.popitem(last=False)

    async def _replay(self, scope: dict[str, Any], answer: _Answer, send) -> None:
        started = time.perf_counter()
        await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})
        if self.access_log:
            path = scope["path"]
            remote = (scope.get("client") or (None,))[0]
            log.info("GET %s 200", path, extra={"fields": {
                "method": "GET", "path": path, "status": 200, "remote": remote, "fast_lane": True,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)}})

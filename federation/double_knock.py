"""Signed delivery that finds out which signature generation each server accepts.

"Double-knocking", as Fedify does it: sign with RFC 9421 first; when the answer is
400, 401, or any status above 401 except 404 and 410, sign again with draft-cavage and
retry once. The generation that worked is remembered per origin and knocked with
first next time. `export()` and `load()` let the server persist that memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from federation.keys import PrivateKey
from federation.signatures import Generation, sign_request

__all__ = ["DoubleKnockSigner", "SendFunction", "calls_for_other_generation"]

# (method, url, headers, body) -> a response: an object with `status_code`
# (e.g. `httpx.Response`) or a tuple whose first element is the status.
SendFunction = Callable[[str, str, dict[str, str], bytes | None], Awaitable[Any]]

_SIGNATURE_HEADERS = {"signature", "signature-input", "digest", "content-digest", "date"}


def calls_for_other_generation(status: int) -> bool:
    """Whether a status suggests the signature was not understood."""
    return status in (400, 401) or (status > 401 and status not in (404, 410))


def _status(response: Any) -> int:
    status = getattr(response, "status_code", None)
    return int(status if status is not None else response[0])


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class DoubleKnockSigner:
    """Signs and sends requests as one actor, remembering what each origin accepts."""

    def __init__(
        self,
        send: SendFunction,
        *,
        key_id: str,
        private_key: PrivateKey,
        first_knock: Generation = Generation.RFC9421,
    ) -> None:
        self._send = send
        self._key_id = key_id
        self._private_key = private_key
        self._first_knock = Generation(first_knock)
        self._accepted: dict[str, Generation] = {}

    def preferred_generation(self, url: str) -> Generation:
        return self._accepted.get(origin_of(url), self._first_knock)

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Any:
        """Sign and send; knock a second time with the other generation if needed.

        Returns the last response. Exceptions of `send` (network errors) propagate.
        """
        first = self.preferred_generation(url)
        response = await self._signed_send(first, method, url, headers, body)
        if not calls_for_other_generation(_status(response)):
            self._accepted[origin_of(url)] = first
            return response
        second = Generation.CAVAGE if first == Generation.RFC9421 else Generation.RFC9421
        retry = await self._signed_send(second, method, url, headers, body)
        if not calls_for_other_generation(_status(retry)):
            self._accepted[origin_of(url)] = second
        return retry

    async def _signed_send(
        self,
        generation: Generation,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
    ) -> Any:
        unsigned = {
            name: value
            for name, value in (headers or {}).items()
            if name.lower() not in _SIGNATURE_HEADERS
        }
        signed = unsigned | sign_request(
            method,
            url,
            unsigned,
            body,
            key_id=self._key_id,
            private_key=self._private_key,
            generation=generation,
        )
        return await self._send(method, url, signed, body)

    def export(self) -> dict[str, str]:
        """Origin -> generation that worked, for the server to store."""
        return {origin: generation.value for origin, generation in self._accepted.items()}

    def load(self, accepted: Mapping[str, str]) -> None:
        """Restore a map made by `export()`; unknown generation names are skipped."""
        for origin, name in accepted.items():
            try:
                self._accepted[origin_of(origin)] = Generation(name)
            except ValueError:
                continue

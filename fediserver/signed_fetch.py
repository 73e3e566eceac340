"""GETs signed by the instance actor, for servers that answer only signed requests.

GoToSocial, and Mastodon in secure mode, refuse unsigned fetches of their actors and
objects. Every remote fetch of this server goes through ``SignedFetcher.get``: the
instance actor signs it (RFC 9421 first, draft-cavage when refused, remembered per
origin by ``DoubleKnockSigner``) and ``SafeHttpClient`` sends it.
"""

from __future__ import annotations

import asyncio

from federation.double_knock import DoubleKnockSigner
from federation.http_client import FetchResponse, SafeHttpClient
from federation.keys import load_private_key_pem
from fediserver.instance_actor import ensure_instance_actor
from fediserver.urls import InstanceUrls


class SignedFetcher:
    def __init__(self, http: SafeHttpClient, urls: InstanceUrls, *, instance_name: str = "") -> None:
        self._http = http
        self._urls = urls
        self._instance_name = instance_name
        self._signer: DoubleKnockSigner | None = None
        self._lock = asyncio.Lock()

    async def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None):
        response = await self._http.get(url, headers=headers)
        return response.status, response

    async def signer(self) -> DoubleKnockSigner:
        """The instance actor's signer, its key loaded (and the actor created) on first use."""
        if self._signer is None:
            async with self._lock:
                if self._signer is None:
                    actor = await ensure_instance_actor(self._urls, instance_name=self._instance_name)
                    self._signer = DoubleKnockSigner(
                        self._send,
                        key_id=actor.public_key_id,
                        private_key=load_private_key_pem(actor.private_key_pem),
                    )
        return self._signer

    async def get(self, url: str) -> FetchResponse:
        """Signed GET of ``url`` (ActivityStreams JSON accepted); raises FetchError / UnsafeURLError."""
        signer = await self.signer()
        _status, response = await signer.request("GET", url)
        return response

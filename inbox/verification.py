"""Checking who signed a request that reached us: one verifier for inbox POSTs and signed GETs.

The signer signed the URL it sent the request to. Behind a reverse proxy the request
we see may carry another scheme or host, so the URL is rebuilt from the instance's
public base URL and the raw path and query exactly as they arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from federation.keys import CachingKeyResolver
from federation.signatures import SignaturePolicy, VerifiedSignature, verify_request
from federation.signatures.common import HeaderInput


def request_target(scope: Mapping[str, Any]) -> str:
    """The raw path and query of an ASGI request, as the client sent them."""
    raw_path = scope.get("raw_path") or scope.get("path", "/").encode()
    target = raw_path.decode("latin-1")
    query = scope.get("query_string") or b""
    return f"{target}?{query.decode('latin-1')}" if query else target


@dataclass(frozen=True)
class RequestVerifier:
    base_url: str  # scheme://domain of this instance, as senders address it
    keys: CachingKeyResolver
    policy: SignaturePolicy

    def signed_url(self, scope: Mapping[str, Any]) -> str:
        return self.base_url + request_target(scope)

    async def verify(
        self, method: str, scope: Mapping[str, Any], headers: HeaderInput, body: bytes | None
    ) -> VerifiedSignature:
        """Who signed this request; raises ``SignatureError`` with the reason otherwise."""
        return await verify_request(
            method,
            self.signed_url(scope),
            headers,
            body,
            resolve_key=self.keys.resolve,
            refresh_key=self.keys.refresh,
            cached_key=self.keys.cached,
            policy=self.policy,
        )

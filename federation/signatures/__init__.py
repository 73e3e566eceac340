"""HTTP signatures of both generations behind one verify and one sign call.

The inbox calls `verify_request`; it picks RFC 9421 when `Signature-Input` is present
and draft-cavage otherwise, checks digest, age and coverage, resolves the key (with one
refresh when a cached key no longer verifies) and returns who signed. Everything it
refuses raises `SignatureError` with a `reason`.

One signature is verified per request, whatever a sender puts in `Signature-Input`:
the first whose key is held already (`cached_key`), else the first that passes the
checks needing no key. So a request costs at most one key fetch: the unknown key, or
the refresh of a held key that failed (a rotated key).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from federation.keys import KeyUnavailable, PrivateKey, ResolvedKey, verify_with_key_refresh
from federation.signatures import cavage, rfc9421
from federation.signatures.common import (
    Generation,
    HeaderInput,
    Reason,
    SignatureError,
    SignaturePolicy,
    VerifiedSignature,
    collect_headers,
)

__all__ = [
    "Generation",
    "Reason",
    "SignatureError",
    "SignaturePolicy",
    "VerifiedSignature",
    "KeyResolver",
    "verify_request",
    "sign_request",
]

KeyResolver = Callable[[str], Awaitable[ResolvedKey | None]]
_DEFAULT_POLICY = SignaturePolicy()


def _timestamp(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    return now.timestamp() if isinstance(now, datetime) else float(now)


async def verify_request(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes | None,
    *,
    resolve_key: KeyResolver,
    refresh_key: KeyResolver | None = None,
    cached_key: KeyResolver | None = None,
    now: float | datetime | None = None,
    policy: SignaturePolicy = _DEFAULT_POLICY,
) -> VerifiedSignature:
    """Verify a signed request; `url` is the full URL it was sent to.

    `resolve_key(key_id)` returns a `ResolvedKey` (None, or raising `KeyUnavailable`,
    means unknown). `cached_key(key_id)` returns the key only if it is held without
    fetching: it picks the signature to verify, and only such a held key is refreshed
    with `refresh_key` when the signature fails with it (the sender may have rotated its
    key). Without `cached_key`, the first signature is verified and a failing key is
    refreshed whatever its source.
    """
    collected = collect_headers(headers)
    moment = _timestamp(now)
    if "signature-input" in collected:
        generation = Generation.RFC9421
        message = rfc9421.HttpMessage(method, url, collected)
        candidates = rfc9421.prepare_signatures(message, body, now=moment, policy=policy)
    else:
        generation = Generation.CAVAGE
        candidates = [cavage.prepare_signature(method, url, collected, body, now=moment, policy=policy)]
    candidate, known = candidates[0], None
    if cached_key is not None:
        for prepared in candidates:
            known = await cached_key(prepared.key_id)
            if known is not None:
                candidate = prepared
                break
    try:
        key = await verify_with_key_refresh(
            candidate.key_id, candidate.check, resolve_key, refresh_key,
            known=known, refresh_resolved=cached_key is None,
        )
    except KeyUnavailable as error:
        raise SignatureError(Reason.UNKNOWN_KEY, str(error)) from None
    if key is None:
        raise SignatureError(Reason.BAD_SIGNATURE, f"does not verify with key {candidate.key_id}")
    return VerifiedSignature(
        key_id=candidate.key_id,
        owner=key.owner,
        generation=generation,
        algorithm=candidate.algorithm_for(key),
        covered=candidate.covered,
    )


def sign_request(
    method: str,
    url: str,
    headers: HeaderInput,
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    generation: Generation,
    now: float | datetime | None = None,
) -> dict[str, str]:
    """The headers to add to sign an outgoing request in the given generation."""
    moment = _timestamp(now)
    if generation == Generation.RFC9421:
        return rfc9421.sign_rfc9421(
            method, url, headers, body, key_id=key_id, private_key=private_key, created=int(moment)
        )
    return cavage.sign_cavage(
        method, url, headers, body, key_id=key_id, private_key=private_key, now=moment
    )

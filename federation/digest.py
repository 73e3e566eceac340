"""Body digests for signed requests: make them and check them.

Two header generations travel in the fediverse:
- `Digest: SHA-256=<base64>` (RFC 3230, used with draft-cavage signatures);
- `Content-Digest: sha-256=:<base64>:` (RFC 9530, used with RFC 9421 signatures).
We send SHA-256 in both and accept SHA-256 or SHA-512 when checking. A header that
names only algorithms we do not know, or whose value does not match, is refused with
`DigestError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from federation.structured_fields import Item, StructuredFieldError, parse_dictionary

__all__ = [
    "DigestError",
    "make_digest_header",
    "make_content_digest_header",
    "check_digest_header",
    "check_content_digest_header",
]

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


class DigestError(ValueError):
    """A Digest or Content-Digest header is malformed or does not match the body."""


def make_digest_header(body: bytes) -> str:
    """The value of a `Digest` header for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def make_content_digest_header(body: bytes, algorithm: str = "sha-256") -> str:
    """The value of a `Content-Digest` header for `body`, e.g. `sha-256=:<base64>:`."""
    digest = _HASHES[algorithm](body).digest()
    return f"{algorithm}=:{base64.b64encode(digest).decode('ascii')}:"


def check_digest_header(value: str, body: bytes) -> None:
    """Check an RFC 3230 `Digest` value such as `SHA-256=...` (several may be listed)."""
    checked = False
    for part in value.split(","):
        algorithm, sep, encoded = part.strip().partition("=")
        if not sep:
            raise DigestError(f"Digest entry without '=': {part.strip()[:40]!r}")
        hash_function = _HASHES.get(algorithm.strip().lower())
        if hash_function is None:
            continue
        try:
            claimed = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise DigestError(f"Digest {algorithm} is not valid base64") from None
        if not hmac.compare_digest(claimed, hash_function(body).digest()):
            raise DigestError(f"Digest {algorithm} does not match the body")
        checked = True
    if not checked:
        raise DigestError("Digest names no supported algorithm (SHA-256 or SHA-512)")


def check_content_digest_header(value: str, body: bytes) -> None:
    """Check an RFC 9530 `Content-Digest` value such as `sha-256=:...:`."""
    try:
        members = parse_dictionary(value)
    except StructuredFieldError as error:
        raise DigestError(f"Content-Digest is not a structured dictionary: {error}") from None
    checked = False
    for algorithm, member in members.items():
        hash_function = _HASHES.get(algorithm)
        if hash_function is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise DigestError(f"Content-Digest {algorithm} is not a byte sequence")
        if not hmac.compare_digest(member.value, hash_function(body).digest()):
            raise DigestError(f"Content-Digest {algorithm} does not match the body")
        checked = True
    if not checked:
        raise DigestError("Content-Digest names no supported algorithm (sha-256 or sha-512)")

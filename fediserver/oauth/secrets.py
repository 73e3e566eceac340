"""Random secrets handed out once, and the digests that are all the database keeps of them."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    """43 URL-safe characters (256 random bits): tokens, codes, client secrets, session ids."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)

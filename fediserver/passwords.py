"""Password hashing: argon2id (through pwdlib) for every new hash; the scrypt hashes an
earlier version stored are still checked, and replaced by argon2id at the next successful
sign-in (``verify_and_update``)."""

from __future__ import annotations

import hashlib
import hmac

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_PASSWORD_LENGTH = 10
LEGACY_SCRYPT_PREFIX = "scrypt$"


class LegacyScryptHasher:
    """Checks ``scrypt$N$r$p$salt$digest`` hashes (hex); never makes new ones."""

    @classmethod
    def identify(cls, hash: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        return text.startswith(LEGACY_SCRYPT_PREFIX)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        raise NotImplementedError("scrypt hashes are only verified; new hashes are argon2id")

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        secret = password.encode() if isinstance(password, str) else password
        try:
            _scheme, n, r, p, salt, expected = text.split("$")
            candidate = hashlib.scrypt(
                secret, salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), maxmem=256 * 1024 * 1024
            )
        except ValueError:
            return False
        return hmac.compare_digest(candidate.hex(), expected)

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return True


_HASHER = PasswordHash((Argon2Hasher(), LegacyScryptHasher()))
# Checked against when the account does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("no account has this password")


class PasswordError(ValueError):
    """A password that cannot be used, phrased for the person choosing it."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored``, and the hash to store instead when the
    stored one is of an older kind or weaker parameters (None: keep it)."""
    if not stored:
        _HASHER.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _HASHER.verify_and_update(password, stored)
    except (PwdlibError, ValueError):  # an unrecognised or damaged hash never matches
        return False, None

"""Local artists' accounts: creating them (with their signing keys), passwords, API tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from tortoise.exceptions import IntegrityError

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem, public_key_pem
from fediserver.clock import utcnow
from fediserver.models import Account, ApiToken
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.urls import InstanceUrls

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
# Paths and names that would be confusing or collide with the instance's own routes.
RESERVED_USERNAMES = frozenset({"actor", "admin", "administrator", "inbox", "instance", "root", "support", "api", "media"})
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, phrased for the admin."""


def validate_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise AccountError(f"username {username!r}: use 1 to 30 lowercase letters, digits or underscores")
    if username in RESERVED_USERNAMES:
        raise AccountError(f"username {username!r} is reserved")
    return username


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def generate_key_pair() -> tuple[str, str]:
    """A new RSA-2048 key pair as (private PEM, public PEM): what Mastodon-compatible peers verify."""
    private_pem = generate_rsa_private_key_pem()
    return private_pem, public_key_pem(load_private_key_pem(private_pem))


async def create_local_account(
    urls: InstanceUrls,
    username: str,
    *,
    password: str | None = None,
    display_name: str = "",
    is_admin: bool = False,
) -> Account:
    validate_username(username)
    password_hash = hash_password(password) if password is not None else None
    private_pem, public_pem = generate_key_pair()
    try:
        return await Account.create(
            username=username,
            domain=LOCAL_DOMAIN,
            uri=urls.actor(username),
            url=urls.profile(username),
            inbox_url=urls.inbox(username),
            shared_inbox_url=urls.shared_inbox,
            outbox_url=urls.outbox(username),
            followers_url=urls.followers(username),
            following_url=urls.following(username),
            featured_url=urls.featured(username),
            display_name=display_name or username,
            public_key_id=urls.key_id(username),
            public_key_pem=public_pem,
            private_key_pem=private_pem,
            password_hash=password_hash,
            is_admin=is_admin,
        )
    except IntegrityError:
        raise AccountError(f"an account named {username!r} already exists") from None


async def get_local_account(username: str) -> Account:
    account = await Account.get_or_none(username=username, domain=LOCAL_DOMAIN)
    if account is None:
        raise AccountError(f"no local account named {username!r}")
    return account


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(username: str, name: str = "cli") -> str:
    """Make a bearer token for the client API; only its digest is kept, so show it once."""
    account = await get_local_account(username)
    token = secrets.token_urlsafe(32)
    await ApiToken.create(account=account, name=name, token_digest=_token_digest(token))
    return token


async def account_for_token(token: str) -> Account | None:
    api_token = await ApiToken.get_or_none(token_digest=_token_digest(token), revoked_at=None).select_related(
        "account"
    )
    if api_token is None or api_token.account.suspended:
        return None
    api_token.last_used_at = utcnow()
    await api_token.save(update_fields=["last_used_at"])
    return api_token.account

"""Local artists' accounts: creating them (with their signing keys), checking their
passwords, and bearer tokens made on the command line."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from tortoise.exceptions import IntegrityError

from federation.keys import generate_rsa_private_key_pem, load_private_key_pem, public_key_pem
from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.oauth.scopes import parse_scopes
from fediserver.oauth.tokens import issue_token
from fediserver.passwords import PasswordError, hash_password, verify_password
from fediserver.urls import InstanceUrls

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
# Paths and names that would be confusing or collide with the instance's own routes.
RESERVED_USERNAMES = frozenset({"actor", "admin", "administrator", "inbox", "instance", "root", "support", "api", "media"})


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, phrased for the admin."""


def validate_username(username: str) -> str:
    if not USERNAME_RE.match(username):
        raise AccountError(f"username {username!r}: use 1 to 30 lowercase letters, digits or underscores")
    if username in RESERVED_USERNAMES:
        raise AccountError(f"username {username!r} is reserved")
    return username


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
    try:
        password_hash = await asyncio.to_thread(hash_password, password) if password is not None else None
    except PasswordError as error:
        raise AccountError(str(error)) from None
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


async def authenticate(username: str, password: str) -> Account | None:
    """The local account if ``password`` is its password; None otherwise (unknown name,
    wrong password, suspended or password-less account). A hash of an older kind is
    replaced by argon2id on the way."""
    account = await Account.get_or_none(username=username.strip().lower(), domain=LOCAL_DOMAIN)
    stored = account.password_hash if account is not None else None
    valid, upgraded = await asyncio.to_thread(verify_password, password, stored)
    if not valid or account is None or account.suspended:
        return None
    if upgraded is not None:
        await Account.filter(id=account.pk, password_hash=stored).update(password_hash=upgraded)
        account.password_hash = upgraded
    return account


async def create_api_token(username: str, name: str = "cli", scopes: str | Sequence[str] | None = None) -> str:
    """Make a bearer token for the client API (default scopes ``read write follow``; the
    ``admin:*`` scopes only for an admin); only its digest is kept, so show it once."""
    account = await get_local_account(username)
    granted = parse_scopes(scopes, default=("read", "write", "follow"))
    if not account.is_admin and any(scope.startswith("admin:") for scope in granted):
        raise AccountError(f"@{username} is not an admin: admin:* scopes are for admins' tokens only")
    token, _row = await issue_token(account=account, app=None, scopes=granted, name=name)
    return token

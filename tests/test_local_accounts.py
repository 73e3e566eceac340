"""Local accounts: keys that sign, passwords that check, tokens that open the client API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation.keys import load_private_key_pem, load_public_key_pem
from fediserver.local_accounts import AccountError, authenticate, create_api_token, create_local_account
from fediserver.models import Account, ApiToken
from fediserver.clock import utcnow
from fediserver.oauth.tokens import token_for
from fediserver.passwords import hash_password, verify_password
from fediserver.urls import InstanceUrls

URLS = InstanceUrls("https://art.example")

# Made by the scrypt hashing this server used before argon2id, for the password
# "correct horse battery": what an instance upgraded from that version has stored.
OLD_SCRYPT_HASH = (
    "scrypt$16384$8$1$9e9661eccf0c55434889fb09c361d4f6$6dc2e88c18aaab4c5a12649c0add7faea4a277dbe9cfb79a9e459b311a0d5b2"
    "c6aae23db912bf26a2701ff55c353e3adbc0f4c15b4654c9a3885149bf755ba19"
)


def test_passwords_are_argon2id_salted_and_checked():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password("correct horse battery", stored) == (True, None)
    assert verify_password("correct horse batterY", stored) == (False, None)
    assert hash_password("correct horse battery") != stored
    assert verify_password("anything", None) == (False, None)
    assert verify_password("anything", "md5$abc") == (False, None)
    assert verify_password("anything", "$argon2id$v=19$m=65536,t=3,p=4$broken") == (False, None)


def test_an_old_scrypt_hash_still_checks_and_asks_to_be_replaced():
    valid, replacement = verify_password("correct horse battery", OLD_SCRYPT_HASH)
    assert valid and replacement.startswith("$argon2id$")
    assert verify_password("correct horse battery", replacement) == (True, None)
    assert verify_password("wrong horse battery", OLD_SCRYPT_HASH) == (False, None)


async def test_signing_in_upgrades_an_old_scrypt_hash_to_argon2id(db):
    ada = await create_local_account(URLS, "ada")
    await Account.filter(id=ada.pk).update(password_hash=OLD_SCRYPT_HASH)
    assert await authenticate("ada", "wrong horse battery") is None
    assert (await Account.get(id=ada.pk)).password_hash == OLD_SCRYPT_HASH
    assert (await authenticate("Ada", "correct horse battery")).pk == ada.pk
    upgraded = (await Account.get(id=ada.pk)).password_hash
    assert upgraded.startswith("$argon2id$")
    assert (await authenticate("ada", "correct horse battery")).pk == ada.pk
    assert (await Account.get(id=ada.pk)).password_hash == upgraded


async def test_no_sign_in_without_a_password_or_for_a_suspended_account(db):
    await create_local_account(URLS, "ada")
    await create_local_account(URLS, "bea", password="a long enough secret")
    assert await authenticate("ada", "") is None and await authenticate("ada", "anything at all") is None
    assert await authenticate("nobody", "a long enough secret") is None
    await Account.filter(username="bea").update(suspended=True)
    assert await authenticate("bea", "a long enough secret") is None


async def test_a_new_artist_gets_a_working_key_pair_and_her_urls(db):
    ada = await create_local_account(URLS, "ada", password="a long enough secret")
    assert ada.uri == "https://art.example/users/ada"
    assert ada.public_key_id == "https://art.example/users/ada#main-key"
    assert ada.shared_inbox_url == "https://art.example/inbox"
    assert ada.password_hash.startswith("$argon2id$")
    private = load_private_key_pem(ada.private_key_pem)
    public = load_public_key_pem(ada.public_key_pem)
    assert private.public_key().public_numbers() == public.public_numbers()
    assert private.key_size == 2048
    assert not ada.discoverable and not ada.indexable


@pytest.mark.parametrize("name", ["actor", "Ada", "a" * 31, "ada lovelace", ""])
async def test_unusable_names_are_refused(db, name):
    with pytest.raises(AccountError):
        await create_local_account(URLS, name)


async def test_a_short_password_is_refused(db):
    with pytest.raises(AccountError, match="too short"):
        await create_local_account(URLS, "ada", password="short")
    assert not await Account.filter(username="ada").exists()


async def test_tokens_open_the_account_until_revoked(db):
    ada = await create_local_account(URLS, "ada")
    token = await create_api_token("ada")
    assert (await token_for(token)).account.pk == ada.pk
    assert await token_for(token + "x") is None
    stored = await ApiToken.get(account=ada)
    assert token not in stored.token_digest and stored.last_used_at is not None
    assert stored.scopes == "read write follow"
    stored.revoked_at = utcnow()
    await stored.save()
    assert await token_for(token) is None


async def test_tokens_can_be_made_with_narrower_scopes(db):
    await create_local_account(URLS, "ada")
    token = await create_api_token("ada", "backup", scopes="read:statuses read:accounts")
    assert (await token_for(token)).scopes == "read:statuses read:accounts"


async def test_checking_a_token_writes_its_last_use_at_most_once_an_hour(db):
    await create_local_account(URLS, "ada")
    token = await create_api_token("ada")
    first = (await token_for(token)).last_used_at
    await token_for(token)
    assert (await ApiToken.get()).last_used_at == first
    an_hour_ago = utcnow() - timedelta(hours=1, seconds=1)
    await ApiToken.all().update(last_used_at=an_hour_ago)
    await token_for(token)
    assert (await ApiToken.get()).last_used_at > an_hour_ago

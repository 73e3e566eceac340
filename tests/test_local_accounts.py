"""Local accounts: keys that sign, passwords that check, tokens that open the client API."""

from __future__ import annotations

import pytest

from federation.keys import load_private_key_pem, load_public_key_pem
from fediserver.local_accounts import (
    AccountError,
    account_for_token,
    create_api_token,
    create_local_account,
    hash_password,
    verify_password,
)
from fediserver.models import ApiToken
from fediserver.urls import InstanceUrls

URLS = InstanceUrls("https://art.example")


def test_passwords_check_and_are_salted():
    stored = hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery") != stored
    assert not verify_password("anything", None) and not verify_password("anything", "md5$abc")


async def test_a_new_artist_gets_a_working_key_pair_and_her_urls(db):
    ada = await create_local_account(URLS, "ada", password="a long enough secret")
    assert ada.uri == "https://art.example/users/ada"
    assert ada.public_key_id == "https://art.example/users/ada#main-key"
    assert ada.shared_inbox_url == "https://art.example/inbox"
    private = load_private_key_pem(ada.private_key_pem)
    public = load_public_key_pem(ada.public_key_pem)
    assert private.public_key().public_numbers() == public.public_numbers()
    assert private.key_size == 2048
    assert not ada.discoverable and not ada.indexable


@pytest.mark.parametrize("name", ["actor", "Ada", "a" * 31, "ada lovelace", ""])
async def test_unusable_names_are_refused(db, name):
    with pytest.raises(AccountError):
        await create_local_account(URLS, name)


async def test_tokens_open_the_account_until_revoked(db):
    ada = await create_local_account(URLS, "ada")
    token = await create_api_token("ada")
    assert (await account_for_token(token)).pk == ada.pk
    assert await account_for_token(token + "x") is None
    stored = await ApiToken.get(account=ada)
    assert token not in stored.token_digest and stored.last_used_at is not None
    from fediserver.clock import utcnow

    stored.revoked_at = utcnow()
    await stored.save()
    assert await account_for_token(token) is None

"""Allowlist mode: only allowed servers federate (a block still wins), and GETs of our
actors must be signed even when authorized fetch is not asked for."""

from __future__ import annotations

import json

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.moderation.domain_blocks import allow_domain, block_domain, disallow_domain
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings
from tests.inbox_door import BASE


@pytest.fixture
async def allowlisted(db):
    settings = make_settings(db, federation={"allow_private_addresses": True},
                             moderation={"federation_mode": "allowlist", "allowed_domains": ["friends.example"]})
    app = create_app(settings, manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls(BASE), "alice")
    async with app.test_app():  # start-up: the config's allowlist is stored
        yield app
    await app.config["SERVICES"].aclose()


async def post_follow(app, peer, tag):
    body = json.dumps(peer.activity("Follow", tag, object=f"{BASE}/users/alice")).encode()
    return await app.test_client().post("/inbox", data=body, headers=peer.signed_headers("POST", BASE + "/inbox", body))


async def test_only_allowed_servers_federate_and_a_block_still_wins(allowlisted, peer):
    domains = allowlisted.config["SERVICES"].domains
    assert not domains.suspends("friends.example") and domains.suspends("stranger.example")

    refused = await post_follow(allowlisted, peer, "1")
    assert refused.status_code == 403 and "allowlist" in (await refused.get_json())["detail"]
    assert peer.server.received == []

    await allow_domain("127.0.0.1")
    assert (await post_follow(allowlisted, peer, "2")).status_code == 202

    await block_domain("127.0.0.1", severity="suspend")
    assert (await post_follow(allowlisted, peer, "3")).status_code == 403
    await disallow_domain("127.0.0.1")


async def test_allowlist_mode_forces_authorized_fetch(allowlisted):
    client = allowlisted.test_client()
    unsigned = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert unsigned.status_code == 401
    assert (await client.get("/.well-known/webfinger?resource=acct:alice@art.example")).status_code == 200

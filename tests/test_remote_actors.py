"""Remote actors and their keys: fetched with a signed GET, checked, stored as accounts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from federation.keys import KeyUnavailable, public_key_pem
from federation.vocab import ACTOR_TYPES, parse_actor
from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from fediserver.urls import InstanceUrls
from inbox.remote_actors import RemoteActorError, store_actor_document
from tests.conftest import make_settings
from tests.federation.loopback_server import Reply
from tests.remote_peer import RemotePeer

FIXTURES = Path(__file__).parent / "fixtures" / "activitypub"
ACTOR_FILES = [
    pytest.param(path, id=str(path.relative_to(FIXTURES)))
    for path in sorted(FIXTURES.rglob("*.json"))
    if json.loads(path.read_text(encoding="utf-8")).get("type") in ACTOR_TYPES
]


@pytest.mark.parametrize("path", ACTOR_FILES)
async def test_every_fixture_actor_becomes_an_account(db, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    actor = parse_actor(document)

    account = await store_actor_document(document)
    again = await store_actor_document(document)

    assert again.id == account.id
    stored = await Account.get(uri=document["id"])
    assert stored.domain == urlsplit(document["id"]).netloc.lower() and stored.domain
    assert stored.inbox_url == actor.inbox
    assert stored.document == document
    assert not stored.is_local
    if actor.public_key:
        assert stored.public_key_pem == actor.public_key.pem


@pytest.fixture
async def services(db):
    settings = make_settings(db, federation={"allow_private_addresses": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    yield app.config["SERVICES"]
    await app.config["SERVICES"].aclose()


@pytest.fixture
async def peer():
    async with RemotePeer() as remote:
        yield remote


async def test_fetching_an_actor_stores_it_and_signs_the_get(services, peer):
    account = await services.remote_actors.fetch_actor(peer.actor_id)
    assert (account.username, account.display_name) == ("dora", "Dora <b>Explorer</b>")
    assert account.shared_inbox_url == f"{peer.origin}/inbox"
    [request] = peer.server.received
    assert request.headers["signature-input"]  # RFC 9421 first, by the instance actor
    assert "/actor#main-key" in request.headers["signature-input"]


async def test_a_profile_update_refreshes_the_account(services, peer):
    await services.remote_actors.fetch_actor(peer.actor_id)
    peer.serve(f"/users/{peer.name}", peer.actor_document(name="Dora Renamed", summary="<script>x</script>hi"))
    account = await services.remote_actors.fetch_actor(peer.actor_id)
    assert account.display_name == "Dora Renamed"
    assert account.summary == "hi"
    assert await Account.filter(domain=account.domain).count() == 1


async def test_a_document_from_another_origin_is_refused(services, peer):
    peer.serve("/users/liar", peer.actor_document(id="https://victim.example/users/dora"))
    with pytest.raises(RemoteActorError, match="another origin"):
        await services.remote_actors.fetch_actor(f"{peer.origin}/users/liar")
    assert await Account.filter(uri="https://victim.example/users/dora").count() == 0


@pytest.mark.parametrize("reply", [Reply(404, body=b"no"), Reply(200, {"content-type": "text/html"}, b"<html>"),
                                   Reply(200, {}, b'{"type": "Person"}')])
async def test_unusable_answers_are_clear_errors(services, peer, reply):
    peer.serve("/users/bad", reply)
    with pytest.raises(RemoteActorError):
        await services.remote_actors.fetch_actor(f"{peer.origin}/users/bad")


async def test_an_actor_document_nested_too_deeply_is_a_clear_error(services, peer):
    deep = b'{"inner":' * 300 + b"{}" + b"}" * 300
    document = json.dumps(peer.actor_document(id=f"{peer.origin}/users/deep"))[:-1].encode()
    peer.serve("/users/deep", Reply(200, {"content-type": "application/activity+json"},
                                    document + b', "attachment": ' + deep + b"}"))
    with pytest.raises(RemoteActorError, match="JSON nested too deeply"):
        await services.remote_actors.fetch_actor(f"{peer.origin}/users/deep")
    assert not await Account.exists(uri=f"{peer.origin}/users/deep")


async def test_an_actor_with_an_overlong_url_is_a_clear_error(db):
    document = {"id": "https://else.example/users/a", "type": "Person", "inbox": "https://else.example/inbox",
                "icon": {"type": "Image", "url": "https://else.example/" + "a" * 3000}}
    with pytest.raises(RemoteActorError, match="icon longer than 2048"):
        await store_actor_document(document)
    assert not await Account.exists(uri=document["id"])


async def test_the_same_new_actor_stored_twice_at_once_is_one_account(db):
    document = {"id": "https://else.example/users/bea", "type": "Person", "inbox": "https://else.example/users/bea/inbox",
                "preferredUsername": "bea", "name": "Bea"}
    first, second = await asyncio.gather(store_actor_document(document), store_actor_document(document))
    assert first.id == second.id
    assert await Account.filter(uri=document["id"]).count() == 1
    assert (await Account.get(uri=document["id"])).username == "bea"


async def test_a_local_account_cannot_be_overwritten_by_a_remote_document(db):
    alice = await create_local_account(InstanceUrls("https://art.example"), "alice")
    document = {"id": alice.uri, "type": "Person", "inbox": "https://evil.example/inbox", "preferredUsername": "alice"}
    with pytest.raises(RemoteActorError):
        await store_actor_document(document)
    assert (await Account.get(id=alice.id)).inbox_url == alice.inbox_url


async def test_key_with_a_fragment_belongs_to_its_actor(services, peer):
    key_id, owner, pem = await services.remote_actors.fetch_key(peer.key_id)
    assert (key_id, owner, pem) == (peer.key_id, peer.actor_id, public_key_pem(peer.private_key))


async def test_key_whose_id_is_the_actor_id_itself(services, peer):
    key = {"id": peer.actor_id, "owner": peer.actor_id, "publicKeyPem": public_key_pem(peer.private_key)}
    peer.serve(f"/users/{peer.name}", peer.actor_document(publicKey=key))
    assert await services.remote_actors.fetch_key(peer.actor_id) == (peer.actor_id, peer.actor_id, key["publicKeyPem"])
    with pytest.raises(RemoteActorError, match="does not list the key"):
        await services.remote_actors.fetch_key(f"{peer.actor_id}#other-key")


async def test_key_at_a_path_of_its_own_serving_an_actor_stub(services, peer):
    key_id = f"{peer.actor_id}/main-key"
    key = {"id": key_id, "owner": peer.actor_id, "publicKeyPem": public_key_pem(peer.private_key)}
    peer.serve(f"/users/{peer.name}", peer.actor_document(publicKey=key))
    peer.serve(f"/users/{peer.name}/main-key", {"id": peer.actor_id, "type": "Person", "publicKey": key})
    assert await services.remote_actors.fetch_key(key_id) == (key_id, peer.actor_id, key["publicKeyPem"])


async def test_separate_key_document_must_be_claimed_by_its_owner(services, peer):
    key_id = f"{peer.origin}/keys/1"
    pem = public_key_pem(peer.private_key)
    peer.serve("/keys/1", {"id": key_id, "type": "CryptographicKey", "owner": peer.actor_id, "publicKeyPem": pem})
    peer.serve(f"/users/{peer.name}", peer.actor_document(
        publicKey=[{"id": f"{peer.origin}/keys/0", "owner": peer.actor_id, "publicKeyPem": pem},
                   {"id": key_id, "owner": peer.actor_id, "publicKeyPem": pem}]))
    assert await services.remote_actors.fetch_key(key_id) == (key_id, peer.actor_id, pem)

    peer.serve("/keys/2", {"id": f"{peer.origin}/keys/2", "owner": peer.actor_id, "publicKeyPem": pem})
    with pytest.raises(RemoteActorError, match="does not list the key"):
        await services.remote_actors.fetch_key(f"{peer.origin}/keys/2")


async def test_a_key_naming_an_owner_elsewhere_is_refused(services, peer):
    peer.serve("/keys/x", {"id": f"{peer.origin}/keys/x", "owner": "https://other.example/users/a",
                           "publicKeyPem": public_key_pem(peer.private_key)})
    with pytest.raises(KeyUnavailable, match="another origin"):
        await services.remote_actors.fetch_key(f"{peer.origin}/keys/x")

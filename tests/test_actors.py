"""Actor documents and profile pages: what a fediverse server and a browser each get."""

from __future__ import annotations

import pytest

from federation.keys import load_public_key_pem
from federation.vocab import parse_actor
from fediserver.actor_documents import DocumentCache
from fediserver.local_accounts import create_local_account
from fediserver.models import Account
from fediserver.urls import InstanceUrls

BASE = "https://art.example"
URLS = InstanceUrls(BASE)
AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture
async def alice(db):
    account = await create_local_account(URLS, "alice", display_name="Alice <Ink>")
    account.summary = "<p>Etchings &amp; prints</p>"
    account.profile_fields = [{"name": "Shop", "value": '<a href="https://shop.example">shop</a>'}]
    account.avatar_url = "https://art.example/media/avatar.png"
    account.discoverable = True
    await account.save()
    return account


@pytest.mark.parametrize("accept", [AP, LD, "application/ld+json", f"text/html;q=0.5, {AP}"])
async def test_activitypub_clients_get_the_person(client, alice, accept):
    response = await client.get("/users/alice", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/activity+json")
    document = await response.get_json()
    assert document["@context"][:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    assert document["id"] == f"{BASE}/users/alice"
    assert document["type"] == "Person"
    assert document["preferredUsername"] == "alice"
    assert document["name"] == "Alice <Ink>"
    assert document["summary"] == "<p>Etchings &amp; prints</p>"
    assert document["url"] == f"{BASE}/@alice"
    assert document["inbox"] == f"{BASE}/users/alice/inbox"
    assert document["outbox"] == f"{BASE}/users/alice/outbox"
    assert document["followers"] == f"{BASE}/users/alice/followers"
    assert document["following"] == f"{BASE}/users/alice/following"
    assert document["featured"] == f"{BASE}/users/alice/collections/featured"
    assert document["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert document["icon"] == {"type": "Image", "url": "https://art.example/media/avatar.png"}
    assert "image" not in document and "movedTo" not in document
    assert (document["discoverable"], document["indexable"], document["manuallyApprovesFollowers"]) == (True, False, False)
    assert document["attachment"] == [{"type": "PropertyValue", "name": "Shop", "value": '<a href="https://shop.example">shop</a>'}]
    key = document["publicKey"]
    assert (key["id"], key["owner"]) == (f"{BASE}/users/alice#main-key", f"{BASE}/users/alice")
    load_public_key_pem(key["publicKeyPem"])
    # Our own parser, as a peer would read it.
    actor = parse_actor(document)
    assert (actor.shared_inbox, actor.fields[0].name, actor.discoverable) == (f"{BASE}/inbox", "Shop", True)


async def test_a_change_shows_at_once_despite_the_cache(client, alice):
    first = await (await client.get("/users/alice", headers={"Accept": AP})).get_json()
    alice.display_name = "Alice Renamed"
    alice.moved_to_uri = "https://new.example/users/alice"
    alice.also_known_as = ["https://new.example/users/alice"]
    await alice.save()
    second = await (await client.get("/users/alice", headers={"Accept": AP})).get_json()
    assert first["name"] == "Alice <Ink>"
    assert second["name"] == "Alice Renamed"
    assert second["movedTo"] == second["alsoKnownAs"][0] == "https://new.example/users/alice"


async def test_a_deleted_account_is_gone_from_the_cache(client, alice):
    assert (await client.get("/users/alice", headers={"Accept": AP})).status_code == 200
    await alice.delete()
    assert (await client.get("/users/alice", headers={"Accept": AP})).status_code == 404


@pytest.mark.parametrize("path", ["/users/alice", "/@alice"])
@pytest.mark.parametrize("accept", [None, "text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "*/*"])
async def test_browsers_get_an_escaped_profile_page(client, alice, path, accept):
    # /users/alice sends browsers on to the portfolio at /@alice.
    response = await client.get(path, headers={"Accept": accept} if accept else {}, follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = await response.get_data(as_text=True)
    assert "Alice &lt;Ink&gt;" in page and "<Ink>" not in page
    assert "@alice@art.example" in page
    assert f'<link rel="alternate" type="application/activity+json" href="{BASE}/users/alice">' in page
    assert "<p>Etchings &amp; prints</p>" in page
    assert 'content="noindex' in page  # alice has not opted in to indexing


async def test_scripts_in_a_bio_are_removed_from_the_page(client, alice):
    alice.summary = '<p>hi</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    await alice.save()
    page = await (await client.get("/@alice")).get_data(as_text=True)
    assert "<script>" not in page and "onerror" not in page


async def test_the_at_profile_url_serves_json_to_activitypub_clients(client, alice):
    response = await client.get("/@alice", headers={"Accept": AP})
    assert (await response.get_json())["id"] == f"{BASE}/users/alice"


@pytest.mark.parametrize("path", ["/users/nobody", "/@nobody", "/users/actor"])
async def test_unknown_accounts_are_404(client, alice, path):
    assert (await client.get(path, headers={"Accept": AP})).status_code == 404
    assert (await client.get(path, follow_redirects=True)).status_code == 404


async def test_a_suspended_artist_answers_as_suspended_then_gone(client, alice):
    from datetime import timedelta

    from fediserver.clock import utcnow

    alice.suspended, alice.suspended_at = True, utcnow()
    await alice.save()
    answer = await client.get("/users/alice", headers={"Accept": AP})
    document = await answer.get_json()
    assert answer.status_code == 200 and document["suspended"] is True
    assert (document["name"], document["summary"]) == ("", "") and document["publicKey"]["owner"] == alice.uri
    alice.suspended_at = utcnow() - timedelta(days=31)  # the data is gone after 30 days
    await alice.save()
    assert (await client.get("/users/alice", headers={"Accept": AP})).status_code == 410


async def test_the_instance_actor_is_created_once_and_served(client, db):
    first = await (await client.get("/actor")).get_json()
    second = await (await client.get("/actor", headers={"Accept": AP})).get_json()
    assert first == second
    assert first["id"] == f"{BASE}/actor"
    assert first["type"] == "Application"
    assert first["preferredUsername"] == "actor"
    assert first["publicKey"]["id"] == f"{BASE}/actor#main-key"
    assert first["inbox"] == f"{BASE}/inbox"
    assert await Account.filter(uri=f"{BASE}/actor").count() == 1
    assert parse_actor(first).type == "Application"


def test_cached_documents_expire_for_changes_made_elsewhere():
    now = [100.0]
    cache = DocumentCache(60, clock=lambda: now[0])
    cache.put("actor", "alice", b"old")
    now[0] += 59
    assert cache.get("actor", "alice") == b"old"
    now[0] += 1
    assert cache.get("actor", "alice") is None
    assert DocumentCache(0).put("actor", "alice", b"x") == b"x"
    assert DocumentCache(0).get("actor", "alice") is None

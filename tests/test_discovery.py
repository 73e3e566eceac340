"""WebFinger, host-meta and NodeInfo as other servers and clients read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.models import Account, Post, Visibility
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings

BASE = "https://art.example"
URLS = InstanceUrls(BASE)


@pytest.fixture
async def alice(db):
    return await create_local_account(URLS, "alice")


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@art.example",
        "acct:@alice@ART.example",
        "acct:Alice@art.example",
        f"{BASE}/users/alice",
        f"{BASE}/@alice",
        "acct%3Aalice%40art.example",
    ],
)
async def test_webfinger_finds_a_local_artist(client, alice, resource):
    response = await client.get("/.well-known/webfinger", query_string={"resource": resource})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/jrd+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    jrd = await response.get_json()
    assert jrd["subject"] == "acct:alice@art.example"
    links = {link["rel"]: link for link in jrd["links"]}
    assert links["self"] == {"rel": "self", "type": "application/activity+json", "href": f"{BASE}/users/alice"}
    assert links["http://webfinger.net/rel/profile-page"]["href"] == f"{BASE}/@alice"


async def test_webfinger_handles_a_domain_with_a_port(db):
    settings = make_settings(db, instance={"domain": "127.0.0.1:8123", "scheme": "http", "allow_http": True})
    app = create_app(settings, manage_database=False, run_jobs=False)
    await create_local_account(InstanceUrls("http://127.0.0.1:8123"), "alice")
    client = app.test_client()
    response = await client.get("/.well-known/webfinger?resource=acct:alice@127.0.0.1:8123")
    jrd = await response.get_json()
    assert jrd["subject"] == "acct:alice@127.0.0.1:8123"
    assert jrd["links"][-1]["href"] == "http://127.0.0.1:8123/users/alice"
    # Without the port it is another server.
    response = await client.get("/.well-known/webfinger?resource=acct:alice@127.0.0.1")
    assert response.status_code == 404


async def test_webfinger_finds_the_instance_actor(client, db):
    for resource in ("acct:actor@art.example", f"{BASE}/actor"):
        response = await client.get("/.well-known/webfinger", query_string={"resource": resource})
        jrd = await response.get_json()
        assert jrd["subject"] == "acct:actor@art.example"
        assert jrd["links"] == [{"rel": "self", "type": "application/activity+json", "href": f"{BASE}/actor"}]


@pytest.mark.parametrize(
    "resource",
    ["acct:bob@art.example", "acct:alice@elsewhere.example", "https://elsewhere.example/users/alice",
     f"{BASE}/users/alice/outbox", f"{BASE}/users/actor"],
)
async def test_webfinger_404_for_what_is_not_ours(client, alice, resource):
    response = await client.get("/.well-known/webfinger", query_string={"resource": resource})
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["", "?resource=", "?resource=alice", "?resource=acct:alice", "?resource=acct:@art.example"])
async def test_webfinger_400_for_malformed_resources(client, db, query):
    response = await client.get(f"/.well-known/webfinger{query}")
    assert response.status_code == 400
    assert (await response.get_json())["error"]


async def test_webfinger_stops_finding_a_suspended_artist(client, alice):
    assert (await client.get("/.well-known/webfinger?resource=acct:alice@art.example")).status_code == 200
    alice.suspended = True
    await alice.save()
    assert (await client.get("/.well-known/webfinger?resource=acct:alice@art.example")).status_code == 404


async def test_host_meta_points_at_webfinger(client, db):
    response = await client.get("/.well-known/host-meta")
    assert response.headers["Content-Type"].startswith("application/xrd+xml")
    text = await response.get_data(as_text=True)
    assert f'template="{BASE}/.well-known/webfinger?resource={{uri}}"' in text


async def test_nodeinfo_links_both_versions(client, db):
    links = (await (await client.get("/.well-known/nodeinfo")).get_json())["links"]
    assert [link["href"] for link in links] == [f"{BASE}/nodeinfo/2.0", f"{BASE}/nodeinfo/2.1"]
    assert (await client.get("/nodeinfo/1.0")).status_code == 404


async def _post(account: Account, days_ago: int, **fields) -> Post:
    published = datetime.now(UTC) - timedelta(days=days_ago)
    post = await Post.create(uri=f"{account.uri}/statuses/{days_ago}-{len(fields)}", account=account,
                             local=account.is_local, published_at=published, **fields)
    return post


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_counts_come_from_the_database(db, version):
    settings = make_settings(db, registrations={"mode": "open"},
                             instance={"name": "Ink Collective", "description": "prints & paint"})
    client = create_app(settings, manage_database=False, run_jobs=False).test_client()
    alice = await create_local_account(URLS, "alice")
    bea = await create_local_account(URLS, "bea")
    await create_local_account(URLS, "cleo")
    gone = await create_local_account(URLS, "gone")
    gone.suspended = True
    await gone.save()
    remote = await Account.create(username="rem", domain="else.example", uri="https://else.example/u/rem")
    await _post(alice, 3)
    await _post(alice, 4, visibility=Visibility.DIRECT)
    await _post(bea, 100)
    await _post(bea, 400, deleted_at=datetime.now(UTC))
    await _post(remote, 1)
    await client.get("/actor")  # the instance actor is no user

    document = await (await client.get(f"/nodeinfo/{version}")).get_json()

    assert document["version"] == version
    assert document["software"]["name"] == "fediserver"
    assert document["protocols"] == ["activitypub"]
    assert document["openRegistrations"] is True
    assert document["usage"] == {"users": {"total": 3, "activeMonth": 1, "activeHalfyear": 2}, "localPosts": 3}
    assert document["metadata"] == {"nodeName": "Ink Collective", "nodeDescription": "prints & paint"}


async def test_nodeinfo_says_when_registrations_are_closed(client, db):
    document = await (await client.get("/nodeinfo/2.1")).get_json()
    assert document["openRegistrations"] is False
    assert document["usage"]["users"]["total"] == 0

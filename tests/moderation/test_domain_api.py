"""The admin API for domain blocks and allows as Mastodon documents it, who may use it,
bad input, and the public list each ``expose_domain_blocks`` setting gives."""

from __future__ import annotations

import hashlib

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_api_token, create_local_account
from fediserver.models import Account, DomainBlock
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings

URLS = InstanceUrls("https://art.example")
ADMIN_SCOPES = "read write admin:read admin:write"


async def app_for(db, **moderation):
    app = create_app(make_settings(db, moderation=moderation), manage_database=False, run_jobs=False)
    return app


@pytest.fixture
async def api(db, policy):
    app = await app_for(db)
    await create_local_account(URLS, "root1", is_admin=True)
    await create_local_account(URLS, "ada")
    tokens = {
        "admin": await create_api_token("root1", scopes=ADMIN_SCOPES),
        "admin_read_only": await create_api_token("root1", scopes="read admin:read:domain_blocks"),
        "admin_no_admin_scope": await create_api_token("root1", scopes="read write"),
        # An artist cannot hold admin scopes at all (refused when the token is made): her
        # ordinary token is refused by every admin endpoint.
        "artist": await create_api_token("ada", scopes="read write"),
    }
    yield app.test_client(), {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    await app.config["SERVICES"].aclose()


async def test_an_admin_blocks_changes_lists_and_lifts_a_domain(api):
    client, auth = api
    created = await client.post("/api/v1/admin/domain_blocks", headers=auth["admin"], json={
        "domain": "Spam.Example", "severity": "suspend", "reject_media": True, "public_comment": "spam",
        "private_comment": "reported 3 times", "obfuscate": True})
    assert created.status_code == 200
    block = await created.get_json()
    assert {k: block[k] for k in ("domain", "severity", "reject_media", "reject_reports", "public_comment",
                                  "private_comment", "obfuscate")} == {
        "domain": "spam.example", "severity": "suspend", "reject_media": True, "reject_reports": False,
        "public_comment": "spam", "private_comment": "reported 3 times", "obfuscate": True}
    assert block["digest"] == hashlib.sha256(b"spam.example").hexdigest()

    changed = await client.put(f"/api/v1/admin/domain_blocks/{block['id']}", headers=auth["admin"],
                               form={"severity": "silence"})
    assert (await changed.get_json())["severity"] == "silence"
    assert (await changed.get_json())["reject_media"] is True  # left out: kept
    listed = await (await client.get("/api/v1/admin/domain_blocks", headers=auth["admin_read_only"])).get_json()
    assert [b["domain"] for b in listed] == ["spam.example"]
    shown = await client.get(f"/api/v1/admin/domain_blocks/{block['id']}", headers=auth["admin"])
    assert (await shown.get_json())["severity"] == "silence"

    deleted = await client.delete(f"/api/v1/admin/domain_blocks/{block['id']}", headers=auth["admin"])
    assert (deleted.status_code, await deleted.get_json()) == (200, {})
    assert not await DomainBlock.exists()
    gone = await client.get(f"/api/v1/admin/domain_blocks/{block['id']}", headers=auth["admin"])
    assert gone.status_code == 404

    # Each change is in the audit log, with who made it.
    log = await (await client.get("/api/v1/admin/audit_log?target_type=domain", headers=auth["admin"])).get_json()
    assert [(entry["action"], entry["target"], entry["actor"]) for entry in log] == [
        ("domain_block.destroy", "spam.example", "@root1"),
        ("domain_block.update", "spam.example", "@root1"),
        ("domain_block.create", "spam.example", "@root1"),
    ]


async def test_domain_allows_are_made_listed_and_removed(api):
    client, auth = api
    made = await (await client.post("/api/v1/admin/domain_allows", headers=auth["admin"],
                                     json={"domain": "friends.example"})).get_json()
    assert made["domain"] == "friends.example"
    listed = await (await client.get("/api/v1/admin/domain_allows", headers=auth["admin"])).get_json()
    assert [a["domain"] for a in listed] == ["friends.example"]
    assert (await client.delete(f"/api/v1/admin/domain_allows/{made['id']}", headers=auth["admin"])).status_code == 200
    assert await (await client.get("/api/v1/admin/domain_allows", headers=auth["admin"])).get_json() == []


PERMISSIONS = [
    (None, "get", "/api/v1/admin/domain_blocks", 401),
    ("artist", "get", "/api/v1/admin/domain_blocks", 403),
    ("admin_no_admin_scope", "get", "/api/v1/admin/domain_blocks", 403),
    ("admin_read_only", "post", "/api/v1/admin/domain_blocks", 403),
    ("admin_read_only", "get", "/api/v1/admin/domain_allows", 403),
    ("artist", "post", "/api/v1/admin/domain_allows", 403),
]
BAD_INPUT = [
    ({}, "domain can't be blank"),
    ({"domain": "not a domain"}, "is not a domain name"),
    ({"domain": "x.example", "severity": "ban"}, "severity must be"),
    ({"domain": "x.example", "reject_media": "maybe"}, "reject_media must be true or false"),
    ({"domain": "art.example"}, "own domain"),
]


async def test_only_an_admin_with_the_admin_scope_may(api):
    client, auth = api
    for who, method, path, status in PERMISSIONS:
        response = await getattr(client, method)(path, headers=auth.get(who, {}), json={"domain": "x.example"})
        assert response.status_code == status, (who, method, path)
        assert "error" in await response.get_json()
    assert not await DomainBlock.exists()


async def test_bad_input_is_a_422_that_names_the_problem(api):
    client, auth = api
    for body, message in BAD_INPUT:
        response = await client.post("/api/v1/admin/domain_blocks", headers=auth["admin"], json=body)
        assert response.status_code == 422, body
        assert message in (await response.get_json())["error"], body
    for path in ("/api/v1/admin/domain_blocks/99999999999999999999", "/api/v1/admin/domain_blocks/x"):
        assert (await client.get(path, headers=auth["admin"])).status_code == 404
    assert not await DomainBlock.exists()


async def test_a_second_block_of_a_domain_is_refused(api):
    client, auth = api
    await client.post("/api/v1/admin/domain_blocks", headers=auth["admin"], json={"domain": "x.example"})
    again = await client.post("/api/v1/admin/domain_blocks", headers=auth["admin"], json={"domain": "x.example"})
    assert again.status_code == 422 and "already blocked" in (await again.get_json())["error"]


@pytest.mark.parametrize("exposed, anonymous, signed_in", [
    ("public", 200, 200), ("users", 401, 200), ("off", 404, 404),
])
async def test_the_public_list_follows_the_setting(db, policy, exposed, anonymous, signed_in):
    app = await app_for(db, expose_domain_blocks=exposed)
    await create_local_account(URLS, "ada")
    token = await create_api_token("ada", scopes="read")
    await DomainBlock.create(domain="spam.example", severity="suspend", public_comment="spam")
    await DomainBlock.create(domain="hidden.example", severity="silence", obfuscate=True)
    client = app.test_client()
    try:
        assert (await client.get("/api/v1/instance/domain_blocks")).status_code == anonymous
        answer = await client.get("/api/v1/instance/domain_blocks", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == signed_in
        if signed_in == 200:
            assert await answer.get_json() == [
                {"domain": "h*d*e*.*x*m*l*", "digest": hashlib.sha256(b"hidden.example").hexdigest(),
                 "severity": "silence", "comment": None},
                {"domain": "spam.example", "digest": hashlib.sha256(b"spam.example").hexdigest(),
                 "severity": "suspend", "comment": "spam"},
            ]
    finally:
        await app.config["SERVICES"].aclose()
    assert await Account.exists()

"""Every client API endpoint asks for its scope: a token without it gets 403 and changes
nothing. The walk over the URL map catches an endpoint added without a scope."""

from __future__ import annotations

import re

import pytest

from fediserver.local_accounts import create_api_token
from fediserver.models import Post

# Endpoints that answer anyone, whatever the token may do.
OPEN_TO_ALL = {
    ("GET", "/api/v1/instance"), ("GET", "/api/v2/instance"), ("GET", "/api/v1/instance/rules"),
    ("POST", "/api/v1/apps"), ("GET", "/api/v1/apps/verify_credentials"),
    ("GET", "/api/v1/custom_emojis"), ("GET", "/api/v1/instance/peers"),
    ("GET", "/api/v1/streaming/health"),
}


def api_endpoints(app) -> list[tuple[str, str]]:
    endpoints = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or "<path:" in rule.rule:
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, path) not in OPEN_TO_ALL:
                endpoints.append((method, path))
    return endpoints


async def test_every_api_endpoint_refuses_a_token_without_its_scope(web_app, browser, ada):
    endpoints = api_endpoints(web_app)
    assert len(endpoints) >= 20
    token = await create_api_token("ada", "push only", scopes="push")
    # The Web Push endpoints ask for exactly the scope the other endpoints refuse.
    everything_but_push = await create_api_token("ada", "no push", scopes="read write follow profile")
    refused = []
    for method, path in endpoints:
        held = everything_but_push if path.startswith("/api/v1/push/") else token
        response = await browser.open(path, method=method, headers={"Authorization": f"Bearer {held}"}, json={})
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
        else:
            assert await response.get_json() == {"error": "This action is outside the authorized scopes"}
    assert refused == [], "endpoints that did not check the token's scope"


async def test_a_read_token_reads_but_cannot_post(browser, ada):
    token = await create_api_token("ada", "reader", scopes="read")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await browser.get("/api/v1/timelines/home", headers=headers)).status_code == 200
    response = await browser.post("/api/v1/statuses", headers=headers, form={"status": "hello"})
    assert response.status_code == 403
    assert await Post.all().count() == 0


@pytest.mark.parametrize(("scopes", "path", "status"), [
    ("read:statuses", "/api/v1/timelines/home", 200),
    ("read:statuses", "/api/v1/notifications", 403),
    ("read:notifications", "/api/v1/notifications", 200),
    ("read:accounts", "/api/v1/accounts/verify_credentials", 200),
    ("profile", "/api/v1/accounts/verify_credentials", 200),
    ("write", "/api/v1/accounts/verify_credentials", 403),
    ("follow", "/api/v1/accounts/relationships", 200),
])
async def test_sub_scopes_open_only_their_endpoints(browser, ada, scopes, path, status):
    token = await create_api_token("ada", "narrow", scopes=scopes)
    response = await browser.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status


async def test_a_write_statuses_token_posts(browser, ada):
    token = await create_api_token("ada", "poster", scopes="write:statuses")
    response = await browser.post("/api/v1/statuses", headers={"Authorization": f"Bearer {token}"},
                                  json={"status": "posted with a narrow token"})
    assert response.status_code == 200 and await Post.all().count() == 1

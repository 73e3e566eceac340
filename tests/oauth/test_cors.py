"""Cross-origin access for browser clients, as Mastodon grants it."""

from __future__ import annotations

import pytest

from fediserver.local_accounts import create_api_token

PREFLIGHT = {
    "Origin": "https://phanpy.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


@pytest.mark.parametrize("path", ["/api/v1/statuses", "/api/v1/timelines/home", "/oauth/token", "/oauth/revoke",
                                  "/api/v1/apps", "/.well-known/oauth-authorization-server", "/api/v9/nothing"])
async def test_preflight_requests_are_answered(browser, db, path):
    response = await browser.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {h.strip() for h in allowed.split(",")}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_answers_and_errors_carry_the_headers(browser, ada):
    token = await create_api_token("ada")
    origin = {"Origin": "https://elk.example"}
    answers = [
        await browser.get("/api/v1/timelines/home", headers=origin | {"Authorization": f"Bearer {token}"}),
        await browser.get("/api/v1/timelines/home", headers=origin),
        await browser.get("/api/v1/bookmarks-that-do-not-exist", headers=origin),
        await browser.post("/oauth/token", headers=origin, form={"grant_type": "nope"}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 400]
    for answer in answers:
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Link" in answer.headers["Access-Control-Expose-Headers"]


async def test_pages_and_federation_are_not_shared_across_origins(browser, db):
    for path in ("/auth/sign_in", "/oauth/authorize", "/settings/applications"):
        response = await browser.get(path, headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in response.headers
    preflight = await browser.options("/auth/sign_in", headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in preflight.headers

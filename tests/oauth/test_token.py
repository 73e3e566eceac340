"""The token endpoint, revocation and userinfo: what a client gets for a code, and the
refusals that change nothing."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import quote

import pytest

from fediserver.models import ApiToken, AuthorizationCode
from fediserver.clock import utcnow
from fediserver.oauth.secrets import digest
from tests.oauth.conftest import authorization_code, pkce_pair, register, sign_in


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def exchange(browser, app, code, *, body="form", **extra):
    fields = {"grant_type": "authorization_code", "client_id": app.client_id, "client_secret": app.client_secret,
              "redirect_uri": app.redirect_uri, "code": code, **extra}
    fields = {key: value for key, value in fields.items() if value is not None}
    if body == "json":
        return await browser.post("/oauth/token", json=fields)
    return await browser.post("/oauth/token", form=fields)


@pytest.fixture
async def signed_in_app(browser, ada):
    app = await register(browser)
    await sign_in(browser)
    return app


@pytest.mark.parametrize("body", ["form", "json"])
async def test_a_code_buys_a_token_that_opens_the_account(browser, signed_in_app, ada, body):
    app = signed_in_app
    code = await authorization_code(browser, app, scope="read write follow")
    response = await exchange(browser, app, code, body=body, scope="read write follow")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    document = await response.get_json()
    assert document["token_type"] == "Bearer" and document["scope"] == "read write follow"
    assert isinstance(document["created_at"], int)
    me = await browser.get("/api/v1/accounts/verify_credentials", headers=bearer(document["access_token"]))
    assert me.status_code == 200 and (await me.get_json())["username"] == "ada"
    stored = await ApiToken.get(token_digest=digest(document["access_token"]))
    assert stored.app_id is not None and stored.account_id == ada.pk


async def test_the_client_may_authenticate_with_http_basic(browser, signed_in_app):
    app = signed_in_app
    code = await authorization_code(browser, app)
    credentials = base64.b64encode(f"{quote(app.client_id)}:{quote(app.client_secret)}".encode()).decode()
    response = await browser.post(
        "/oauth/token", headers={"Authorization": f"Basic {credentials}"},
        form={"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri},
    )
    assert response.status_code == 200, await response.get_data(as_text=True)


async def test_a_code_works_once(browser, signed_in_app):
    app = signed_in_app
    code = await authorization_code(browser, app)
    assert (await exchange(browser, app, code)).status_code == 200
    again = await exchange(browser, app, code)
    assert again.status_code == 400 and (await again.get_json())["error"] == "invalid_grant"
    assert await ApiToken.all().count() == 1


async def test_an_expired_code_is_refused(browser, signed_in_app):
    app = signed_in_app
    code = await authorization_code(browser, app)
    await AuthorizationCode.all().update(expires_at=utcnow() - timedelta(seconds=1))
    response = await exchange(browser, app, code)
    assert response.status_code == 400 and "expired" in (await response.get_json())["error_description"]
    assert await ApiToken.all().count() == 0


async def test_pkce_s256_is_checked_and_a_wrong_verifier_spends_nothing(browser, signed_in_app):
    app = signed_in_app
    verifier, challenge = pkce_pair()
    code = await authorization_code(browser, app, code_challenge=challenge, code_challenge_method="S256")
    for wrong in (None, "x" * 50):
        response = await exchange(browser, app, code, code_verifier=wrong)
        assert response.status_code == 400 and (await response.get_json())["error"] == "invalid_grant"
    assert await ApiToken.all().count() == 0
    assert (await exchange(browser, app, code, code_verifier=verifier)).status_code == 200


async def test_a_verifier_without_a_challenge_is_refused(browser, signed_in_app):
    app = signed_in_app
    code = await authorization_code(browser, app)
    response = await exchange(browser, app, code, code_verifier=pkce_pair()[0])
    assert response.status_code == 400 and await ApiToken.all().count() == 0


@pytest.mark.parametrize(("change", "status", "error"), [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_secret": None}, 401, "invalid_client"),
    ({"client_id": "unknown"}, 401, "invalid_client"),
    ({"redirect_uri": "https://client.example/other"}, 400, "invalid_grant"),
    ({"redirect_uri": None}, 400, "invalid_grant"),
    ({"code": "not-a-code"}, 400, "invalid_grant"),
    ({"code": None}, 400, "invalid_request"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"grant_type": None}, 400, "invalid_request"),
])
async def test_bad_token_requests_get_oauth_errors_and_change_nothing(browser, signed_in_app, change, status, error):
    app = signed_in_app
    code = await authorization_code(browser, app)
    fields = {"grant_type": "authorization_code", "client_id": app.client_id, "client_secret": app.client_secret,
              "redirect_uri": app.redirect_uri, "code": code} | change
    response = await browser.post("/oauth/token", form={k: v for k, v in fields.items() if v is not None})
    assert response.status_code == status
    assert (await response.get_json())["error"] == error
    if status == 401:
        assert "WWW-Authenticate" in response.headers
    assert await ApiToken.all().count() == 0
    assert (await exchange(browser, app, code)).status_code == 200  # the code was not spent


async def test_another_apps_code_is_refused(browser, signed_in_app):
    other = await register(browser, name="Other")
    code = await authorization_code(browser, signed_in_app)
    response = await browser.post("/oauth/token", form={
        "grant_type": "authorization_code", "client_id": other.client_id, "client_secret": other.client_secret,
        "redirect_uri": signed_in_app.redirect_uri, "code": code})
    assert response.status_code == 400 and (await response.get_json())["error"] == "invalid_grant"


async def test_malformed_bodies_are_refused_cleanly(browser, signed_in_app):
    for data, content_type in ((b"[1]", "application/json"), (b"{oops", "application/json"),
                               (b"\xff\xfe", "application/x-www-form-urlencoded")):
        response = await browser.post("/oauth/token", data=data, headers={"Content-Type": content_type})
        assert 400 <= response.status_code < 500
        assert "error" in await response.get_json()
    response = await browser.post("/oauth/token", headers={"Authorization": "Basic !!!"}, form={"grant_type": "client_credentials"})
    assert response.status_code == 401


async def test_client_credentials_give_the_app_a_token_within_its_scopes(browser, db):
    app = await register(browser, scopes="read write")
    fields = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret}
    response = await browser.post("/oauth/token", json=fields | {"scope": "read"})
    document = await response.get_json()
    assert response.status_code == 200 and document["scope"] == "read"
    # It is the app's own token: endpoints that need an account say so.
    me = await browser.get("/api/v1/accounts/verify_credentials", headers=bearer(document["access_token"]))
    assert me.status_code == 422 and "authenticated user" in (await me.get_json())["error"]
    public = await browser.get("/api/v1/timelines/public", headers=bearer(document["access_token"]))
    assert public.status_code == 200
    refused = await browser.post("/oauth/token", json=fields | {"scope": "read push"})
    assert refused.status_code == 400 and (await refused.get_json())["error"] == "invalid_scope"
    assert await ApiToken.all().count() == 1


async def test_revoking_is_idempotent_and_only_for_the_owning_app(browser, signed_in_app):
    app = signed_in_app
    token = (await (await exchange(browser, app, await authorization_code(browser, app))).get_json())["access_token"]
    other = await register(browser, name="Other")
    refused = await browser.post("/oauth/revoke", form={
        "client_id": other.client_id, "client_secret": other.client_secret, "token": token})
    assert refused.status_code == 403 and (await refused.get_json())["error"] == "unauthorized_client"
    wrong = await browser.post("/oauth/revoke", form={
        "client_id": app.client_id, "client_secret": "wrong", "token": token})
    assert wrong.status_code == 401
    assert (await browser.get("/api/v1/timelines/home", headers=bearer(token))).status_code == 200
    for _ in range(2):
        done = await browser.post("/oauth/revoke", json={
            "client_id": app.client_id, "client_secret": app.client_secret, "token": token})
        assert done.status_code == 200 and await done.get_json() == {}
    assert (await browser.get("/api/v1/timelines/home", headers=bearer(token))).status_code == 401
    unknown = await browser.post("/oauth/revoke", form={
        "client_id": app.client_id, "client_secret": app.client_secret, "token": "never-issued"})
    assert unknown.status_code == 200


async def test_userinfo_needs_the_profile_scope(browser, ada):
    app = await register(browser, scopes="read profile")
    await sign_in(browser)
    profile = (await (await exchange(browser, app, await authorization_code(browser, app, scope="profile"))).get_json())
    assert profile["scope"] == "profile"
    info = await browser.get("/oauth/userinfo", headers=bearer(profile["access_token"]))
    claims = await info.get_json()
    assert info.status_code == 200 and claims["sub"] == ada.uri and claims["preferred_username"] == "ada"
    # profile alone reads who you are, nothing else.
    me = await browser.get("/api/v1/accounts/verify_credentials", headers=bearer(profile["access_token"]))
    assert me.status_code == 200
    home = await browser.get("/api/v1/timelines/home", headers=bearer(profile["access_token"]))
    assert home.status_code == 403
    read = (await (await exchange(browser, app, await authorization_code(browser, app, scope="read"))).get_json())
    refused = await browser.get("/oauth/userinfo", headers=bearer(read["access_token"]))
    assert refused.status_code == 403


async def test_the_authorization_server_metadata(browser, db):
    response = await browser.get("/.well-known/oauth-authorization-server")
    document = await response.get_json()
    assert document["issuer"] == "http://art.example/"
    assert document["authorization_endpoint"] == "http://art.example/oauth/authorize"
    assert document["token_endpoint"] == "http://art.example/oauth/token"
    assert document["revocation_endpoint"] == "http://art.example/oauth/revoke"
    assert document["app_registration_endpoint"] == "http://art.example/api/v1/apps"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert {"read", "write:statuses", "profile", "push"} <= set(document["scopes_supported"])
    assert response.headers["Access-Control-Allow-Origin"] == "*"

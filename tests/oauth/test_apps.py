"""Registering apps as real clients do: JSON, form and multipart bodies, several redirect
URIs, custom schemes, and clear refusals."""

from __future__ import annotations

import pytest

from fediserver.models import OAuthApp
from fediserver.oauth.secrets import digest
from tests.oauth.conftest import register


async def test_an_app_registered_with_json_gets_a_full_credential_application(browser):
    app = await register(browser, redirect_uris=["icecubesapp://", "https://client.example/callback"])
    document = app.document
    assert document["name"] == "Sketchbook" and document["website"] == "https://client.example"
    assert document["scopes"] == ["read", "write", "follow", "push"]
    assert document["redirect_uris"] == ["icecubesapp://", "https://client.example/callback"]
    assert document["redirect_uri"] == "icecubesapp://\nhttps://client.example/callback"
    assert document["client_secret_expires_at"] == 0 and isinstance(document["id"], str)
    stored = await OAuthApp.get(client_id=app.client_id)
    assert stored.client_secret_digest == digest(app.client_secret)
    assert app.client_secret not in stored.client_secret_digest


@pytest.mark.parametrize("redirect_uris", [
    "oauth2redirect://com.keylesspalace.tusky/",
    "com.tapbots.Ivory.10217:/request_token",
    "urn:ietf:wg:oauth:2.0:oob",
    "http://127.0.0.1:8123/callback?from=app",
])
async def test_custom_schemes_and_out_of_band_are_accepted_exactly(browser, redirect_uris):
    response = await browser.post("/api/v1/apps", form={"client_name": "App", "redirect_uris": redirect_uris})
    assert response.status_code == 200
    document = await response.get_json()
    assert document["redirect_uris"] == [redirect_uris]
    assert document["scopes"] == ["read"]


async def test_several_redirect_uris_separated_by_newlines_or_spaces_in_a_form(browser):
    response = await browser.post("/api/v1/apps", form={
        "client_name": "Mastodon.py app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob\nhttps://a.example/cb https://b.example/cb",
        "scopes": "read write",
    })
    assert (await response.get_json())["redirect_uris"] == [
        "urn:ietf:wg:oauth:2.0:oob", "https://a.example/cb", "https://b.example/cb"
    ]


async def test_a_multipart_registration_is_read_too(browser):
    response = await browser.post(
        "/api/v1/apps",
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
        data=(
            "--XyZ\r\nContent-Disposition: form-data; name=\"client_name\"\r\n\r\nMultipart app\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"redirect_uris[]\"\r\n\r\nhttps://m.example/a\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"redirect_uris[]\"\r\n\r\nhttps://m.example/b\r\n"
            "--XyZ\r\nContent-Disposition: form-data; name=\"scopes\"\r\n\r\nread write\r\n--XyZ--\r\n"
        ).encode(),
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    document = await response.get_json()
    assert document["name"] == "Multipart app" and document["redirect_uris"] == ["https://m.example/a", "https://m.example/b"]


@pytest.mark.parametrize(("body", "reason"), [
    ({"redirect_uris": "https://a.example/cb"}, "client_name is required"),
    ({"client_name": "x"}, "redirect_uris is required"),
    ({"client_name": "x", "redirect_uris": "javascript:alert(1)"}, "javascript: scheme is not allowed"),
    ({"client_name": "x", "redirect_uris": "data:text/html,hi"}, "data: scheme is not allowed"),
    ({"client_name": "x", "redirect_uris": "https://a.example/cb#frag"}, "fragment"),
    ({"client_name": "x", "redirect_uris": "/relative/path"}, "absolute URI"),
    ({"client_name": "x", "redirect_uris": "https:///nohost"}, "no host"),
    ({"client_name": "x", "redirect_uris": "https://a.example/cb", "scopes": "read everything"}, "unknown scope"),
    ({"client_name": "x" * 61, "redirect_uris": "https://a.example/cb"}, "longer than 60"),
    ({"client_name": "x", "redirect_uris": "https://a.example/cb", "website": "ftp://a.example"}, "http(s) URL"),
])
async def test_bad_registrations_are_refused_with_the_reason_and_store_nothing(browser, body, reason):
    response = await browser.post("/api/v1/apps", json=body)
    assert response.status_code == 422
    assert reason in (await response.get_json())["error"]
    assert await OAuthApp.all().count() == 0


async def test_a_json_body_that_is_not_an_object_is_refused(browser):
    response = await browser.post("/api/v1/apps", data=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "error" in await response.get_json()
    response = await browser.post("/api/v1/apps", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


async def test_app_verify_credentials_answers_for_the_apps_own_token(browser):
    app = await register(browser, scopes="read write")
    token = await browser.post("/oauth/token", form={
        "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret,
    })
    access = (await token.get_json())["access_token"]
    response = await browser.get("/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {access}"})
    document = await response.get_json()
    assert response.status_code == 200 and document["name"] == "Sketchbook"
    assert "client_secret" not in document
    assert (await browser.get("/api/v1/apps/verify_credentials")).status_code == 401

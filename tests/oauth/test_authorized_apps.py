"""The authorised-apps page: what can use my account, and taking it back."""

from __future__ import annotations

import re

from fediserver.local_accounts import create_api_token
from fediserver.models import ApiToken
from tests.oauth.conftest import authorization_code, csrf_of, register, sign_in


async def token_for_app(browser, app, **kwargs) -> str:
    code = await authorization_code(browser, app, **kwargs)
    response = await browser.post("/oauth/token", form={
        "grant_type": "authorization_code", "client_id": app.client_id, "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri, "code": code})
    return (await response.get_json())["access_token"]


async def test_the_page_lists_authorised_apps_and_revokes_them(browser, ada):
    sketchbook = await register(browser)
    gallery = await register(browser, name="Gallery", website="https://gallery.example")
    await sign_in(browser)
    first = await token_for_app(browser, sketchbook, scope="read")
    second = await token_for_app(browser, sketchbook, scope="write")
    gallery_token = await token_for_app(browser, gallery)
    cli_token = await create_api_token("ada", "backup-script")

    page = await browser.get("/settings/applications")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count("<h2>Sketchbook</h2>") == 1 and "Gallery" in html and "backup-script" in html
    assert "read, write" in html

    revoke_url = re.search(r'action="(/settings/applications/apps/\d+/revoke)"', html).group(1)
    refused = await browser.post(revoke_url, form={})
    assert refused.status_code == 403
    done = await browser.post(revoke_url, form={"csrf_token": csrf_of(html)})
    assert done.status_code == 303
    for token, status in ((first, 401), (second, 401), (gallery_token, 200), (cli_token, 200)):
        answer = await browser.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status
    html = await (await browser.get("/settings/applications?revoked=1")).get_data(as_text=True)
    assert "Sketchbook" not in html and "Access revoked" in html

    token_url = re.search(r'action="(/settings/applications/tokens/\d+/revoke)"', html).group(1)
    await browser.post(token_url, form={"csrf_token": csrf_of(html)})
    cli = await browser.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {cli_token}"})
    assert cli.status_code == 401


async def test_one_cannot_revoke_another_artists_apps(browser, ada):
    from fediserver.local_accounts import create_local_account
    from fediserver.urls import InstanceUrls

    await create_local_account(InstanceUrls("http://art.example"), "bea")
    bea_token = await create_api_token("bea", "bea's script")
    row = await ApiToken.get(name="bea's script")
    await sign_in(browser)
    html = await (await browser.get("/settings/applications")).get_data(as_text=True)
    assert "No app can use your account" in html
    token = csrf_of(await (await browser.get("/auth/sign_out")).get_data(as_text=True))
    forged = await browser.post(f"/settings/applications/tokens/{row.pk}/revoke", form={"csrf_token": token})
    assert forged.status_code == 303
    answer = await browser.get("/api/v1/timelines/home", headers={"Authorization": f"Bearer {bea_token}"})
    assert answer.status_code == 200


async def test_the_page_asks_to_sign_in_first(browser, db):
    response = await browser.get("/settings/applications")
    assert response.status_code == 303 and response.headers["Location"].startswith("/auth/sign_in?next=")

"""Signing in and out in a browser: the cookie, CSRF on every form, throttled guessing,
and the session secret several processes share."""

from __future__ import annotations

import stat

from fediserver.app import create_app
from fediserver.models import SignInFailure, WebSession
from fediserver.web.sessions import session_secret
from tests.conftest import make_settings
from tests.oauth.conftest import PASSWORD, csrf_of, sign_in


async def test_signing_in_sets_a_protected_cookie_and_returns_to_next(browser, ada):
    response = await sign_in(browser, next_path="/settings/applications")
    assert response.status_code == 303 and response.headers["Location"] == "/settings/applications"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("fediserver_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    session = await WebSession.get()
    assert session.account_id == ada.pk
    page = await browser.get("/settings/applications")
    assert page.status_code == 200 and "@ada" in await page.get_data(as_text=True)


async def test_the_cookie_is_secure_when_the_instance_is_served_over_https(db, ada):
    app = create_app(make_settings(db), manage_database=False, run_jobs=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    browser = app.test_client()
    page = await browser.get("/auth/sign_in", scheme="https")
    response = await browser.post("/auth/sign_in", scheme="https", form={
        "username": "ada", "password": PASSWORD, "csrf_token": csrf_of(await page.get_data(as_text=True))})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


async def test_next_never_leads_off_the_site(web_app, ada):
    for next_path in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = await sign_in(web_app.test_client(), next_path=next_path)
        assert response.headers["Location"] == "/"


async def test_a_wrong_password_is_refused_and_counted(browser, ada):
    response = await sign_in(browser, password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in await response.get_data(as_text=True)
    assert await WebSession.all().count() == 0
    assert await SignInFailure.filter(username="ada").count() == 1
    assert (await sign_in(browser)).status_code == 303
    assert await SignInFailure.filter(username="ada").count() == 0


async def test_guessing_one_accounts_password_is_throttled_even_with_the_right_one_after(browser, ada):
    for _ in range(5):
        assert (await sign_in(browser, password="guess")).status_code == 401
    throttled = await sign_in(browser)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in await throttled.get_data(as_text=True)
    assert await WebSession.all().count() == 0


async def test_one_address_guessing_many_names_is_throttled(db, tmp_path, ada):
    settings = make_settings(db, instance={"domain": "art.example", "scheme": "http", "allow_http": True},
                             auth={"sign_in_attempts_per_address": 3})
    browser = create_app(settings, manage_database=False, run_jobs=False).test_client()
    for name in ("bea", "cy", "dee"):
        assert (await sign_in(browser, username=name)).status_code == 401
    assert (await sign_in(browser)).status_code == 429


async def test_forms_without_a_valid_csrf_token_are_refused(browser, ada):
    await browser.get("/auth/sign_in")
    for token in ("", "forged"):
        response = await browser.post("/auth/sign_in", form={"username": "ada", "password": PASSWORD,
                                                             "csrf_token": token})
        assert response.status_code == 403
    assert await WebSession.all().count() == 0
    await sign_in(browser)
    response = await browser.post("/auth/sign_out", form={})
    assert response.status_code == 403 and await WebSession.all().count() == 1


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(web_app, ada):
    browser = web_app.test_client()
    await sign_in(browser)
    copy = web_app.test_client()
    for cookie in browser.cookie_jar:
        copy.cookie_jar.set_cookie(cookie)
    assert (await copy.get("/settings/applications")).status_code == 200
    page = await browser.get("/auth/sign_out")
    response = await browser.post("/auth/sign_out", form={"csrf_token": csrf_of(await page.get_data(as_text=True))})
    assert response.status_code == 303 and await WebSession.all().count() == 0
    assert (await browser.get("/settings/applications")).status_code == 303
    assert (await copy.get("/settings/applications")).status_code == 303


def test_the_session_secret_is_made_once_in_the_data_dir_and_shared(tmp_path):
    settings = make_settings(instance={"domain": "art.example", "data_dir": str(tmp_path / "data")},
                             auth={"session_secret": ""})
    first = session_secret(settings)
    path = tmp_path / "data" / "session_secret"
    assert len(first) >= 64 and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret(settings) == first
    configured = make_settings(auth={"session_secret": "s" * 40})
    assert session_secret(configured) == "s" * 40

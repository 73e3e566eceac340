"""The authorization page as a person meets it: sign in if needed, consent naming the app,
and the answer sent back to the app (or shown, for out-of-band apps)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fediserver.models import ApiToken, AuthorizationCode, OAuthApp
from tests.oauth.conftest import authorization_code, consent, csrf_of, query_of, register, sign_in


async def test_an_artist_signs_in_consents_and_the_app_gets_a_code(browser, ada):
    app = await register(browser)
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
              "scope": "read write", "state": "s-1"}
    first = await browser.get("/oauth/authorize/", query_string=params)
    assert first.status_code == 303
    sign_in_url = first.headers["Location"]
    assert sign_in_url.startswith("/auth/sign_in?next=")
    next_path = parse_qs(urlsplit(sign_in_url).query)["next"][0]
    assert next_path.startswith("/oauth/authorize/?") and "client_id=" in next_path

    signed_in = await sign_in(browser, next_path=next_path)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == next_path
    page = await browser.get(next_path)
    html = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sketchbook" in html and "https://client.example" in html and "@ada" in html
    assert "read your" in html or "read everything" in html
    assert "https://client.example/callback" in html
    assert "Cross-Origin-Opener-Policy" not in page.headers
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"

    answer = await consent(browser, app, scope="read write", state="s-1")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith("https://client.example/callback?")
    assert query_of(location)["state"] == "s-1" and query_of(location)["code"]
    stored = await AuthorizationCode.get()
    assert query_of(location)["code"] not in stored.code_digest and stored.scopes == "read write"


async def test_a_custom_scheme_redirect_keeps_its_exact_spelling(browser, ada):
    app = await register(browser, redirect_uris="com.tapbots.Ivory.10217:/request_token")
    await sign_in(browser)
    answer = await consent(browser, app)
    assert answer.headers["Location"].startswith("com.tapbots.Ivory.10217:/request_token?code=")


async def test_out_of_band_apps_get_the_code_on_a_page(browser, ada):
    app = await register(browser, redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read write follow")
    await sign_in(browser)
    answer = await consent(browser, app, scope="read write follow")
    html = await answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="authorization-code"' in html
    assert answer.headers["Cache-Control"] == "no-store"
    assert await AuthorizationCode.all().count() == 1


async def test_deny_sends_access_denied_back_and_makes_no_code(browser, ada):
    app = await register(browser)
    await sign_in(browser)
    answer = await consent(browser, app, decision="deny", state="s-2")
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"]) | {"error_description": ""} == {
        "error": "access_denied", "state": "s-2", "error_description": ""
    }
    assert await AuthorizationCode.all().count() == 0


async def test_an_unknown_client_or_unregistered_redirect_gets_a_page_never_a_redirect(browser, ada):
    app = await register(browser)
    await sign_in(browser)
    for params in (
        {"response_type": "code", "client_id": "nope", "redirect_uri": app.redirect_uri},
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": "https://evil.example/steal"},
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri + "/more"},
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": "https://client.example/callback?x=1"},
    ):
        page = await browser.get("/oauth/authorize", query_string=params)
        assert page.status_code == 400 and "Location" not in page.headers
        assert "cannot be authorised" in await page.get_data(as_text=True)


async def test_problems_the_app_can_hear_about_go_back_to_it(browser, ada):
    app = await register(browser, scopes="read")
    await sign_in(browser)
    base = {"client_id": app.client_id, "redirect_uri": app.redirect_uri, "state": "s"}
    for params, error in (
        ({**base, "response_type": "token"}, "unsupported_response_type"),
        ({**base, "response_type": "code", "scope": "read write"}, "invalid_scope"),
        ({**base, "response_type": "code", "scope": "read:nothing"}, "invalid_scope"),
        ({**base, "response_type": "code", "code_challenge": "c" * 43, "code_challenge_method": "plain"},
         "invalid_request"),
        ({**base, "response_type": "code", "code_challenge": "short", "code_challenge_method": "S256"},
         "invalid_request"),
    ):
        answer = await browser.get("/oauth/authorize", query_string=params)
        assert answer.status_code == 302, params
        assert query_of(answer.headers["Location"])["error"] == error
        assert query_of(answer.headers["Location"])["state"] == "s"
    assert await AuthorizationCode.all().count() == 0


async def test_a_sub_scope_of_the_apps_scopes_may_be_asked_for(browser, ada):
    app = await register(browser, scopes="read write")
    await sign_in(browser)
    code = await authorization_code(browser, app, scope="read:statuses write:media")
    assert code and (await AuthorizationCode.get()).scopes == "read:statuses write:media"


async def test_force_login_signs_the_browser_out_first(browser, ada):
    app = await register(browser)
    await sign_in(browser)
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
              "scope": "read", "force_login": "true"}
    answer = await browser.get("/oauth/authorize", query_string=params)
    assert answer.status_code == 303
    next_path = parse_qs(urlsplit(answer.headers["Location"]).query)["next"][0]
    assert "force_login" not in next_path
    # Signed out: the authorize page now asks for a sign-in again.
    again = await browser.get(next_path)
    assert again.status_code == 303 and again.headers["Location"].startswith("/auth/sign_in")
    # Mastodon.py sends force_login=False: that keeps the session.
    await sign_in(browser)
    kept = await browser.get("/oauth/authorize", query_string={**params, "force_login": "False"})
    assert kept.status_code == 200


async def test_the_consent_form_without_its_csrf_token_is_refused(browser, ada):
    app = await register(browser)
    await sign_in(browser)
    page = await browser.get("/oauth/authorize", query_string={
        "response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri, "scope": "read"})
    assert csrf_of(await page.get_data(as_text=True))
    form = {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri, "scope": "read",
            "decision": "allow"}
    for token in (None, "forged"):
        answer = await browser.post("/oauth/authorize", form=form | ({"csrf_token": token} if token else {}))
        assert answer.status_code == 403
    assert await AuthorizationCode.all().count() == 0 and await ApiToken.all().count() == 0
    assert await OAuthApp.all().count() == 1


async def test_denying_an_out_of_band_app_says_so_on_the_page(browser, ada):
    app = await register(browser, redirect_uris="urn:ietf:wg:oauth:2.0:oob", scopes="read")
    await sign_in(browser)
    answer = await consent(browser, app, scope="read", decision="deny")
    html = await answer.get_data(as_text=True)
    assert answer.status_code == 200 and "You denied Sketchbook access" in html
    assert await AuthorizationCode.all().count() == 0

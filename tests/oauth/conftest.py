"""The OAuth rig: the app on the test database served to Quart's test client (which keeps
cookies like a browser), an artist with a password, and helpers that fill in the forms
as a person would (reading the CSRF token from the page)."""

from __future__ import annotations

import base64
import hashlib
import html as html_text
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from fediserver.urls import InstanceUrls
from tests.conftest import make_settings

PASSWORD = "a long enough secret"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match, f"no CSRF token on the page:\n{page}"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def pkce_pair(verifier: str = "v" * 43 + "-and-some-more-randomness_01234") -> tuple[str, str]:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.fixture
def web_settings(db, tmp_path):
    return make_settings(
        db, instance={"domain": "art.example", "scheme": "http", "allow_http": True, "data_dir": str(tmp_path / "data")}
    )


@pytest.fixture
def web_app(web_settings):
    return create_app(web_settings, manage_database=False, run_jobs=False)


@pytest.fixture
def browser(web_app):
    return web_app.test_client()


@pytest.fixture
async def ada(db):
    return await create_local_account(InstanceUrls("http://art.example"), "ada", password=PASSWORD)


async def sign_in(browser, username: str = "ada", password: str = PASSWORD, next_path: str = "/"):
    page = await browser.get(f"/auth/sign_in?next={next_path}")
    token = csrf_of(await page.get_data(as_text=True))
    return await browser.post(
        "/auth/sign_in", form={"username": username, "password": password, "next": next_path, "csrf_token": token}
    )


@dataclass
class RegisteredApp:
    client_id: str
    client_secret: str
    redirect_uri: str
    document: dict


async def register(browser, redirect_uris="https://client.example/callback", scopes="read write follow push",
                   name="Sketchbook", website="https://client.example") -> RegisteredApp:
    response = await browser.post("/api/v1/apps", json={
        "client_name": name, "redirect_uris": redirect_uris, "scopes": scopes, "website": website,
    })
    assert response.status_code == 200, await response.get_data(as_text=True)
    document = await response.get_json()
    first = redirect_uris if isinstance(redirect_uris, str) else redirect_uris[0]
    return RegisteredApp(document["client_id"], document["client_secret"], first.split()[0], document)


async def consent(browser, app: RegisteredApp, *, scope="read write follow push", state="xyz", decision="allow",
                  **extra):
    """Open the authorize URL (signed in), then answer the consent form; the answer."""
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": app.redirect_uri,
              "scope": scope, "state": state, **extra}
    page = await browser.get("/oauth/authorize", query_string=params)
    assert page.status_code == 200, await page.get_data(as_text=True)
    html = await page.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    fields = {key: html_text.unescape(value) for key, value in fields.items()}
    return await browser.post("/oauth/authorize", form={**fields, "decision": decision})


async def authorization_code(browser, app: RegisteredApp, **kwargs) -> str:
    answer = await consent(browser, app, **kwargs)
    assert answer.status_code == 302, await answer.get_data(as_text=True)
    return query_of(answer.headers["Location"])["code"]

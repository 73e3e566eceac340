"""Joining the collective: open sign-up, sign-up by approval (admin page and command),
and no sign-up at all when registrations are closed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account, verify_password
from fediserver.models import Account, Notification, Registration, RegistrationState
from fediserver.models.interactions import NotificationKind
from fediserver.urls import InstanceUrls
from tests.web.conftest import web_settings
from tests.web.test_studio import PASSWORD, csrf_of, form_page, signed_in

URLS = InstanceUrls("https://art.example")


def client_for(db, tmp_path, mode: str):
    app = create_app(web_settings(db, tmp_path / "data", registrations={"mode": mode}), manage_database=False,
                     run_jobs=False)
    return app.test_client()


async def test_closed_registrations_have_no_sign_up_page(db, tmp_path):
    client = client_for(db, tmp_path, "closed")
    assert (await client.get("/auth/sign_up")).status_code == 404
    assert "/auth/sign_up" not in await (await client.get("/")).get_data(as_text=True)


async def test_open_sign_up_makes_the_account_and_signs_in(db, tmp_path):
    client = client_for(db, tmp_path, "open")
    html, token = await form_page(client, "/auth/sign_up")
    response = await client.post("/auth/sign_up", form={"csrf_token": token, "username": "mira", "password": "a long password",
                                                        "password_again": "a long password", "rules": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/studio/profile"
    mira = await Account.get(username="mira", domain="")
    assert verify_password("a long password", mira.password_hash)
    assert (await client.get("/studio")).status_code == 200


async def test_the_admins_are_told_when_someone_joins(db, tmp_path):
    client = client_for(db, tmp_path, "open")
    admin = await create_local_account(URLS, "ada", password=PASSWORD, is_admin=True)
    await create_local_account(URLS, "bo", password=PASSWORD)
    _, token = await form_page(client, "/auth/sign_up")
    await client.post("/auth/sign_up", form={"csrf_token": token, "username": "mira", "password": "a long password",
                                             "password_again": "a long password", "rules": "1"})

    [told] = await Notification.filter(kind=NotificationKind.ADMIN_SIGN_UP).select_related("account", "from_account")
    assert (told.account.pk, told.from_account.username) == (admin.pk, "mira")
    studio = await signed_in(client_for(db, tmp_path, "open"), "ada")
    page = await (await studio.get("/studio/notifications")).get_data(as_text=True)
    assert "joined the collective" in page


async def test_a_sign_up_with_problems_is_shown_again_with_each_reason(db, tmp_path):
    client = client_for(db, tmp_path, "open")
    _, token = await form_page(client, "/auth/sign_up")
    response = await client.post("/auth/sign_up", form={"csrf_token": token, "username": "Bad Name!", "password": "short",
                                                        "password_again": "other", "email": "me@example.org"})
    assert response.status_code == 422
    html = await response.get_data(as_text=True)
    assert 'id="username-error"' in html and 'id="password-error"' in html and 'id="rules-error"' in html
    assert 'value="me@example.org"' in html and "short" not in html
    assert await Account.filter(domain="").count() == 0


async def test_approval_waits_for_an_admin(db, tmp_path):
    client = client_for(db, tmp_path, "approval")
    _, token = await form_page(client, "/auth/sign_up")
    response = await client.post("/auth/sign_up", form={"csrf_token": token, "username": "mira", "password": "a long password",
                                                        "password_again": "a long password", "rules": "1",
                                                        "reason": "I paint <harbours>"})
    assert response.status_code == 200 and "waiting" in await response.get_data(as_text=True)
    assert not await Account.exists(username="mira")
    services = client.app.config["SERVICES"]
    await create_local_account(services.urls, "ada", password="correct horse battery", is_admin=True)
    await signed_in(client)
    html, token = await form_page(client, "/admin/registrations")
    assert "I paint &lt;harbours&gt;" in html
    waiting = await Registration.get(username="mira")
    await client.post(f"/admin/registrations/{waiting.pk}", form={"csrf_token": token, "answer": "approve"})
    mira = await Account.get(username="mira", domain="")
    assert verify_password("a long password", mira.password_hash)
    assert (await Registration.get(pk=waiting.pk)).state == RegistrationState.APPROVED


async def test_only_admins_see_the_sign_up_list(db, tmp_path):
    client = client_for(db, tmp_path, "approval")
    await create_local_account(client.app.config["SERVICES"].urls, "ada", password="correct horse battery")
    assert (await client.get("/admin/registrations")).status_code == 303
    await signed_in(client)
    assert (await client.get("/admin/registrations")).status_code == 403


def test_the_command_approves_a_waiting_sign_up(tmp_path):
    # Every step in its own process, as an admin runs them (the test session's own
    # database connection is left alone).
    config = tmp_path / "config.toml"
    config.write_text(f'[instance]\ndomain = "art.example"\ndata_dir = "{tmp_path / "data"}"\n[registrations]\nmode = "approval"\n')
    root = Path(__file__).parents[2]

    def fediserver(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fediserver.cli", "--config", str(config), *args],
                              cwd=root, capture_output=True, text=True)

    assert fediserver("migrate").returncode == 0
    asking = (
        "import asyncio\n"
        "from fediserver import db, registrations\n"
        "from fediserver.config import load_settings\n"
        "async def ask():\n"
        f"    await db.open_database(db.settings_tortoise_config(load_settings({str(config)!r})))\n"
        "    await registrations.ask_to_join('mira', 'a long password', '', 'hello')\n"
        "    await db.close_database()\n"
        "asyncio.run(ask())\n"
    )
    subprocess.run([sys.executable, "-c", asking], check=True, cwd=root)
    assert "mira" in fediserver("registration", "list").stdout
    approved = fediserver("registration", "approve", "mira")
    assert approved.returncode == 0 and "approved" in approved.stdout
    again = fediserver("registration", "approve", "mira")
    assert again.returncode == 1 and "no sign-up of 'mira' is waiting" in again.stderr

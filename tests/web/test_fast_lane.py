"""The fast lane answers repeated anonymous WebFinger, actor and page GETs with what the app
sent, byte for byte and header for header, and never once the app would answer otherwise:
a changed profile, a new work, a signed-in visitor, a listed crawler, authorized fetch."""

from __future__ import annotations

import logging
import re

import pytest

from fediserver.app import create_app
from fediserver.local_accounts import create_local_account
from tests.web.conftest import make_work, web_settings

AP = {"Accept": "application/activity+json"}
FINGER = "/.well-known/webfinger?resource=acct:ada@art.example"


def lane_of(app):
    return app.config["FAST_LANE"]


async def answer(client, path, headers=None):
    response = await client.get(path, headers=headers or {})
    return response.status_code, {name.lower(): value for name, value in response.headers.items()}, await response.get_data()


@pytest.mark.parametrize("path, headers", [(FINGER, {}), ("/users/ada", AP), ("/@ada", AP), ("/actor", AP),
                                           ("/@ada", {}), ("/", {})])
async def test_a_repeated_anonymous_read_gets_the_same_answer_from_the_lane(web_app, web_client, ada, caplog, path,
                                                                            headers):
    first = await answer(web_client, path, headers)
    assert first[0] == 200 and len(lane_of(web_app)) == 1
    caplog.set_level(logging.INFO, logger="fediserver.request")
    again = await answer(web_client, path, headers)
    assert again == first
    assert first[1]["tdm-reservation"] == "1" and "noai" in first[1]["x-robots-tag"]
    logged, = [r for r in caplog.records if r.name == "fediserver.request"]
    assert (logged.fields["path"], logged.fields["status"], logged.fields["fast_lane"]) == (path.split("?")[0], 200, True)


async def test_a_changed_profile_and_a_new_work_show_at_once(web_app, web_client, services, ada):
    await answer(web_client, "/users/ada", AP)
    await answer(web_client, "/@ada")
    ada.display_name = "Ada Lindqvist"
    await ada.save()
    status, _, body = await answer(web_client, "/users/ada", AP)
    assert status == 200 and b'"name":"Ada Lindqvist"' in body

    await make_work(services, ada, "Harbour at dusk\n\nDrypoint.")
    status, _, body = await answer(web_client, "/@ada")
    assert status == 200 and b"Harbour at dusk" in body


async def test_visitors_the_app_answers_otherwise_never_get_the_kept_answer(web_app, web_client, ada):
    await answer(web_client, "/@ada")
    kept = len(lane_of(web_app))
    status, _, body = await answer(web_client, "/@ada", {"User-Agent": "Mozilla/5.0 (compatible; GPTBot/1.2)"})
    assert status == 403 and b"AI crawlers may not fetch this site" in body
    assert (await web_client.get("/@ada", headers={"If-None-Match": "*"})).status_code in (200, 304)

    signed_in = web_app.test_client()
    response = await signed_in.post("/auth/sign_in", form={"username": "ada", "password": "correct horse battery",
                                                           "csrf_token": await _csrf(signed_in)})
    assert response.status_code in (302, 303)
    status, headers, _ = await answer(signed_in, "/@ada")
    assert status == 200 and headers["cache-control"] == "private, no-store"
    assert len(lane_of(web_app)) == kept


async def test_unsigned_reads_stay_refused_under_authorized_fetch(db, tmp_path):
    app = create_app(web_settings(db, tmp_path / "data", federation={"authorized_fetch": True}),
                     manage_database=False, run_jobs=False)
    client = app.test_client()
    await create_local_account(app.config["SERVICES"].urls, "ada")
    for _ in range(2):
        assert (await client.get("/users/ada", headers=AP)).status_code == 401
    assert len(lane_of(app)) == 0
    # The instance actor stays public, and so may be replayed.
    assert (await client.get("/actor", headers=AP)).status_code == 200
    assert (await client.get("/actor", headers=AP)).status_code == 200
    assert len(lane_of(app)) == 1


async def test_the_lane_can_be_turned_off(db, tmp_path):
    app = create_app(web_settings(db, tmp_path / "data", server={"fast_lane_answers": 0}),
                     manage_database=False, run_jobs=False)
    client = app.test_client()
    assert (await client.get("/actor", headers=AP)).status_code == 200
    assert len(lane_of(app)) == 0


async def _csrf(client) -> str:
    page = await (await client.get("/auth/sign_in")).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

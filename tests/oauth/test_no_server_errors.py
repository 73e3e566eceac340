"""Whatever a client sends to the OAuth doors, it gets a 4xx with a reason, never a 500."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fediserver.models import ApiToken

NAMES = ["grant_type", "client_id", "client_secret", "code", "redirect_uri", "code_verifier", "scope", "token",
         "client_name", "redirect_uris", "redirect_uris[]", "scopes", "website", "response_type", "state",
         "code_challenge", "code_challenge_method", "force_login", "decision", "csrf_token"]
VALUES = st.one_of(
    st.text(max_size=60), st.sampled_from(["authorization_code", "client_credentials", "code", "read write",
                                           "urn:ietf:wg:oauth:2.0:oob", "S256", "javascript:x", "true", "allow"]),
)
FIELDS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8)
DOORS = st.sampled_from([("POST", "/oauth/token"), ("POST", "/oauth/revoke"), ("POST", "/api/v1/apps"),
                         ("GET", "/oauth/authorize"), ("POST", "/oauth/authorize"), ("GET", "/oauth/userinfo"),
                         ("POST", "/auth/sign_in")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(door=DOORS, fields=FIELDS, as_json=st.booleans(), authorization=st.sampled_from(
    [None, "Bearer nope", "Basic !!", "Basic Og==", "Bearer "]))
async def test_any_input_gets_a_client_error_not_a_server_error(browser, db, door, fields, as_json, authorization):
    method, path = door
    headers = {"Authorization": authorization} if authorization else {}
    if method == "GET":
        response = await browser.get(path, query_string=fields, headers=headers)
    elif as_json:
        response = await browser.post(path, json=fields, headers=headers)
    else:
        response = await browser.post(path, form=fields, headers=headers)
    assert response.status_code < 500, (door, fields, await response.get_data(as_text=True))
    assert await ApiToken.all().count() == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(door=st.sampled_from(["/oauth/token", "/oauth/revoke"]), fields=FIELDS, as_json=st.booleans())
async def test_a_real_client_sending_anything_gets_no_server_error(browser, db, door, fields, as_json):
    registered = await (await browser.post("/api/v1/apps", json={
        "client_name": "Fuzz", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"})).get_json()
    fields = fields | {"client_id": registered["client_id"], "client_secret": registered["client_secret"]}
    response = await (browser.post(door, json=fields) if as_json else browser.post(door, form=fields))
    assert response.status_code < 500, (door, fields, await response.get_data(as_text=True))

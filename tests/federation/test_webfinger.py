"""WebFinger: handles are read strictly, answers tolerantly, and resolution works over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.address_policy import AddressPolicy
from federation.errors import FetchError, UnsafeURLError, WebFingerError
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from federation.webfinger import Acct, parse_acct, parse_jrd, resolve_handle, webfinger_url
from tests.federation.loopback_server import LoopbackServer, ReceivedRequest, Reply

JRD_FIXTURES = Path(__file__).parent.parent / "fixtures" / "webfinger"


@pytest.mark.parametrize("handle, expected", [
    ("acct:a@b.example:8000", Acct("a", "b.example:8000")),
    ("alice@Art.Example", Acct("alice", "art.example")),
    ("@alice@art.example", Acct("alice", "art.example")),
    ("ACCT:bo@127.0.0.1:8080", Acct("bo", "127.0.0.1:8080")),
    ("bo@[::1]:8080", Acct("bo", "[::1]:8080")),
    ("hélène@kunst.example", Acct("hélène", "kunst.example")),
    ("ann@bücher.example", Acct("ann", "xn--bcher-kva.example")),
])
def test_parse_acct(handle, expected):
    assert parse_acct(handle) == expected
    assert parse_acct(handle).resource == f"acct:{expected}"


@pytest.mark.parametrize("handle", [
    "", "alice", "@alice", "alice@", "@@art.example", "a b@art.example", "a@art.example/path",
    "a@art.example:99999", "a@art.example:0", "a@-bad.example", "a@art..example",
    "a@art.example?x=1", "a/b@art.example", "a@user@art.example:8000:9",
])
def test_malformed_handles_are_refused(handle):
    with pytest.raises(WebFingerError):
        parse_acct(handle)


@given(st.text(max_size=40))
def test_parse_acct_raises_only_webfinger_errors(text):
    try:
        acct = parse_acct(text)
    except WebFingerError:
        return
    assert parse_acct(acct.resource) == acct


def test_webfinger_url_escapes_the_resource():
    assert webfinger_url(Acct("a+b", "art.example:8000"), "http") == (
        "http://art.example:8000/.well-known/webfinger?resource=acct%3Aa%2Bb%40art.example%3A8000")


def test_mastodon_answer():
    jrd = parse_jrd((JRD_FIXTURES / "mastodon-emelie.json").read_bytes())
    assert jrd.subject == "acct:emelie@mastodon.social"
    assert jrd.actor_url() == "https://mastodon.social/users/emelie"
    assert "https://mastodon.social/@emelie" in jrd.aliases
    assert any(link.template for link in jrd.links)


def test_gnusocial_answer_without_activitypub_link():
    jrd = parse_jrd((JRD_FIXTURES / "gnusocial-winterdienst.json").read_bytes())
    assert jrd.subject == "acct:winterdienst@gnusocial.de"
    assert jrd.actor_url() is None


def test_ld_json_self_link_with_profile_counts():
    doc = json.loads((JRD_FIXTURES / "pleroma-ld-json-self.json").read_text())
    doc["links"] = [link for link in doc["links"] if "activity+json" not in link.get("type", "")]
    assert parse_jrd(doc).actor_url() == "https://gleasonator.com/users/alex"


def test_malformed_links_are_skipped():
    jrd = parse_jrd({"links": [None, 5, {"rel": 3}, {"rel": "self", "href": "javascript:x",
                                                     "type": "application/activity+json"},
                               {"rel": "self", "type": "application/activity+json",
                                "href": "https://art.example/users/a"}]})
    assert jrd.actor_url() == "https://art.example/users/a"


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'"x"', b"{"])
def test_non_jrd_answers_are_refused(body):
    with pytest.raises(WebFingerError):
        parse_jrd(body)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda c: st.lists(c, max_size=3)
                    | st.dictionaries(st.sampled_from(["links", "rel", "href", "type", "subject",
                                                       "aliases", "template"]), c, max_size=5)))
def test_parse_jrd_raises_only_webfinger_errors(value):
    try:
        jrd = parse_jrd(value)
    except WebFingerError:
        return
    assert jrd.actor_url() is None or jrd.actor_url().startswith("http")


def jrd_server(port_holder: list[int], jrd: dict | None = None, status: int = 200):
    """A WebFinger handler answering for alice only, building its links from the port."""

    def handle(request: ReceivedRequest) -> Reply:
        resource = parse_qs(urlsplit(request.target).query).get("resource", [""])[0]
        if resource != f"acct:alice@127.0.0.1:{port_holder[0]}":
            return Reply(404, body=b"unknown")
        body = jrd if jrd is not None else {
            "subject": resource,
            "links": [{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                       "href": f"http://127.0.0.1:{port_holder[0]}/@alice"},
                      {"rel": "self", "type": "application/activity+json",
                       "href": f"http://127.0.0.1:{port_holder[0]}/users/alice"}]}
        return Reply(status, headers={"content-type": "application/jrd+json"},
                     body=json.dumps(body).encode())

    return handle


def private_client() -> SafeHttpClient:
    return SafeHttpClient(HttpClientSettings(user_agent=user_agent_for("0.1.0", "art.example")),
                          policy=AddressPolicy(allow_private_addresses=True))


async def test_resolve_handle_over_http_on_loopback():
    port: list[int] = []
    async with LoopbackServer({"/.well-known/webfinger": jrd_server(port)}) as server:
        port.append(server.port)
        async with private_client() as client:
            actor_url = await resolve_handle(client, f"alice@127.0.0.1:{server.port}", "http")
    assert actor_url == f"http://127.0.0.1:{server.port}/users/alice"
    assert "application/jrd+json" in server.received[0].headers["accept"]


async def test_unknown_account_is_a_webfinger_error():
    port: list[int] = []
    async with LoopbackServer({"/.well-known/webfinger": jrd_server(port)}) as server:
        port.append(server.port)
        async with private_client() as client:
            with pytest.raises(WebFingerError, match="answered HTTP 404"):
                await resolve_handle(client, f"bob@127.0.0.1:{server.port}", "http")


async def test_answer_without_activitypub_actor_is_a_webfinger_error():
    port: list[int] = []
    jrd = json.loads((JRD_FIXTURES / "gnusocial-winterdienst.json").read_text())
    async with LoopbackServer({"/.well-known/webfinger": jrd_server(port, jrd)}) as server:
        port.append(server.port)
        async with private_client() as client:
            with pytest.raises(WebFingerError, match="names no ActivityPub actor"):
                await resolve_handle(client, f"alice@127.0.0.1:{server.port}", "http")


async def test_resolution_goes_through_the_address_guard():
    async with LoopbackServer({}) as server:
        async with SafeHttpClient(HttpClientSettings(user_agent="t")) as client:
            with pytest.raises(UnsafeURLError):
                await resolve_handle(client, f"alice@127.0.0.1:{server.port}", "http")
    assert server.received == []


async def test_an_unreachable_host_is_a_fetch_error():
    async with LoopbackServer({}) as server:
        port = server.port
    async with private_client() as client:
        with pytest.raises(FetchError):
            await resolve_handle(client, f"alice@127.0.0.1:{port}", "http")

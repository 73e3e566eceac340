"""The outbound client refuses unsafe destinations at every hop and enforces its limits.

Every server here is a real one on 127.0.0.1. Names that resolve to private addresses go
through an injected resolver, and the guard refuses them before any connection is made,
so no traffic ever leaves the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.address_policy import AddressPolicy, non_public_reason
from federation.errors import FetchError, UnsafeURLError
from federation.http_client import HttpClientSettings, SafeHttpClient, user_agent_for
from tests.federation.loopback_server import LoopbackServer, Reply

USER_AGENT = user_agent_for("0.1.0", "art.example")


class RecordingResolver:
    """Resolves every name to fixed addresses and remembers what it was asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.addresses


def client_for(server: LoopbackServer | None = None, **limits: object) -> SafeHttpClient:
    """A client that trusts only the given loopback test server's exact host and port."""
    allowed = frozenset({("127.0.0.1", server.port)}) if server else frozenset()
    settings = HttpClientSettings(user_agent=USER_AGENT, **limits)  # type: ignore[arg-type]
    return SafeHttpClient(settings, policy=AddressPolicy(allowed_endpoints=allowed))


@pytest.mark.parametrize(
    "resolved",
    ["10.0.0.5", "192.168.1.20", "169.254.169.254", "::1", "fe80::1",
     "::ffff:127.0.0.1", "100.64.3.4", "127.0.0.1", "0.0.0.0", "224.0.0.1", "fc00::7"],
)
async def test_name_resolving_to_a_non_public_address_is_refused_before_connecting(resolved):
    resolver = RecordingResolver(resolved)
    async with SafeHttpClient(HttpClientSettings(user_agent=USER_AGENT),
                              resolver=resolver) as client:
        with pytest.raises(UnsafeURLError, match="refusing to connect to inside.example"):
            await client.get("https://inside.example/users/alice")
    assert resolver.asked == ["inside.example"]


async def test_one_bad_address_among_good_ones_is_enough_to_refuse():
    resolver = RecordingResolver("93.184.216.34", "10.1.1.1")
    async with SafeHttpClient(HttpClientSettings(user_agent=USER_AGENT),
                              resolver=resolver) as client:
        with pytest.raises(UnsafeURLError, match="private"):
            await client.get("https://mixed.example/")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/", "http://[::1]:9/", "http://10.0.0.1/", "http://[::ffff:a00:1]/",
            "http://169.254.169.254/latest/meta-data/", "http://2130706433/"],
)
async def test_address_literals_in_urls_are_refused(url):
    async with client_for() as client:
        with pytest.raises(UnsafeURLError):
            await client.get(url)


async def test_the_real_resolver_refuses_localhost():
    async with LoopbackServer({"/": Reply(body=b"secret")}) as server:
        async with client_for() as client:
            with pytest.raises(UnsafeURLError, match="loopback"):
                await client.get(f"http://localhost:{server.port}/")
    assert server.received == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://a/",
                                 "javascript:alert(1)", "/relative/path", "https://u:p@host.example/"])
async def test_only_absolute_http_urls_without_credentials_are_allowed(url):
    async with client_for() as client:
        with pytest.raises(UnsafeURLError):
            await client.get(url)


async def test_get_returns_status_headers_body_and_sends_user_agent_and_accept():
    body = b'{"id": "x"}'
    reply = Reply(headers={"content-type": "application/activity+json; charset=utf-8"}, body=body)
    async with LoopbackServer({"/actor": reply}) as server, client_for(server) as client:
        response = await client.get(f"{server.base}/actor")
    assert (response.status, response.body, response.url) == (200, body, f"{server.base}/actor")
    assert response.content_type == "application/activity+json"
    sent = server.received[0]
    assert sent.headers["user-agent"] == "fediserver/0.1.0 (+https://art.example/)"
    assert "application/activity+json" in sent.headers["accept"]


async def test_post_sends_the_body_and_headers():
    async with LoopbackServer({"/inbox": Reply(202)}) as server, client_for(server) as client:
        response = await client.post(f"{server.base}/inbox", content=b'{"type":"Follow"}',
                                     headers={"Content-Type": "application/activity+json"})
    assert response.status == 202
    assert server.received[0].method == "POST"
    assert server.received[0].body == b'{"type":"Follow"}'
    assert server.received[0].headers["content-type"] == "application/activity+json"


async def test_redirects_are_followed_within_the_allowed_server():
    routes = {"/old": Reply(301, headers={"location": "/new"}), "/new": Reply(body=b"here")}
    async with LoopbackServer(routes) as server, client_for(server) as client:
        response = await client.get(f"{server.base}/old")
    assert (response.body, response.url) == (b"here", f"{server.base}/new")


@pytest.mark.parametrize("target", ["http://192.168.0.1/admin", "http://[fe80::1]/",
                                    "http://169.254.169.254/latest/meta-data/"])
async def test_redirect_to_a_private_address_is_refused_at_the_hop(target):
    routes = {"/go": Reply(302, headers={"location": target})}
    async with LoopbackServer(routes) as server, client_for(server) as client:
        with pytest.raises(UnsafeURLError, match="refusing to connect"):
            await client.get(f"{server.base}/go")
    assert [r.target for r in server.received] == ["/go"]


async def test_redirect_to_localhost_is_refused_even_on_the_same_port():
    async with LoopbackServer({}) as server:
        server.routes["/go"] = Reply(302, headers={"location": f"http://localhost:{server.port}/x"})
        async with client_for(server) as client:
            with pytest.raises(UnsafeURLError, match="localhost"):
                await client.get(f"{server.base}/go")
    assert [r.target for r in server.received] == ["/go"]


async def test_redirect_to_another_port_of_the_same_loopback_address_is_refused():
    async with LoopbackServer({"/": Reply(body=b"other")}) as other:
        routes = {"/go": Reply(307, headers={"location": f"{other.base}/"})}
        async with LoopbackServer(routes) as server, client_for(server) as client:
            with pytest.raises(UnsafeURLError):
                await client.get(f"{server.base}/go")
    assert other.received == []


async def test_redirect_to_another_scheme_is_refused():
    routes = {"/go": Reply(302, headers={"location": "file:///etc/passwd"})}
    async with LoopbackServer(routes) as server, client_for(server) as client:
        with pytest.raises(UnsafeURLError, match="only http and https"):
            await client.get(f"{server.base}/go")


async def test_redirect_loops_stop_after_the_limit():
    routes = {"/loop": Reply(302, headers={"location": "/loop"})}
    async with LoopbackServer(routes) as server, client_for(server, max_redirects=5) as client:
        with pytest.raises(FetchError, match="more than 5 times"):
            await client.get(f"{server.base}/loop")
    assert len(server.received) == 6


async def test_post_does_not_turn_into_a_get_on_a_302():
    routes = {"/inbox": Reply(302, headers={"location": "/elsewhere"})}
    async with LoopbackServer(routes) as server, client_for(server) as client:
        response = await client.post(f"{server.base}/inbox", content=b"{}", headers={})
    assert response.status == 302
    assert [r.target for r in server.received] == ["/inbox"]


async def test_signature_headers_are_dropped_when_a_redirect_changes_origin():
    async with LoopbackServer({"/final": Reply(body=b"ok")}) as other:
        routes = {"/go": Reply(302, headers={"location": f"{other.base}/final"})}
        async with LoopbackServer(routes) as server:
            policy = AddressPolicy(allowed_endpoints=frozenset(
                {("127.0.0.1", server.port), ("127.0.0.1", other.port)}))
            async with SafeHttpClient(HttpClientSettings(user_agent=USER_AGENT),
                                      policy=policy) as client:
                await client.get(f"{server.base}/go",
                                 headers={"Signature": "keyId=...", "X-Kept": "yes"})
    assert "signature" in server.received[0].headers
    assert "signature" not in other.received[0].headers
    assert other.received[0].headers["x-kept"] == "yes"


async def test_a_body_larger_than_the_cap_is_aborted_while_streaming():
    # No content-length: only counting the streamed bytes can stop this body.
    big = Reply(body=b"x" * 300_000, chunks=30, declare_length=False)
    async with LoopbackServer({"/big": big}) as server:
        async with client_for(server, max_response_bytes=100_000) as client:
            with pytest.raises(FetchError, match="larger than the 100000 byte limit"):
                await client.get(f"{server.base}/big")


async def test_a_declared_length_over_the_cap_is_refused_before_reading_the_body():
    big = Reply(body=b"x" * 300_000, chunks=30, pause_seconds=0.01)
    async with LoopbackServer({"/big": big}) as server:
        async with client_for(server, max_response_bytes=100_000) as client:
            with pytest.raises(FetchError, match="larger than the 100000 byte limit"):
                await client.get(f"{server.base}/big")


async def test_a_body_at_the_cap_is_accepted():
    async with LoopbackServer({"/fits": Reply(body=b"y" * 1000)}) as server:
        async with client_for(server, max_response_bytes=1000) as client:
            assert len((await client.get(f"{server.base}/fits")).body) == 1000


async def test_a_slow_server_hits_the_total_time_limit():
    trickle = Reply(body=b"z" * 50, chunks=50, pause_seconds=0.05)
    async with LoopbackServer({"/slow": trickle}) as server:
        async with client_for(server, timeout_seconds=0.5) as client:
            with pytest.raises(FetchError, match="longer than 0.5 s"):
                await client.get(f"{server.base}/slow")


async def test_a_refused_connection_is_a_fetch_error():
    async with LoopbackServer({}) as server:
        port = server.port
    async with SafeHttpClient(HttpClientSettings(user_agent=USER_AGENT),
                              policy=AddressPolicy(allow_private_addresses=True)) as client:
        with pytest.raises(FetchError, match="cannot connect"):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_allow_private_addresses_lets_the_real_localhost_through():
    async with LoopbackServer({"/": Reply(body=b"hi")}) as server:
        async with SafeHttpClient(HttpClientSettings(user_agent=USER_AGENT),
                                  policy=AddressPolicy(allow_private_addresses=True)) as client:
            assert (await client.get(f"http://localhost:{server.port}/")).body == b"hi"


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_ipv4_mapped_and_6to4_forms_get_the_same_verdict_as_the_ipv4_address(number):
    v4 = ipaddress.IPv4Address(number)
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (number << 80) | 1)
    verdict = non_public_reason(v4) is None
    assert (non_public_reason(mapped) is None) == verdict
    assert (non_public_reason(sixtofour) is None) == verdict


@given(st.ip_addresses(network="10.0.0.0/8") | st.ip_addresses(network="172.16.0.0/12")
       | st.ip_addresses(network="192.168.0.0/16") | st.ip_addresses(network="100.64.0.0/10")
       | st.ip_addresses(network="127.0.0.0/8") | st.ip_addresses(network="169.254.0.0/16")
       | st.ip_addresses(network="fc00::/7") | st.ip_addresses(network="fe80::/10"))
def test_every_address_of_the_non_public_ranges_is_refused(address):
    assert non_public_reason(address) is not None


async def test_concurrent_requests_through_one_client_all_succeed():
    async with LoopbackServer({"/": Reply(body=b"a")}) as server, client_for(server) as client:
        responses = await asyncio.gather(*(client.get(server.base + "/") for _ in range(10)))
    assert [r.body for r in responses] == [b"a"] * 10

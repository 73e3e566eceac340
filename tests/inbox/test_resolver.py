"""The resolver against a real HTTP server on loopback: handles by WebFinger, actors and
posts by URL (content negotiation, then an HTML page's alternate link), signed GETs,
documents from another origin refused, one fetch for many concurrent askers, failures
remembered, and never more than the per-host limit in flight."""

from __future__ import annotations

import asyncio
import json

import pytest

from fediserver.local_accounts import create_local_account
from fediserver.models import Account, FetchKind, FetchTask, Post
from inbox.resolver import NotResolved
from tests.federation.loopback_server import Reply
from tests.remote_peer import ACTIVITY_JSON, RemotePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def dora():
    async with RemotePeer("dora") as remote:
        remote.serve_webfinger()
        yield remote


def note(peer: RemotePeer, number: int, **fields) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{peer.actor_id}/statuses/{number}",
            "type": "Note", "attributedTo": peer.actor_id, "content": f"<p>note {number}</p>",
            "to": [PUBLIC], "cc": [], "url": f"{peer.origin}/@dora/{number}", **fields}


def requests_to(peer: RemotePeer, path: str) -> int:
    return sum(1 for r in peer.server.received if r.target.split("?")[0] == path)


def handle(peer: RemotePeer) -> str:
    return f"@{peer.handle}"


async def test_a_handle_is_found_by_webfinger_and_kept(services, dora):
    account = await services.resolver.account(handle(dora))

    assert (account.uri, account.username, account.is_local) == (dora.actor_id, "dora", False)
    assert await services.resolver.account(handle(dora)) == account
    assert await services.resolver.resolve(dora.actor_id) == account
    assert requests_to(dora, "/.well-known/webfinger") == 1
    assert requests_to(dora, "/users/dora") == 1


async def test_every_fetch_is_signed_by_the_instance_actor(services, dora):
    await services.resolver.account(dora.actor_id)

    [fetch] = [r for r in dora.server.received if r.target == "/users/dora"]
    signature = fetch.headers.get("signature-input", "") + fetch.headers.get("signature", "")
    assert services.urls.base_url + "/actor" in signature


async def test_many_concurrent_askers_share_one_webfinger_and_one_actor_fetch(services, dora):
    found = await asyncio.gather(*(services.resolver.account(handle(dora)) for _ in range(100)))

    assert {account.pk for account in found} == {found[0].pk}
    assert requests_to(dora, "/.well-known/webfinger") == 1
    assert requests_to(dora, "/users/dora") == 1


async def test_a_post_url_is_fetched_with_its_author(services, dora):
    dora.serve("/users/dora/statuses/1", note(dora, 1))

    post = await services.resolver.resolve(f"{dora.actor_id}/statuses/1")

    assert isinstance(post, Post) and post.content == "<p>note 1</p>"
    assert (await post.account).uri == dora.actor_id
    assert await services.resolver.post(f"{dora.origin}/@dora/1") == post  # by its web address, no fetch
    assert requests_to(dora, "/users/dora/statuses/1") == 1


async def test_a_web_page_leads_to_its_activitypub_alternate(services, dora):
    dora.serve("/users/dora/statuses/2", note(dora, 2))
    dora.serve("/@dora/2", Reply(200, {"content-type": "text/html; charset=utf-8"}, (
        f'<html><head><link rel="alternate" type="application/activity+json" '
        f'href="{dora.actor_id}/statuses/2"></head><body>a post</body></html>').encode()))

    post = await services.resolver.resolve(f"{dora.origin}/@dora/2")

    assert post.uri == f"{dora.actor_id}/statuses/2"


async def test_a_profile_address_is_believed_only_as_its_own_id_answers(services, dora):
    dora.serve("/@dora", dora.actor_document())

    account = await services.resolver.resolve(f"{dora.origin}/@dora")

    assert account.uri == dora.actor_id
    assert requests_to(dora, "/users/dora") == 1  # fetched again at its id


async def test_a_document_claiming_an_id_of_another_server_is_refused(services, dora):
    dora.serve("/users/dora/statuses/3", note(dora, 3, id="https://elsewhere.example/statuses/3"))

    with pytest.raises(NotResolved, match="another server"):
        await services.resolver.resolve(f"{dora.actor_id}/statuses/3")
    assert not await Post.exists(uri="https://elsewhere.example/statuses/3")


async def test_a_post_attributed_to_another_server_is_refused(services, dora):
    dora.serve("/users/dora/statuses/4", note(dora, 4, attributedTo="https://elsewhere.example/users/eve"))

    with pytest.raises(NotResolved, match="no author on its own server"):
        await services.resolver.post(f"{dora.actor_id}/statuses/4")


async def test_what_does_not_resolve_says_why_and_is_not_asked_again_at_once(services, dora):
    with pytest.raises(NotResolved, match="404"):
        await services.resolver.post(f"{dora.actor_id}/statuses/404")
    with pytest.raises(NotResolved, match="404"):
        await services.resolver.post(f"{dora.actor_id}/statuses/404")
    assert requests_to(dora, "/users/dora/statuses/404") == 1
    with pytest.raises(NotResolved):
        await services.resolver.resolve("not a handle")
    with pytest.raises(NotResolved):
        await services.resolver.resolve(f"@nobody@{dora.origin.removeprefix('http://')}")


async def test_our_own_handles_and_urls_are_looked_up_never_fetched(services):
    ada = await create_local_account(services.urls, "ada")
    host = services.urls.base_url.split("://", 1)[1]

    assert await services.resolver.account(f"@ada@{host}") == ada
    assert await services.resolver.resolve(ada.uri) == ada
    with pytest.raises(NotResolved, match="no account @nobody"):
        await services.resolver.account(f"nobody@{host}")


async def test_a_reply_to_an_unknown_post_asks_for_its_thread(services, dora):
    dora.serve("/users/dora/statuses/5", note(dora, 5, inReplyTo=f"{dora.actor_id}/statuses/6"))

    post = await services.resolver.post(f"{dora.actor_id}/statuses/5")

    assert post.in_reply_to_id is None
    assert await FetchTask.exists(kind=FetchKind.ANCESTORS, uri=post.uri)


async def test_no_more_than_the_per_host_limit_is_in_flight(services, dora):
    in_flight, peak = 0, 0

    def slow_note(number):
        async def answer(_request):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.02)  # the remote server taking its time
            in_flight -= 1
            return Reply(200, {"content-type": ACTIVITY_JSON}, json.dumps(note(dora, number)).encode())
        return answer

    for number in range(10, 22):
        dora.server.routes[f"/users/dora/statuses/{number}"] = slow_note(number)
    await services.resolver.account(dora.actor_id)

    posts = await asyncio.gather(*(services.resolver.post(f"{dora.actor_id}/statuses/{n}") for n in range(10, 22)))

    assert len({p.pk for p in posts}) == 12
    assert peak == services.settings.fetching.per_host_concurrency == 4
    assert await Account.filter(uri=dora.actor_id).count() == 1

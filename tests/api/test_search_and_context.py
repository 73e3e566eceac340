"""Finding people and posts this server has never seen, and reading a conversation, as a
real client library (Mastodon.py) does it against our server on loopback, with a remote
server (a real HTTP server on loopback) holding the unknown account and posts."""

from __future__ import annotations

import pytest
import requests
from mastodon import MastodonNotFoundError

from fediserver.models import Account, Delivery, FetchKind, FetchTask, Post
from tests.api.conftest import call
from tests.remote_peer import RemotePeer

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def dora():
    async with RemotePeer("dora") as remote:
        remote.serve_webfinger()
        yield remote


def serve_note(peer: RemotePeer, number: int, reply_to: int | None = None, **fields) -> str:
    uri = f"{peer.actor_id}/statuses/{number}"
    peer.serve(f"/users/{peer.name}/statuses/{number}", {
        "id": uri, "type": "Note", "attributedTo": peer.actor_id, "content": f"<p>note {number}</p>",
        "to": [PUBLIC], "cc": [], "url": uri,
        "inReplyTo": f"{peer.actor_id}/statuses/{reply_to}" if reply_to else None, **fields})
    return uri


def fetched(peer: RemotePeer, path: str) -> int:
    return sum(1 for r in peer.server.received if r.target.split("?")[0] == path)


async def test_an_unknown_handle_is_found_by_search_with_resolve(served, make_artist, dora):
    ada = await make_artist("ada")

    found = await call(ada.client.search_v2, f"@{dora.handle}", resolve=True)

    [account] = found.accounts
    assert (account.acct, account.url) == (dora.handle, dora.actor_id)
    assert found.statuses == [] and found.hashtags == []
    again = await call(ada.client.search_v2, dora.handle, resolve=True)
    assert [a.id for a in again.accounts] == [account.id]
    assert fetched(dora, "/.well-known/webfinger") == 1 and fetched(dora, "/users/dora") == 1


async def test_without_resolve_or_a_token_nothing_is_fetched(served, make_artist, dora):
    ada = await make_artist("ada")

    assert (await call(ada.client.search_v2, f"@{dora.handle}", resolve=False)).accounts == []
    anonymous = await call(requests.get, f"{served.base_url}/api/v2/search",
                           params={"q": dora.handle, "resolve": "true"})
    assert anonymous.status_code == 200 and anonymous.json()["accounts"] == []
    assert dora.server.received == []


async def test_a_post_url_is_found_and_opening_it_asks_for_its_thread(served, make_artist, dora):
    ada = await make_artist("ada")
    uri = serve_note(dora, 1, reply_to=99)

    found = await call(ada.client.search_v2, uri, resolve=True, result_type="statuses")

    [status] = found.statuses
    assert status.uri == uri and status.content == "<p>note 1</p>" and status.account.acct == dora.handle
    await call(ada.client.status, status.id)
    assert await FetchTask.exists(kind=FetchKind.REPLIES, uri=uri)
    assert await FetchTask.exists(kind=FetchKind.ANCESTORS, uri=uri)


async def test_what_does_not_resolve_is_an_empty_result_not_an_error(served, make_artist, dora):
    ada = await make_artist("ada")

    for query in (f"@nobody@{dora.origin.removeprefix('http://')}", f"{dora.actor_id}/statuses/404",
                  "https://127.0.0.1:1/users/nobody", "@bad@@handle"):
        found = await call(ada.client.search_v2, query, resolve=True)
        assert (found.accounts, found.statuses) == ([], []), query
    response = await call(requests.get, f"{served.base_url}/api/v2/search",
                          headers={"Authorization": f"Bearer {ada.token}"})
    assert response.status_code == 400 and "q is required" in response.json()["error"]


async def test_names_and_hashtags_are_searched_among_known_accounts_and_posts(served, make_artist):
    ada, _bea = await make_artist("ada"), await make_artist("bea")
    await call(ada.client.status_post, "New work in #watercolour and #watercolourpencil")

    found = await call(ada.client.search_v2, "be")
    assert [a.acct for a in found.accounts] == ["bea"]
    tags = await call(ada.client.search_v2, "#watercol", result_type="hashtags")
    assert [t.name for t in tags.hashtags] == ["watercolour", "watercolourpencil"]
    assert [a.acct for a in await call(ada.client.account_search, "ad")] == ["ada"]


async def test_lookup_and_account_search_fetch_an_unknown_account(served, make_artist, dora):
    ada = await make_artist("ada")

    looked_up = await call(ada.client.account_lookup, dora.handle)
    assert looked_up.url == dora.actor_id
    with pytest.raises(MastodonNotFoundError):
        await call(ada.client.account_lookup, f"nobody@{dora.origin.removeprefix('http://')}")
    [searched] = await call(ada.client.account_search, f"@{dora.handle}", resolve=True)
    assert searched.id == looked_up.id


async def test_mentioning_an_unknown_account_fetches_it_and_delivers_to_it(served, make_artist, dora):
    ada = await make_artist("ada")

    status = await call(ada.client.status_post, f"Hello @{dora.handle}, welcome!")

    assert [m.acct for m in status.mentions] == [dora.handle]
    assert await Delivery.exists(inbox_url=f"{dora.origin}/inbox")  # its server's shared inbox
    post = await Post.get(id=int(status.id))
    assert post.tags[0]["href"] == dora.actor_id


async def test_mentioning_an_account_that_does_not_exist_is_refused_with_its_name(served, make_artist, dora):
    from mastodon import MastodonAPIError

    ada = await make_artist("ada")
    missing = f"@nobody@{dora.origin.removeprefix('http://')}"
    with pytest.raises(MastodonAPIError, match="no such account could be found"):
        await call(ada.client.status_post, f"Hello {missing}")
    assert not await Post.exists(account=ada.account)


async def test_the_context_shows_the_conversation_the_caller_may_see(served, make_artist):
    ada, bea, cai = await make_artist("ada"), await make_artist("bea"), await make_artist("cai")
    root = await call(ada.client.status_post, "Which paper for gouache?")
    first = await call(bea.client.status_post, "Hot pressed", in_reply_to_id=root.id)
    hidden = await call(cai.client.status_post, "@bea (just between us)", in_reply_to_id=first.id,
                        visibility="direct")
    below_hidden = await call(bea.client.status_post, "@cai agreed", in_reply_to_id=hidden.id, visibility="direct")
    second = await call(cai.client.status_post, "Cold pressed for texture", in_reply_to_id=root.id)
    answer = await call(ada.client.status_post, "Thanks both", in_reply_to_id=first.id)

    as_ada = await call(ada.client.status_context, root.id)
    assert [s.id for s in as_ada.ancestors] == []
    assert [s.id for s in as_ada.descendants] == [first.id, answer.id, second.id]
    as_bea = await call(bea.client.status_context, answer.id)
    assert [s.id for s in as_bea.ancestors] == [root.id, first.id]
    as_cai = await call(cai.client.status_context, root.id)
    assert [s.id for s in as_cai.descendants] == [first.id, hidden.id, below_hidden.id, answer.id, second.id]
    anonymous = await call(requests.get, f"{served.base_url}/api/v1/statuses/{root.id}/context")
    assert [s["id"] for s in anonymous.json()["descendants"]] == [first.id, answer.id, second.id]
    assert (await call(requests.get, f"{served.base_url}/api/v1/statuses/{hidden.id}/context")).status_code == 404


async def test_the_context_of_a_remote_reply_grows_as_its_thread_is_fetched(served, make_artist, dora):
    from inbox.fetch_tasks import FetchJob

    ada = await make_artist("ada")
    for number, parent in ((1, None), (2, 1), (3, 2)):
        serve_note(dora, number, reply_to=parent)
    [status] = (await call(ada.client.search_v2, f"{dora.actor_id}/statuses/3", resolve=True)).statuses
    assert (await call(ada.client.status_context, status.id)).ancestors == []

    job = FetchJob(served.services.resolver)
    while await job.run_once():
        pass

    ancestors = (await call(ada.client.status_context, status.id)).ancestors
    assert [s.uri for s in ancestors] == [f"{dora.actor_id}/statuses/{n}" for n in (1, 2)]
    assert await Account.filter(uri=dora.actor_id).count() == 1

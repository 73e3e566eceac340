"""An artist who approves followers by hand, as a Mastodon client drives it: ``locked``
through update_credentials, the waiting requests, authorise, reject, remove a follower."""

from __future__ import annotations

import pytest
from mastodon import MastodonNotFoundError

from fediserver.models import Account, Delivery
from tests.api.conftest import call
from tests.inbox.support import deliver, remote_actor


async def test_a_locked_artist_lets_in_whom_she_chooses(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    me = await call(ada.client.account_update_credentials, locked=True)
    assert me.locked is True and me.source.follow_requests_count == 0
    sketch = await call(ada.client.status_post, "sketchbook page 4", visibility="private")

    asked = await call(bea.client.account_follow, ada.account.pk)
    assert (asked.requested, asked.following) == (True, False)
    await call(cy.client.account_follow, ada.account.pk)
    assert [a.acct for a in await call(ada.client.follow_requests)] == ["cy", "bea"]
    assert (await call(ada.client.account_verify_credentials)).source.follow_requests_count == 2
    assert [n.type for n in await call(ada.client.notifications)] == ["follow_request", "follow_request"]
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status, sketch.id)

    authorized = await call(ada.client.follow_request_authorize, bea.account.pk)
    assert (authorized.followed_by, authorized.requested_by) == (True, False)
    assert (await call(bea.client.account_relationships, ada.account.pk))[0].following is True
    assert (await call(bea.client.status, sketch.id)).id == sketch.id

    rejected = await call(ada.client.follow_request_reject, cy.account.pk)
    assert (rejected.followed_by, rejected.requested_by) == (False, False)
    assert await call(ada.client.follow_requests) == []
    with pytest.raises(MastodonNotFoundError):  # answered already: no request left
        await call(ada.client.follow_request_authorize, cy.account.pk)
    # Turned away once, cy may ask again.
    assert (await call(cy.client.account_follow, ada.account.pk)).requested is True

    removed = await call(ada.client.account_remove_from_followers, bea.account.pk)
    assert removed.followed_by is False
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status, sketch.id)


async def test_the_request_list_is_paged_by_request(served, make_artist):
    ada = await make_artist("ada")
    await call(ada.client.account_update_credentials, locked=True)
    for name in ("bea", "cy", "dan"):
        follower = await make_artist(name)
        await call(follower.client.account_follow, ada.account.pk)
    first = await call(ada.client.follow_requests, limit=2)
    assert [a.acct for a in first] == ["dan", "cy"]
    rest = await call(ada.client.fetch_next, first)
    assert [a.acct for a in rest] == ["bea"]


async def test_unlocking_lets_in_everyone_waiting(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(ada.client.account_update_credentials, locked=True)
    await call(bea.client.account_follow, ada.account.pk)
    me = await call(ada.client.account_update_credentials, locked=False)
    assert me.locked is False and me.followers_count == 1
    assert (await call(bea.client.account_relationships, ada.account.pk))[0].following is True


async def test_a_remote_followers_server_hears_the_answer(served, make_artist):
    ada = await make_artist("ada")
    await call(ada.client.account_update_credentials, locked=True)
    for name in ("bob", "eve"):
        uri = f"https://social.example/users/{name}"
        await remote_actor(uri)
        await deliver({"@context": "https://www.w3.org/ns/activitystreams", "id": f"https://social.example/follows/{name}",
                       "type": "Follow", "actor": uri, "object": ada.account.uri})
    bob, eve = await Account.get(username="bob"), await Account.get(username="eve")
    assert not await Delivery.exists()  # nothing is answered until she decides

    await call(ada.client.follow_request_authorize, bob.pk)
    await call(ada.client.follow_request_reject, eve.pk)
    answers = {d.inbox_url: d.activity.payload for d in await Delivery.all().prefetch_related("activity")}
    accept, reject = answers[bob.inbox_url], answers[eve.inbox_url]
    assert (accept["type"], accept["actor"], accept["to"]) == ("Accept", ada.account.uri, [bob.uri])
    assert accept["object"] == {"id": "https://social.example/follows/bob", "type": "Follow", "actor": bob.uri,
                                "object": ada.account.uri}
    assert (reject["type"], reject["object"]["id"]) == ("Reject", "https://social.example/follows/eve")

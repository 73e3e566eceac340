"""Quote posts between artists of this server, as Mastodon.py sees them, and what leaves
the server for them (FEP-044f as Mastodon 4.5 writes it)."""

from __future__ import annotations

import pytest
import requests
from mastodon import MastodonAPIError

from fediserver.models import Activity, Notification, NotificationKind, Post
from tests.api.conftest import call

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def test_an_artist_quotes_another_and_the_quote_is_approved_at_once(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    original = await call(ada.client.status_post, "A new series of ink harbours")

    quote = await call(bea.client.status_post, "Look at these!", quoted_status_id=original.id)

    assert quote.quote.state == "accepted"
    assert quote.quote.quoted_status.id == original.id
    assert quote.quote.quoted_status.content == original.content
    assert await Notification.exists(kind=NotificationKind.QUOTE, account=ada.account)
    shown = await call(ada.client.status, quote.id)
    assert shown.quote.quoted_status.id == original.id
    # What leaves: the Note names the quoted post and the authorization ada's server serves.
    create = await Activity.get(type="Create", object_uri=quote.uri)
    note = create.payload["object"]
    assert note["quote"] == original.uri == note["_misskey_quote"]
    authorization = await call(requests.get, note["quoteAuthorization"],
                               headers={"Accept": "application/activity+json"})
    assert authorization.status_code == 200
    assert authorization.json()["type"] == "QuoteAuthorization"
    assert (authorization.json()["interactingObject"], authorization.json()["interactionTarget"]) == (
        quote.uri, original.uri)
    assert authorization.json()["attributedTo"] == ada.account.uri


async def test_every_note_says_who_may_quote_it(served, make_artist):
    ada = await make_artist("ada")
    public = await call(ada.client.status_post, "Open studio on Sunday")
    closed = await call(ada.client.status_post, "Work in progress", quote_approval_policy="nobody")
    private = await call(ada.client.status_post, "For followers", visibility="private")

    policies = {}
    for status in (public, closed, private):
        note = (await Activity.get(type="Create", object_uri=status.uri)).payload["object"]
        policies[status.id] = note["interactionPolicy"]["canQuote"]["automaticApproval"]
    assert policies == {public.id: [PUBLIC], closed.id: [ada.account.uri], private.id: [ada.account.uri]}
    assert public.quote_approval.automatic == ["public"] and closed.quote_approval.automatic == []


@pytest.mark.parametrize("visibility,policy", [("public", "nobody"), ("private", None)])
async def test_quoting_a_post_its_author_does_not_let_you_quote_is_refused(served, make_artist, visibility, policy):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    original = await call(ada.client.status_post, "Mine", visibility=visibility, quote_approval_policy=policy)

    assert (await call(bea.client.status, original.id)).quote_approval.current_user == "denied"
    with pytest.raises(MastodonAPIError, match="does not let you quote it"):
        await call(bea.client.status_post, "Quoting", quoted_status_id=original.id)
    assert not await Post.exists(account=bea.account)


async def test_an_artist_may_always_quote_herself(served, make_artist):
    ada = await make_artist("ada")
    original = await call(ada.client.status_post, "Sketch", quote_approval_policy="nobody")

    again = await call(ada.client.status_post, "Finished it", quoted_status_id=original.id)

    assert again.quote.state == "accepted" and again.quote.quoted_status.id == original.id


async def test_a_quote_of_a_followers_only_post_is_followers_only(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    original = await call(ada.client.status_post, "Followers only sketch", visibility="private")

    quote = await call(ada.client.status_post, "Self quote", quoted_status_id=original.id, visibility="public")

    assert quote.visibility == "private"
    response = await call(requests.get, f"{served.base_url}/api/v1/statuses/{quote.id}",
                          headers={"Authorization": f"Bearer {bea.token}"})
    assert response.status_code == 404


async def test_the_quoted_post_is_hidden_from_a_reader_who_may_no_longer_see_it(served, make_artist):
    ada, bea, cai = await make_artist("ada"), await make_artist("bea"), await make_artist("cai")
    original = await call(ada.client.status_post, "A study")
    quote = await call(bea.client.status_post, "Lovely", quoted_status_id=original.id)
    # The quoted post becomes one only its addressees may read.
    await Post.filter(id=int(original.id)).update(visibility="direct")

    seen = await call(cai.client.status, quote.id)

    assert (seen.quote.state, seen.quote.quoted_status) == ("unauthorized", None)
    assert (await call(ada.client.status, quote.id)).quote.quoted_status.id == original.id

"""Every read of the client API shows a post to the same people (``fediserver.visibility``),
as a Mastodon client sees it."""

from __future__ import annotations

import pytest
from mastodon import MastodonNotFoundError

from fediserver.models import Post
from outbox import relations
from tests.api.conftest import call


async def ids(listing) -> list[str]:
    return [status.id for status in await listing]


async def test_a_direct_post_is_in_every_list_of_its_addressee_and_nobody_elses(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    note = await call(ada.client.status_post, "@bea the sketch is yours", visibility="direct")

    # The addressee opens it, finds it among ada's posts and in her notifications.
    assert (await call(bea.client.status, note.id)).visibility == "direct"
    assert note.id in await ids(call(bea.client.account_statuses, ada.account.pk))
    mention = (await call(bea.client.notifications))[0]
    assert (mention.type, mention.status.id) == ("mention", note.id)
    # Its author too; anyone else finds nothing anywhere.
    assert note.id in await ids(call(ada.client.account_statuses, ada.account.pk))
    with pytest.raises(MastodonNotFoundError):
        await call(cy.client.status, note.id)
    assert note.id not in await ids(call(cy.client.account_statuses, ada.account.pk))
    assert note.id not in await ids(call(cy.client.timeline_public))


async def test_a_followers_only_post_reaches_a_follower_and_the_accounts_it_mentions(served, make_artist):
    ada, bea, cy, dan = [await make_artist(name) for name in ("ada", "bea", "cy", "dan")]
    await call(cy.client.account_follow, ada.account.pk)
    note = await call(ada.client.status_post, "studio open day, @bea bring the prints", visibility="private")
    assert note.id in await ids(call(cy.client.timeline_home))
    assert note.id in await ids(call(cy.client.account_statuses, ada.account.pk))
    assert (await call(bea.client.status, note.id)).id == note.id
    assert note.id in await ids(call(bea.client.account_statuses, ada.account.pk))
    with pytest.raises(MastodonNotFoundError):
        await call(dan.client.status, note.id)


async def test_a_hashtag_naming_someone_does_not_open_a_direct_post_to_them(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    note = await call(ada.client.status_post, "a note to myself", visibility="direct")
    await Post.filter(id=int(note.id)).update(tags=[{"type": "Hashtag", "href": bea.account.uri, "name": "#bea"}])
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status, note.id)


async def test_a_blocked_account_no_longer_sees_the_blockers_posts_nor_their_boosts(served, make_artist):
    ada, bea, cy = await make_artist("ada"), await make_artist("bea"), await make_artist("cy")
    note = await call(ada.client.status_post, "new series, first plate, @bea")
    boost = await call(cy.client.status_reblog, note.id)
    await call(bea.client.account_follow, cy.account.pk)
    assert boost.id in await ids(call(bea.client.timeline_home))
    assert [n.type for n in await call(bea.client.notifications)] == ["mention"]

    await relations.block(ada.account, bea.account)
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status, note.id)
    with pytest.raises(MastodonNotFoundError):
        await call(bea.client.status_favourite, note.id)
    assert await ids(call(bea.client.account_statuses, ada.account.pk)) == []
    assert note.id not in await ids(call(bea.client.timeline_public))
    assert boost.id not in await ids(call(bea.client.timeline_home))
    assert await call(bea.client.notifications) == []  # the mention went with the post

"""Direct conversations as Mastodon.py lists them: grouped by thread, unread until read,
removed until someone writes again, only for those in them."""

from __future__ import annotations

import httpx
from mastodon import MastodonNotFoundError
import pytest

from tests.api.conftest import call


async def test_direct_threads_are_conversations_with_unread_read_and_delete(served, make_artist):
    ada, bea, cid = await make_artist("ada"), await make_artist("bea"), await make_artist("cid")
    first = await call(ada.client.status_post, "@bea can you frame the prints?", visibility="direct")
    answer = await call(bea.client.status_post, "@ada yes, on Monday", visibility="direct", in_reply_to_id=first.id)
    other = await call(cid.client.status_post, "@ada a private word", visibility="direct")
    await call(ada.client.status_post, "Public note")

    listed = await call(ada.client.conversations)
    assert [c.last_status.id for c in listed] == [other.id, answer.id]
    assert [c.id for c in listed] == [other.id, first.id]
    assert [c.unread for c in listed] == [True, True]
    assert [[a.acct for a in c.accounts] for c in listed] == [["cid"], ["bea"]]
    assert [c.last_status.id for c in await call(bea.client.conversations)] == [answer.id]
    assert (await call(bea.client.conversations))[0].unread is False  # her own post is the last

    assert (await call(ada.client.conversations_read, first.id)).unread is False
    page = await call(httpx.get, f"{served.base_url}/api/v1/conversations?limit=1",
                      headers={"Authorization": f"Bearer {ada.token}"})
    assert [c["id"] for c in page.json()] == [other.id]
    rest = await call(httpx.get, page.links["next"]["url"], headers={"Authorization": f"Bearer {ada.token}"})
    assert [(c["id"], c["unread"]) for c in rest.json()] == [(first.id, False)]

    removed = await call(httpx.delete, f"{served.base_url}/api/v1/conversations/{other.id}",
                         headers={"Authorization": f"Bearer {ada.token}"})
    assert removed.status_code == 200
    assert [c.id for c in await call(ada.client.conversations)] == [first.id]
    again = await call(cid.client.status_post, "@ada still there?", visibility="direct", in_reply_to_id=other.id)
    back = await call(ada.client.conversations)
    assert [(c.id, c.last_status.id, c.unread) for c in back] == [(other.id, again.id, True), (first.id, answer.id, False)]

    with pytest.raises(MastodonNotFoundError):
        await call(cid.client.conversations_read, first.id)
    assert await call(cid.client.conversations) != []

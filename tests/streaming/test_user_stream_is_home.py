"""The ``user`` stream carries what the home timeline shows: members of an exclusive list
stay on the list's stream only, and posts with a followed hashtag come from accounts the
reader does not follow."""

from __future__ import annotations

from tests.api.conftest import call
from tests.streaming.helpers import arrivals_until, live
from tests.streaming_socket import socket_for, subscribe


async def test_the_user_stream_keeps_the_home_timelines_rule(served, make_artist):
    ada, bea, cara, dan = [await make_artist(name) for name in ("ada", "bea", "cara", "dan")]
    for followed in (ada, cara):
        await call(bea.client.account_follow, followed.account.pk)
    news = await call(bea.client.list_create, "News", exclusive=True)
    await call(bea.client.list_accounts_add, news.id, [cara.account.pk])
    await call(bea.client.tag_follow, "ink")
    socket = await socket_for(served, bea.token, target="/api/v1/streaming?stream=user")
    await subscribe(socket, "list", list=str(news.id))
    await live(socket, ada, "user")
    await live(socket, cara, "list")

    from_the_list = await call(cara.client.status_post, "Headlines")
    tagged = await call(dan.client.status_post, "Harbour in #ink")
    untagged = await call(dan.client.status_post, "Harbour in pencil")
    marker = await call(ada.client.status_post, "Studio notes")
    seen = await arrivals_until(socket, ("user", marker.id), ("user", tagged.id), ("list", from_the_list.id))
    on_user = {status_id for stream, _, status_id, _ in seen if stream == "user"}
    assert on_user == {tagged.id, marker.id}  # not the exclusive list's member, not an untagged stranger
    # The home timeline holds the same.
    home = {s.id for s in await call(bea.client.timeline_home, limit=40)}
    assert {tagged.id, marker.id} <= home and not {from_the_list.id, untagged.id} & home
    await socket.close()

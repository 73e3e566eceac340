"""The ``user`` and ``list`` streams carry what the home and list timelines show: members
of an exclusive list stay on the list's stream only, posts with a followed hashtag come
from accounts the reader does not follow, and a list's replies policy holds on its stream."""

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


async def test_a_list_stream_keeps_the_lists_replies_policy(served, make_artist):
    ada, bea, cara, dan = [await make_artist(name) for name in ("ada", "bea", "cara", "dan")]
    for followed in (ada, cara):
        await call(bea.client.account_follow, followed.account.pk)
    quiet = await call(bea.client.list_create, "Quiet", replies_policy="none")
    circle = await call(bea.client.list_create, "Circle", replies_policy="list")
    await call(bea.client.list_accounts_add, quiet.id, [ada.account.pk])
    await call(bea.client.list_accounts_add, circle.id, [ada.account.pk, cara.account.pk])
    sockets = {}
    for record in (quiet, circle):
        sockets[record.id] = await socket_for(served, bea.token, target=f"/api/v1/streaming?stream=list&list={record.id}")
        await live(sockets[record.id], ada, "list")

    question = await call(cara.client.status_post, "Which paper for drypoint?")
    to_a_member = await call(ada.client.status_post, "Hahnemühle", in_reply_to_id=question.id)
    stranger = await call(dan.client.status_post, "Anyone at the fair?")
    to_a_stranger = await call(ada.client.status_post, "I will be", in_reply_to_id=stranger.id)
    marker = await call(ada.client.status_post, "Studio notes")
    on_quiet = {status_id for _, _, status_id, _ in await arrivals_until(sockets[quiet.id], ("list", marker.id))}
    on_circle = {status_id for _, _, status_id, _ in await arrivals_until(
        sockets[circle.id], ("list", marker.id), ("list", to_a_member.id), ("list", question.id))}
    assert not {to_a_member.id, to_a_stranger.id} & on_quiet  # no replies at all
    assert to_a_stranger.id not in on_circle  # replies to members only
    # Each list's own timeline holds what its stream carried.
    quiet_page = {s.id for s in await call(bea.client.timeline_list, quiet.id)}
    circle_page = {s.id for s in await call(bea.client.timeline_list, circle.id)}
    assert marker.id in quiet_page and not {to_a_member.id, to_a_stranger.id} & quiet_page
    assert {question.id, to_a_member.id, marker.id} <= circle_page and to_a_stranger.id not in circle_page
    for socket in sockets.values():
        await socket.close()

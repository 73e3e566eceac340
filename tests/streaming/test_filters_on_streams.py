"""A reader's filters act on what her streams carry as on the timelines they mirror:
``hide`` keeps a post (or notification) off, ``warn`` sends it with ``filtered``; each
filter only in its context (home for ``user``, public for the public streams,
notifications), only until it expires, and never on the reader's own posts."""

from __future__ import annotations

from datetime import timedelta

from fediserver.clock import utcnow
from fediserver.models import Filter
from tests.api.conftest import call
from tests.streaming.helpers import arrivals_until, live
from tests.streaming_socket import socket_for, subscribe


async def test_hide_and_warn_filters_act_on_the_user_stream_but_never_on_ones_own_posts(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    await call(bea.client.create_filter_v2, "Elections", ["home"], "hide",
               keywords_attributes=[{"keyword": "election"}])
    cats = await call(bea.client.create_filter_v2, "Cats", ["home"], "warn",
                      keywords_attributes=[{"keyword": "cat", "whole_word": True}])
    socket = await socket_for(served, bea.token, target="/api/v1/streaming?stream=user")
    await live(socket, ada, "user")

    hidden = await call(ada.client.status_post, "Election night sketches")
    warned = await call(ada.client.status_post, "My CAT, in ink")
    own = await call(bea.client.status_post, "My own election thoughts")
    marker = await call(ada.client.status_post, "A plain harbour")
    seen = await arrivals_until(socket, ("user", marker.id))
    statuses = {status_id: status for _, _, status_id, status in seen}
    assert hidden.id not in statuses
    assert set(statuses) == {warned.id, own.id, marker.id}
    [result] = statuses[warned.id]["filtered"]
    assert (result["filter"]["id"], result["filter"]["title"], result["filter"]["filter_action"]) == (
        cats.id, "Cats", "warn")
    assert result["keyword_matches"] == ["cat"]
    # Nothing matched, or the reader's own post: an empty ``filtered``, as REST sends it.
    assert statuses[own.id]["filtered"] == [] and statuses[marker.id]["filtered"] == []

    # Edits are judged again: one that brings in a hidden word is not sent, a warned one is marked.
    await call(ada.client.status_update, warned.id, "My CAT, in ink and wash")
    await call(ada.client.status_update, marker.id, "A plain harbour on election day")
    after = await call(ada.client.status_post, "The harbour at night")
    seen = await arrivals_until(socket, ("user", warned.id, "status.update"), ("user", after.id))
    edits = [(status_id, status) for _, event, status_id, status in seen if event == "status.update"]
    assert [status_id for status_id, _ in edits] == [warned.id]
    assert "wash" in edits[0][1]["content"] and edits[0][1]["filtered"][0]["filter"]["title"] == "Cats"
    await socket.close()


async def test_a_filter_acts_only_in_its_context_and_only_until_it_expires(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    home_only = await call(bea.client.create_filter_v2, "No ink at home", ["home"], "hide",
                           keywords_attributes=[{"keyword": "ink"}])
    socket = await socket_for(served, bea.token, target="/api/v1/streaming?stream=user")
    await subscribe(socket, "public:local")
    await live(socket, ada, "user", "public:local")

    inky = await call(ada.client.status_post, "Ink study")
    marker = await call(ada.client.status_post, "Pencil study")
    seen = await arrivals_until(socket, ("user", marker.id), ("public:local", marker.id))
    assert ("user", inky.id) not in {(stream, status_id) for stream, _, status_id, _ in seen}
    [on_public] = [status for stream, _, status_id, status in seen if (stream, status_id) == ("public:local", inky.id)]
    assert on_public["filtered"] == []  # a home filter leaves the public stream alone

    await Filter.filter(id=int(home_only.id)).update(expires_at=utcnow() - timedelta(minutes=1))
    again = await call(ada.client.status_post, "Ink again")
    seen = await arrivals_until(socket, ("user", again.id), ("public:local", again.id))
    assert [status["filtered"] for stream, _, status_id, status in seen if stream == "user"] == [[]]
    await socket.close()


async def test_notification_filters_hide_or_mark_notifications(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(ada.client.create_filter_v2, "Harsh", ["notifications"], "hide",
               keywords_attributes=[{"keyword": "awful"}])
    await call(ada.client.create_filter_v2, "Praise", ["notifications"], "warn",
               keywords_attributes=[{"keyword": "lovely"}])
    socket = await socket_for(served, ada.token, target="/api/v1/streaming?stream=user:notification")
    hello = await call(bea.client.status_post, "@ada hello", visibility="public")
    await arrivals_until(socket, ("user:notification", hello.id), event="notification")

    harsh = await call(bea.client.status_post, "@ada this is awful")
    kind = await call(bea.client.status_post, "@ada lovely work")
    marker = await call(bea.client.status_post, "@ada see you at the print fair")
    seen = await arrivals_until(socket, ("user:notification", marker.id), event="notification")
    statuses = {status_id: status for _, _, status_id, status in seen}
    assert set(statuses) == {kind.id, marker.id}  # the awful one hidden
    [result] = statuses[kind.id]["filtered"]
    assert (result["filter"]["title"], result["keyword_matches"]) == ("Praise", ["lovely"])
    assert not statuses[marker.id].get("filtered")
    await socket.close()


async def test_an_account_muted_with_its_notifications_pings_no_stream(served, make_artist):
    ada, bea, cara = await make_artist("ada"), await make_artist("bea"), await make_artist("cara")
    await call(ada.client.account_mute, bea.account.pk, notifications=True)
    socket = await socket_for(served, ada.token, target="/api/v1/streaming?stream=user:notification")
    hello = await call(cara.client.status_post, "@ada hello", visibility="public")
    await arrivals_until(socket, ("user:notification", hello.id), event="notification")

    muted = await call(bea.client.status_post, "@ada are you there?")
    marker = await call(cara.client.status_post, "@ada see you at the print fair")
    seen = await arrivals_until(socket, ("user:notification", marker.id), event="notification")
    assert muted.id not in {status_id for _, _, status_id, _ in seen}
    # The notifications list agrees.
    assert muted.id not in {n.status.id for n in await call(ada.client.notifications) if n.status}
    await socket.close()

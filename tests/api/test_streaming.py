"""Live updates over the streaming API: what each stream carries, to whom, and refusals.

The server runs on a real Hypercorn (``served``); on PostgreSQL every event travels
through LISTEN/NOTIFY, on SQLite through the process's own fan-out."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import requests
from mastodon import Mastodon, StreamListener

from fediserver.local_accounts import create_api_token
from fediserver.models import Account, Post, Visibility
from fediserver.clock import utcnow
from outbox.statuses import edit_status
from tests.api.conftest import call
from tests.streaming_socket import Refused, StreamingSocket, events_until, is_update, socket_for, subscribe


async def nothing_more(socket: StreamingSocket, seconds: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        message = await socket.receive_json(seconds)
        pytest.fail(f"unexpected message {message}")


async def test_followers_see_posts_edits_and_deletions_live_and_strangers_only_public_ones(served, make_artist):
    ada, bea, cara = await make_artist("ada"), await make_artist("bea"), await make_artist("cara")
    await call(bea.client.account_follow, ada.account.pk)
    follower = await socket_for(served, bea.token)
    assert follower.subprotocol == bea.token  # echoed, or browsers drop the socket
    stranger = await socket_for(served, cara.token)
    await subscribe(follower, "user")
    await subscribe(stranger, "public:local")
    await subscribe(stranger, "user")
    await asyncio.sleep(0.2)  # the subscriptions are read before the posts are made

    secret = await call(ada.client.status_post, "Sketches for followers", visibility="private")
    shown = await call(ada.client.status_post, "A finished harbour #ink")
    messages = await events_until(follower, lambda m: is_update(m, ["user"], shown.id))
    [for_followers, public] = messages
    assert is_update(for_followers, ["user"], secret.id)
    status = json.loads(public["payload"])
    assert status["account"]["acct"] == "ada" and "harbour" in status["content"]
    assert status["uri"] == shown.uri  # as committed, not as first written
    assert [t["name"] for t in status["tags"]] == ["ink"]
    # The stranger follows no one: the public post comes on the local stream only, and
    # the followers-only post never.
    stranger_saw = await events_until(stranger, lambda m: is_update(m, ["public:local"], shown.id))
    assert len(stranger_saw) == 1
    await nothing_more(stranger)

    await edit_status(await Post.get(id=int(shown.id)), "A finished harbour, signed #ink")
    edited = await events_until(follower, lambda m: m["event"] == "status.update")
    assert "signed" in json.loads(edited[-1]["payload"])["content"]

    await call(ada.client.status_delete, shown.id)
    deleted = await events_until(follower, lambda m: m["event"] == "delete")
    assert deleted[-1] == {"stream": ["user"], "event": "delete", "payload": shown.id}
    await follower.close()
    await stranger.close()


async def test_notifications_and_direct_messages_reach_only_their_readers(served, make_artist):
    ada, bea, cara = await make_artist("ada"), await make_artist("bea"), await make_artist("cara")
    ada_socket = await socket_for(served, ada.token)
    await subscribe(ada_socket, "user:notification")
    await subscribe(ada_socket, "direct")
    cara_socket = await socket_for(served, cara.token)
    await subscribe(cara_socket, "direct")
    await subscribe(cara_socket, "user:notification")
    await asyncio.sleep(0.2)

    letter = await call(bea.client.status_post, "@ada a private word about the commission", visibility="direct")
    by_event = {}
    while len(by_event) < 2:
        message = await ada_socket.receive_json()
        by_event[message["event"]] = message
    notification = json.loads(by_event["notification"]["payload"])
    assert by_event["notification"]["stream"] == ["user:notification"]
    assert notification["type"] == "mention" and notification["status"]["id"] == letter.id
    assert notification["account"]["acct"] == "bea"
    conversation = json.loads(by_event["conversation"]["payload"])
    assert by_event["conversation"]["stream"] == ["direct"]
    assert conversation["last_status"]["id"] == letter.id
    assert [a["acct"] for a in conversation["accounts"]] == ["bea"]
    await nothing_more(cara_socket)
    await ada_socket.close()
    await cara_socket.close()


async def test_hashtag_streams_and_the_query_form_and_unsubscribing(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    socket = await StreamingSocket.open("127.0.0.1", served.port,
                                        target=f"/api/v1/streaming?access_token={bea.token}&stream=hashtag&tag=Ink")
    assert socket.subprotocol is None
    await asyncio.sleep(0.2)
    await call(ada.client.status_post, "Untagged study")
    tagged = await call(ada.client.status_post, "Harbour in #ink")
    [message] = await events_until(socket, lambda m: m["event"] == "update")
    assert message["stream"] == ["hashtag", "ink"] and json.loads(message["payload"])["id"] == tagged.id

    await socket.send_json({"type": "unsubscribe", "stream": "hashtag", "tag": "ink"})
    await subscribe(socket, "public:remote")
    await asyncio.sleep(0.2)
    await call(ada.client.status_post, "Another #ink study")
    # A post received from another server comes on the remote stream.
    remote = await Account.create(username="lu", domain="elsewhere.example", uri="https://elsewhere.example/users/lu",
                                  inbox_url="https://elsewhere.example/users/lu/inbox")
    received = await Post.create(uri="https://elsewhere.example/notes/1", account=remote, content="<p>hello</p>",
                                 visibility=Visibility.PUBLIC, published_at=utcnow())
    [message] = await events_until(socket, lambda m: True)
    assert message["stream"] == ["public:remote"] and json.loads(message["payload"])["id"] == str(received.pk)
    await socket.close()


async def test_a_list_stream_carries_its_members_posts_and_a_mute_silences_every_stream(served, make_artist):
    ada, bea, cara = await make_artist("ada"), await make_artist("bea"), await make_artist("cara")
    for artist in (ada, cara):
        await call(bea.client.account_follow, artist.account.pk)
    inks = await call(bea.client.list_create, "Ink people")
    await call(bea.client.list_accounts_add, inks.id, [ada.account.pk])
    listening = await socket_for(served, bea.token)
    await subscribe(listening, "list", list=str(inks.id))
    await subscribe(listening, "user")
    await call(bea.client.account_mute, cara.account.pk)
    await asyncio.sleep(0.2)

    muted = await call(cara.client.status_post, "Nobody hears this here")
    listed = await call(ada.client.status_post, "Ink on paper")
    # The listed post comes on both streams, in either order; the muted one on neither.
    on_list, on_home = ["list", str(inks.id)], ["user"]
    seen = await events_until(listening, lambda m: is_update(m, on_list, listed.id) or is_update(m, on_home, listed.id))
    first = on_list if is_update(seen[-1], on_list, listed.id) else on_home
    seen += await events_until(listening, lambda m: is_update(m, on_home if first == on_list else on_list, listed.id))
    assert not any(is_update(m, stream, muted.id) for m in seen for stream in (on_home, on_list))
    await nothing_more(listening)
    # Someone else's list is not found, as no list of one's own by that id is.
    stranger = await socket_for(served, cara.token)
    await subscribe(stranger, "list", list=str(inks.id))
    assert (await stranger.receive_json())["status"] == 404
    await stranger.close()
    await listening.close()


async def test_refusals_are_clear_and_keep_the_socket_open(served, make_artist):
    bea = await make_artist("bea")
    with pytest.raises(Refused) as missing:
        await StreamingSocket.open("127.0.0.1", served.port)
    assert missing.value.status == 401 and b"access token" in missing.value.body
    with pytest.raises(Refused) as unknown:
        await socket_for(served, "not-a-token")
    assert unknown.value.status == 401
    writer = await create_api_token("bea", scopes=["write"])
    with pytest.raises(Refused) as narrow:
        await socket_for(served, writer)
    assert narrow.value.status == 403

    socket = await socket_for(served, bea.token)
    await subscribe(socket, "everything")
    assert (await socket.receive_json())["error"].startswith("Unknown stream type")
    await subscribe(socket, "hashtag")
    assert (await socket.receive_json()) == {"error": 'The hashtag stream needs a tag ("tag": "name")', "status": 400}
    await subscribe(socket, "list", list="12")
    assert (await socket.receive_json())["status"] == 404
    await socket._writer.drain()
    socket._writer.write(socket._ws.send(__import__("wsproto").events.TextMessage(data="{not json")))
    assert (await socket.receive_json()) == {"error": "Malformed JSON", "status": 400}
    await subscribe(socket, "public")  # still open and listening
    await socket.close()

    health = await call(requests.get, f"{served.base_url}/api/v1/streaming/health")
    assert (health.status_code, health.text) == (200, "OK")
    unknown_sse = await call(requests.get, f"{served.base_url}/api/v1/streaming/nowhere",
                             headers={"Authorization": f"Bearer {bea.token}"})
    assert unknown_sse.status_code == 404 and unknown_sse.json()["error"].startswith("Unknown stream")
    plain = await call(requests.get, f"{served.base_url}/api/v1/streaming",
                       headers={"Authorization": f"Bearer {bea.token}"})
    assert plain.status_code == 400 and "?stream=" in plain.json()["error"]
    anonymous = await call(requests.get, f"{served.base_url}/api/v1/streaming/public")
    assert anonymous.status_code == 401 and "error" in anonymous.json()


async def test_instance_documents_advertise_the_streaming_url(served, make_artist):
    v1 = (await call(requests.get, f"{served.base_url}/api/v1/instance")).json()
    v2 = (await call(requests.get, f"{served.base_url}/api/v2/instance")).json()
    assert v1["urls"]["streaming_api"] == f"ws://{served.domain}"
    assert v2["configuration"]["urls"]["streaming"] == f"ws://{served.domain}"


class Collector(StreamListener):
    def __init__(self) -> None:
        self.updates = []
        self.arrived = threading.Event()

    def on_update(self, status) -> None:
        self.updates.append(status)
        self.arrived.set()


async def test_mastodon_py_streams_the_home_timeline_over_server_sent_events(served, make_artist):
    ada, bea = await make_artist("ada"), await make_artist("bea")
    await call(bea.client.account_follow, ada.account.pk)
    collector = Collector()
    reader = Mastodon(access_token=bea.token, api_base_url=served.base_url)
    assert await call(reader.stream_healthy)
    handle = await call(reader.stream_user, collector, run_async=True)
    try:
        for _ in range(50):
            if await call(handle.is_receiving):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.2)
        status = await call(ada.client.status_post, "Fresh from the studio")
        assert await call(collector.arrived.wait, 10)
        assert [u.id for u in collector.updates] == [status.id]
        assert collector.updates[0].account.acct == "ada"
    finally:
        # Its reading thread waits for the next byte (a heartbeat) before it can close;
        # the server's shutdown ends the response sooner.
        threading.Thread(target=handle.close, daemon=True).start()

"""A process's streams send events in the order they happened: a post deleted at once
after it was made reaches a reader as ``update`` then ``delete``, though deleting is
quicker to work out than rendering the post."""

from __future__ import annotations

import asyncio

from fediserver.clock import utcnow
from fediserver.event_bus import POST_CREATED, POST_DELETED, Event
from fediserver.local_accounts import create_local_account
from fediserver.models import Post, Visibility
from fediserver.room_settings import media_rules, media_store
from fediserver.streaming.hub import Listener, StreamHub
from fediserver.streaming.streams import subscription
from fediserver.urls import InstanceUrls
from media.links import MediaLinks
from tests.conftest import make_settings


async def test_a_post_deleted_at_once_reaches_the_stream_as_update_then_delete(db, tmp_path):
    urls = InstanceUrls("https://art.example")
    ada, bea = await create_local_account(urls, "ada"), await create_local_account(urls, "bea")
    post = await Post.create(uri=f"{ada.uri}/statuses/1", account=ada, visibility=Visibility.PUBLIC, local=True,
                             published_at=utcnow(), content="<p>a slip of the pen</p>")
    settings = make_settings(db, instance={"data_dir": str(tmp_path)})
    hub = StreamHub(MediaLinks(media_rules(settings), media_store(settings)))
    reader = Listener(bea, scopes=lambda wanted: True, subscriptions={subscription("public")})
    hub.add(reader)

    # As the event bus hands them over: each event its own task, in the order they came.
    made = asyncio.create_task(hub.handle(Event(POST_CREATED, post.pk)))
    deleted = asyncio.create_task(hub.handle(Event(POST_DELETED, post.pk, account_id=ada.pk)))
    await asyncio.gather(made, deleted)

    sent = []
    while not reader.queue.empty():
        sent.append((await reader.next_message()).event)
    assert sent == ["update", "delete"]

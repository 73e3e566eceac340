"""Posts from other servers: Create, Update and Delete of Notes and their kin.

Storing is ``inbox.remote_posts``' job (the same for every door a post comes in by);
this module decides what a received activity may do: only the author may create, edit
or delete a post, and a post already stored that reaches another local account's
personal inbox becomes readable by that account too. A reply to a post we do not have
is stored at once; its thread is fetched in the background (``inbox.threads``).
"""

from __future__ import annotations

from datetime import timedelta

from federation.vocab import ContentObject, same_origin
from fediserver import event_bus
from fediserver.clock import utcnow
from fediserver.models import FetchKind, MediaAttachment, NotificationKind, Post
from fediserver.models.interactions import notify
from inbox.handlers.base import Forged, Ignored, Inbound, Unknown, find_post, require_object_id, require_own_origin
from inbox.quotes import needs_settling
from inbox.remote_posts import STORED_TYPES, grant_delivered_reader, store_post, update_stored_post
from inbox.fetch_tasks import enqueue_fetch
from inbox.handlers.votes import record_vote
from inbox.polls import is_vote

def _storable(obj: ContentObject) -> None:
    if obj.type not in STORED_TYPES:
        raise Ignored(f"{obj.type} objects are not stored")
    if is_vote(obj):
        raise Ignored("a poll vote is counted, not stored as a post")


async def handle_create(inbound: Inbound) -> None:
    obj = inbound.activity.object
    object_id = require_object_id(inbound)
    if not isinstance(obj, ContentObject):
        # Only its id was sent: fetch it from its own server, when that is the sender's.
        require_own_origin(inbound, object_id)
        known = await find_post(object_id)
        if known is None:
            raise Unknown(object_id)
        if known.account_id != inbound.sender.pk:
            raise Ignored(f"{object_id} is not the sender's post")
        for reader in inbound.delivered_to:
            await grant_delivered_reader(object_id, reader)
        return
    if is_vote(obj):
        await record_vote(inbound, obj)
        return
    _storable(obj)
    require_own_origin(inbound, obj.id)
    if obj.author != inbound.sender.uri:
        raise Ignored(f"{obj.id} is attributed to {obj.author}, not to the sender")
    if await Post.exists(uri=obj.id):
        for reader in inbound.delivered_to:
            await grant_delivered_reader(obj.id, reader)
        raise Ignored(f"{obj.id} is already stored")
    post = await store_post(obj, inbound.sender, inbound.raw_object, inbound.delivered_to)
    if post.in_reply_to_uri and post.in_reply_to_id is None:
        await enqueue_fetch(FetchKind.ANCESTORS, post.uri)
    if needs_settling(post):
        await enqueue_fetch(FetchKind.QUOTE, post.uri)


async def update_post(inbound: Inbound, obj: ContentObject) -> None:
    sender = inbound.sender
    if not same_origin(obj.id, sender.uri) or (obj.author and obj.author != sender.uri):
        raise Forged(f"{sender.uri} may not update {obj.id}")
    post = await find_post(obj.id)
    if post is None:
        raise Ignored(f"post {obj.id} is not known here; not fetched")
    if post.account_id != sender.id:
        raise Forged(f"{obj.id} belongs to another account than {sender.uri}")
    _storable(obj)
    edited = await update_stored_post(post, obj, sender, inbound.raw_object, inbound.delivered_to)
    if needs_settling(post):
        await enqueue_fetch(FetchKind.QUOTE, post.uri, refresh_after=timedelta(0))
    if not edited:
        return
    for booster_id in await Post.filter(boost_of=post).values_list("account_id", flat=True):
        await notify(booster_id, sender, NotificationKind.UPDATE, post)


async def delete_post(inbound: Inbound, object_id: str) -> None:
    sender = inbound.sender
    embedded = inbound.activity.object
    if not same_origin(object_id, sender.uri) or (
        isinstance(embedded, ContentObject) and embedded.author and embedded.author != sender.uri
    ):
        raise Forged(f"{sender.uri} may not delete {object_id}")
    post = await find_post(object_id)
    if post is None:
        raise Ignored(f"post {object_id} is not known here")
    if post.account_id != sender.id:
        raise Forged(f"{object_id} belongs to another account than {sender.uri}")
    await MediaAttachment.filter(post=post).delete()
    await Post.filter(boost_of=post).delete()
    post.content, post.summary, post.document, post.tags = "", "", None, []
    post.object_type = "Tombstone"
    post.deleted_at = utcnow()
    await post.save()
    await event_bus.post_deleted(post)

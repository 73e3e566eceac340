"""This process's open streaming connections, and who hears each event of the bus.

Every connection (``Listener``: a WebSocket or a server-sent-events response) belongs to
one account and holds its subscriptions. For each event the hub reads the rows once,
then for every subscription decides whether its stream carries the post, asks
``fediserver.visibility.may_read`` whether the account may see it (once per account and
event), renders the entity (once per event where nothing in it depends on the reader),
judges it by the reader's filters and queues the message on the connection. A
connection that stops reading and lets ``QUEUE_LIMIT`` messages pile up is closed, so a
stalled client holds no memory.

Which posts a stream carries:

- ``user``: the account's home timeline, asked of ``fediserver.home_timeline`` (the rule
  ``/api/v1/timelines/home`` pages through: its own posts and boosts, those of the
  accounts it follows and posts with a hashtag it follows, without the members of its
  exclusive lists), and its notifications;
- ``public``, ``public:local``, ``public:remote``: public posts, not boosts (as the
  public timeline);
- ``hashtag``, ``hashtag:local``: public posts with the tag;
- ``direct``: direct posts, as ``conversation`` events;
- ``list``: the list's timeline, asked of ``fediserver.list_timeline`` (the members its
  owner still follows, replies as its ``replies_policy`` says).

Filters (``fediserver.api.filtering``, the functions the REST timelines use) act on
``update`` and ``status.update`` in the context of the timeline a stream mirrors
(``streams.FILTER_CONTEXT``: home for ``user`` and ``list``, public for the public and
hashtag streams) and on notifications in "notifications": ``hide`` sends the reader
nothing, ``warn`` sends the status with ``filtered`` naming the filter and what matched.
The filters in force are read once per event for all its readers, so an expired or
changed filter counts from the next event on, in every process; a reader whom no filter
concerns gets the shared entity, only a warned one her own copy.

A deletion reaches every post stream of the accounts that may read the deleted post (a
tombstone is kept) or, for an undone boost, the boosted post; its payload is only the id.

Events are worked out one at a time, in the order they came, so a connection hears them
in that order (a post deleted at once reaches it as ``update``, then ``delete``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fediserver.api.filtering import (
    ActiveFilter, active_filters, filters_in_force, hidden_by_filters, in_context, unmatched,
)
from fediserver.api.serializers import accounts_json, notifications_json, statuses_json
from fediserver.event_bus import NOTIFICATION_CREATED, POST_CREATED, POST_DELETED, POST_UPDATED, Event
from fediserver.home_timeline import on_home_timeline
from fediserver.list_timeline import on_list_timeline
from fediserver.models import Account, AccountList, Addressee, Mute, Notification, Post, Visibility
from fediserver.streaming import streams
from fediserver.streaming.streams import Subscription
from fediserver.visibility import may_read
from media.links import MediaLinks

log = logging.getLogger("fediserver.streaming")

QUEUE_LIMIT = 500


@dataclass(eq=False)
class Message:
    """One event for one stream; the same object goes to every connection that gets it,
    so its WebSocket text is encoded once."""

    label: tuple[str, ...]
    event: str
    payload: str
    _text: str | None = None

    def websocket_text(self) -> str:
        if self._text is None:
            self._text = json.dumps({"stream": list(self.label), "event": self.event, "payload": self.payload},
                                    separators=(",", ":"))
        return self._text

    def sse_text(self) -> str:
        return f"event: {self.event}\ndata: {self.payload}\n\n"


@dataclass(eq=False)
class Listener:
    """One open connection: its account, what it may read, what it subscribed to."""

    account: Account
    scopes: Callable[[tuple[str, ...]], bool]  # whether the token holds any of these scopes
    subscriptions: set[Subscription] = field(default_factory=set)
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def offer(self, message: Message) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # The client stopped reading: end the connection rather than hold its backlog.
            self.overflowed = True
            self.queue = asyncio.Queue(1)
            self.queue.put_nowait(None)

    async def next_message(self) -> Message | None:
        """The next message to send; None when the connection must end."""
        return await self.queue.get()


class StreamHub:
    def __init__(self, links: MediaLinks) -> None:
        self.links = links
        self.listeners: set[Listener] = set()
        # Events are worked out one at a time, in the order the bus delivered them: a
        # post's delete never overtakes its update on a connection.
        self._in_order = asyncio.Lock()

    def add(self, listener: Listener) -> None:
        self.listeners.add(listener)

    def remove(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def handle(self, event: Event) -> None:
        """Fan one event of the bus out to the connections of this process, after the
        events that came before it (the lock lets waiters in the order they came)."""
        if not self.listeners:
            return
        async with self._in_order:
            try:
                if event.kind in (POST_CREATED, POST_UPDATED):
                    await self._post(event)
                elif event.kind == POST_DELETED:
                    await self._deleted(event)
                elif event.kind == NOTIFICATION_CREATED:
                    await self._notification(event)
            except Exception:
                log.exception("live event %s could not be sent", event)

    def _subscribed(self, wanted: frozenset[str]) -> list[tuple[Listener, Subscription]]:
        return [(listener, sub) for listener in list(self.listeners) for sub in list(listener.subscriptions)
                if sub.stream in wanted]

    async def _post(self, event: Event) -> None:
        targets = self._subscribed(streams.POST_STREAMS)
        if not targets:
            return
        post = await Post.get_or_none(id=event.id, deleted_at=None).select_related("account")
        if post is None:
            return  # deleted since, or its write was rolled back
        readers = {listener.account.pk: listener.account for listener, _ in targets}
        muting = await _muting(post, readers)
        readable = _Readable(post)
        home = await _home_readers(post, [listener.account for listener, sub in targets
                                          if sub.stream == streams.USER and listener.account.pk not in muting])
        readable.answers.update(dict.fromkeys(home, True))  # on one's home timeline is readable
        lists = await _lists_carrying(post, {sub.parameter for _, sub in targets if sub.stream == streams.LIST})
        hashtags = {tag["name"].lstrip("#").lower() for tag in post.tags
                    if isinstance(tag, dict) and tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str)}
        await readable.ask(listener.account for listener, sub in targets
                           if listener.account.pk not in muting
                           and _carries(sub, post, listener.account.pk, home, hashtags, lists))
        carried = [(listener, sub) for listener, sub in targets
                   if listener.account.pk not in muting and _carries(sub, post, listener.account.pk, home, hashtags, lists)
                   and await readable(listener.account)]
        filters = await filters_in_force(listener.account.pk for listener, sub in carried
                                         if sub.stream in streams.FILTER_CONTEXT)
        renders = _Renders(post, self.links, filters, shared=event.kind == POST_CREATED and await _reader_free(post))
        update = "status.update" if event.kind == POST_UPDATED else "update"
        messages: dict[tuple, Message] = {}
        for listener, sub in carried:
            if sub.stream == streams.DIRECT:
                if event.kind == POST_CREATED:
                    listener.offer(Message(sub.label, "conversation", await renders.conversation(listener.account)))
                continue
            payload = await renders.status(listener.account, streams.FILTER_CONTEXT[sub.stream])
            if payload is None:
                continue  # a filter of the reader's hides it
            key = (sub.label, id(payload))
            if key not in messages:
                messages[key] = Message(sub.label, update, payload)
            listener.offer(messages[key])

    async def _deleted(self, event: Event) -> None:
        targets = self._subscribed(streams.POST_STREAMS)
        if not targets:
            return
        post = await Post.get_or_none(id=event.id)
        if post is None and event.boost_of_id is not None:
            post = await Post.get_or_none(id=event.boost_of_id)  # an undone boost: who saw what it boosted
        if post is None:
            return
        readable = _Readable(post)
        messages: dict[tuple[str, ...], Message] = {}
        for listener, sub in targets:
            if await readable(listener.account):
                listener.offer(messages.setdefault(sub.label, Message(sub.label, "delete", str(event.id))))

    async def _notification(self, event: Event) -> None:
        targets = [(listener, sub) for listener, sub in self._subscribed(streams.NOTIFICATION_STREAMS)
                   if listener.scopes(("read:notifications",))]
        if not targets:
            return
        notification = await Notification.get_or_none(id=event.id).select_related("account", "from_account", "post")
        if notification is None:
            return
        targets = [(listener, sub) for listener, sub in targets if listener.account.pk == notification.account_id]
        if not targets:
            return
        reader = notification.account
        if notification.post is not None and not await may_read(notification.post, reader):
            return
        [document] = await notifications_json([notification], reader, self.links)
        if hidden_by_filters(document["status"], await active_filters(reader, streams.NOTIFICATION_FILTER_CONTEXT),
                             reader):
            return
        payload = _json(document)
        for listener, sub in targets:
            listener.offer(Message(sub.label, "notification", payload))


def _carries(sub: Subscription, post: Post, reader_id: int, home: set[int], hashtags: set[str],
             lists: set[str]) -> bool:
    """Whether the stream of ``sub`` shows ``post`` (before asking who may read it)."""
    public_post = post.visibility == Visibility.PUBLIC and post.boost_of_id is None
    match sub.stream:
        case streams.USER:
            return reader_id in home
        case streams.PUBLIC:
            return public_post
        case streams.PUBLIC_LOCAL:
            return public_post and post.local
        case streams.PUBLIC_REMOTE:
            return public_post and not post.local
        case streams.HASHTAG:
            return public_post and sub.parameter in hashtags
        case streams.HASHTAG_LOCAL:
            return public_post and post.local and sub.parameter in hashtags
        case streams.DIRECT:
            return post.visibility == Visibility.DIRECT and post.boost_of_id is None
        case streams.LIST:
            return sub.parameter in lists
    return False


async def _lists_carrying(post: Post, list_ids: set[str]) -> set[str]:
    """Of the subscribed lists, those whose timeline has ``post`` (the rule of
    ``/api/v1/timelines/list/:id``, asked of ``fediserver.list_timeline``)."""
    if not list_ids:
        return set()
    # Only lists the post's author is in can carry it: one query narrows them first.
    candidates = await AccountList.filter(id__in=[int(list_id) for list_id in list_ids],
                                          members__account_id=post.account_id).select_related("account")
    return {str(record.pk) for record in candidates if await on_list_timeline(post, record, record.account)}


async def _muting(post: Post, readers: dict[int, Account]) -> set[int]:
    """The readers who mute the post's author (or, for a boost, the boosted post's): no
    stream shows them the post, as no list does."""
    authors = [post.account_id]
    if post.boost_of_id is not None:
        authors += await Post.filter(id=post.boost_of_id).values_list("account_id", flat=True)
    mutes = Mute.in_force(account_id__in=list(readers), target_id__in=authors)
    return set(await mutes.values_list("account_id", flat=True))


async def _home_readers(post: Post, readers: list[Account]) -> set[int]:
    """Of ``readers``, those whose home timeline has ``post`` (``on_home_timeline``, the
    rule of ``/api/v1/timelines/home``), asked together."""
    unique = {reader.pk: reader for reader in readers}
    answers = await asyncio.gather(*(on_home_timeline(post, reader) for reader in unique.values()))
    return {pk for pk, on_home in zip(unique, answers) if on_home}


async def _reader_free(post: Post) -> bool:
    """Whether a new post's entity is the same for every reader: nobody has acted on a
    post just made, and a quote's embedded post may depend on who reads it."""
    return post.boost_of_id is None and post.quote_uri is None


class _Readable:
    """``may_read`` for one post, asked once per account."""

    def __init__(self, post: Post) -> None:
        self.post = post
        self.answers: dict[int, bool] = {}

    async def ask(self, readers: Iterable[Account]) -> None:
        """Ask for many readers at once (concurrently, where the database pool allows)."""
        unasked = {reader.pk: reader for reader in readers if reader.pk not in self.answers}
        answers = await asyncio.gather(*(may_read(self.post, reader) for reader in unasked.values()))
        self.answers.update(zip(unasked, answers))

    async def __call__(self, reader: Account) -> bool:
        if reader.pk not in self.answers:
            self.answers[reader.pk] = await may_read(self.post, reader)
        return self.answers[reader.pk]


class _Renders:
    """A post's entities for one event: rendered once for all readers when ``shared``,
    else once per reader; then judged by each reader's filters (``filters``: those in
    force, by reader), a copy made only for a reader a ``warn`` filter marks."""

    def __init__(self, post: Post, links: MediaLinks, filters: dict[int, list[ActiveFilter]], *,
                 shared: bool) -> None:
        self.post, self.links, self.filters, self.shared = post, links, filters, shared
        self.statuses: dict[int | None, str] = {}
        self.judged: dict[tuple[int, str], str | None] = {}
        self.conversations: dict[int, str] = {}

    async def status(self, reader: Account, context: str) -> str | None:
        """The Status entity as ``reader`` gets it in filter ``context``; None when one of
        her filters hides it."""
        key = None if self.shared and reader.pk != self.post.account_id else reader.pk
        if key not in self.statuses:
            [document] = await statuses_json([self.post], reader if key is not None else None, self.links)
            self.statuses[key] = _json(unmatched(document))
        payload = self.statuses[key]
        filters = in_context(self.filters.get(reader.pk, []), context)
        if not filters:
            return payload
        if (reader.pk, context) not in self.judged:
            document = json.loads(payload)
            hidden = hidden_by_filters(document, filters, reader)
            self.judged[reader.pk, context] = None if hidden else _json(document) if document["filtered"] else payload
        return self.judged[reader.pk, context]

    async def conversation(self, reader: Account) -> str:
        """Mastodon's Conversation entity of a direct post: its thread, the others in it."""
        if reader.pk not in self.conversations:
            [status] = await statuses_json([self.post], reader, self.links)
            others = await Account.filter(id__in=[self.post.account_id, *await Addressee.filter(
                post_id=self.post.pk).values_list("account_id", flat=True)]).exclude(id=reader.pk)
            rendered = await accounts_json(others)
            self.conversations[reader.pk] = _json({
                "id": str(await _thread_root(self.post)),
                "unread": reader.pk != self.post.account_id,
                "accounts": [rendered[a.pk] for a in others],
                "last_status": status,
            })
        return self.conversations[reader.pk]


async def _thread_root(post: Post, limit: int = 50) -> int:
    """The id of the first post of ``post``'s thread (as far as it is stored)."""
    root_id, parent_id = post.pk, post.in_reply_to_id
    for _ in range(limit):
        if parent_id is None:
            break
        root_id = parent_id
        parent_id = await Post.filter(id=parent_id).values_list("in_reply_to_id", flat=True).first()
    return root_id


def _json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


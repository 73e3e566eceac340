"""Direct conversations in the client API (``/api/v1/conversations``): the threads of
direct posts the caller wrote or was named in, newest activity first, each with the
other people in it, its last status and whether it is unread; ``POST .../:id/read``
marks one read, ``DELETE .../:id`` removes it from the list until a new post arrives.

A conversation is named by its thread's root post (``reader_marks.thread_roots``), and
only posts the caller may see count (``fediserver.visibility``). Where she stands in
each is a ``ConversationMark``. Paging follows each conversation's last post.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import Blueprint, jsonify, request

from fediserver.api.auth import require_account
from fediserver.api.context import services
from fediserver.api.pagination import Page, link_header
from fediserver.api.serializers import accounts_json, statuses_json
from fediserver.models import Account, Addressee, ConversationMark, Post, Visibility
from fediserver.models.reader_marks import thread_roots
from fediserver.refusals import not_found, record_id
from fediserver.visibility import visible_posts

blueprint = Blueprint("api_conversations", __name__)

# How many of the caller's latest direct posts are gathered into conversations.
RECENT_DIRECT_POSTS = 500


@dataclass
class Conversation:
    pk: int  # the root post's id: the conversation's id
    last_id: int
    post_ids: list[int]
    mark: ConversationMark | None

    def unread(self, reader: Account, last_author_id: int) -> bool:
        return last_author_id != reader.pk and self.last_id > (self.mark.read_up_to if self.mark else 0)


@blueprint.get("/api/v1/conversations")
@blueprint.get("/api/v1/conversations/")  # Mastodon.py asks with the slash
async def index():
    account = await require_account(scope="read:statuses")
    page = Page.from_request()
    shown = [c for c in await _conversations(account) if c.last_id > (c.mark.hidden_up_to if c.mark else 0)]
    if page.max_id is not None:
        shown = [c for c in shown if c.last_id < page.max_id]
    if page.since_id is not None:
        shown = [c for c in shown if c.last_id > page.since_id]
    if page.min_id is not None:
        shown = sorted((c for c in shown if c.last_id > page.min_id), key=lambda c: c.last_id)[:page.limit]
        shown.reverse()
    shown = shown[:page.limit]
    documents = await _documents(shown, account)
    cursors = [_Cursor(c.last_id) for c in shown]
    return jsonify(documents), 200, link_header(cursors)


@blueprint.post("/api/v1/conversations/<conversation_id>/read")
async def read(conversation_id: str):
    account = await require_account(scope="write:conversations")
    conversation = await _one(account, conversation_id)
    mark = await _mark(account, conversation)
    mark.read_up_to = conversation.last_id
    await mark.save(update_fields=["read_up_to"])
    conversation.mark = mark
    [document] = await _documents([conversation], account)
    return jsonify(document)


@blueprint.delete("/api/v1/conversations/<conversation_id>")
async def remove(conversation_id: str):
    account = await require_account(scope="write:conversations")
    conversation = await _one(account, conversation_id)
    mark = await _mark(account, conversation)
    mark.hidden_up_to = mark.read_up_to = conversation.last_id
    await mark.save(update_fields=["hidden_up_to", "read_up_to"])
    return jsonify({})


@dataclass(frozen=True)
class _Cursor:
    pk: int


async def _conversations(account: Account) -> list[Conversation]:
    """The caller's direct conversations, newest last post first."""
    rows = await visible_posts(account).filter(visibility=Visibility.DIRECT, boost_of_id__isnull=True) \
        .order_by("-id").limit(RECENT_DIRECT_POSTS).values_list("id", flat=True)
    roots = await thread_roots(rows)
    grouped: dict[int, list[int]] = {}
    for post_id in rows:  # newest first
        grouped.setdefault(roots[post_id], []).append(post_id)
    marks = {m.root_id: m for m in await ConversationMark.filter(account=account, root_id__in=list(grouped))}
    return [Conversation(root, ids[0], ids, marks.get(root)) for root, ids in grouped.items()]


async def _one(account: Account, conversation_id: str) -> Conversation:
    wanted = record_id(conversation_id)
    for conversation in await _conversations(account):
        if conversation.pk == wanted:
            return conversation
    raise not_found("Conversation")


async def _mark(account: Account, conversation: Conversation) -> ConversationMark:
    if conversation.mark is not None:
        return conversation.mark
    mark, _ = await ConversationMark.get_or_create(account=account, root_id=conversation.pk)
    return mark


async def _documents(conversations: list[Conversation], reader: Account) -> list[dict[str, Any]]:
    """Mastodon's Conversation entity: id, unread, the other accounts, last_status."""
    if not conversations:
        return []
    last_posts = {p.pk: p for p in await Post.filter(id__in=[c.last_id for c in conversations])
                  .select_related("account")}
    statuses = await statuses_json([last_posts[c.last_id] for c in conversations], reader, services().media_links)
    all_ids = [pk for c in conversations for pk in c.post_ids]
    authors = dict(await Post.filter(id__in=all_ids).values_list("id", "account_id"))
    named: dict[int, set[int]] = {}
    for post_id, account_id in await Addressee.filter(post_id__in=all_ids).values_list("post_id", "account_id"):
        named.setdefault(post_id, set()).add(account_id)
    people = {c.pk: sorted(({authors[pk] for pk in c.post_ids} | {a for pk in c.post_ids for a in named.get(pk, ())})
                           - {reader.pk}) for c in conversations}
    accounts = await accounts_json(await Account.filter(id__in={a for ids in people.values() for a in ids}))
    return [
        {
            "id": str(c.pk),
            "unread": c.unread(reader, last_posts[c.last_id].account_id),
            "accounts": [accounts[a] for a in people[c.pk] if a in accounts],
            "last_status": status,
        }
        for c, status in zip(conversations, statuses)
    ]

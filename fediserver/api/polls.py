"""Polls in the client API: ``poll[...]`` when posting or editing a status
(``poll_spec``), ``GET /api/v1/polls/:id`` and ``POST /api/v1/polls/:id/votes``, and the
Poll entity inside statuses (``polls_json``, one batch per page).

A poll is shown to whoever may see its post. With ``hide_totals`` the counts stay
hidden from everyone but its author until it ends. A remote poll opened by someone
signed in is fetched again in the background for its current counts
(``inbox.polls.refresh_remote_poll``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from quart import Blueprint, jsonify

from fediserver.api.auth import optional_account, require_account
from fediserver.api.context import services
from fediserver.api.params import Params
from fediserver.api.serializers import iso
from fediserver.clock import utcnow
from fediserver.models import Account, FetchKind, Poll, PollVote, Post
from fediserver.refusals import not_found, record_id, unprocessable
from fediserver.visibility import visible_posts
from inbox.fetch_tasks import enqueue_fetch
from outbox import polls
from outbox.errors import ActionError

# A remote poll someone here opens is fetched again at most this often, while open and for
# a day after its end (its last votes may come in late).
REFRESH_EVERY = timedelta(minutes=1)
RECOUNTED_AFTER_END = timedelta(days=1)

blueprint = Blueprint("api_polls", __name__)


@blueprint.get("/api/v1/polls/<poll_id>")
async def show(poll_id: str):
    viewer = await optional_account(scope="read:statuses")
    poll, post = await _visible_poll(poll_id, viewer)
    if viewer is not None and not post.local and (
            poll.expires_at is None or poll.expires_at > utcnow() - RECOUNTED_AFTER_END):
        # Someone is looking at it: a remote poll's counts are fetched again, at most once
        # a minute (the answer gives the counts known now; the app's next look, the new ones).
        await enqueue_fetch(FetchKind.POLL, post.uri, refresh_after=REFRESH_EVERY)
    return jsonify((await polls_json([poll], viewer, {post.pk: post.account_id}))[post.pk])


@blueprint.post("/api/v1/polls/<poll_id>/votes")
async def votes(poll_id: str):
    account = await require_account(scope="write:statuses")
    poll, post = await _visible_poll(poll_id, account)
    params = await Params.read()
    choices = []
    for value in params.texts("choices"):
        if not value.lstrip("-").isdigit():
            raise unprocessable(f"choices are option numbers, not {value!r}")
        choices.append(int(value))
    await polls.vote(account, poll, choices, notes=services().notes)
    poll = await Poll.get(id=poll.pk)
    return jsonify((await polls_json([poll], account, {post.pk: post.account_id}))[post.pk])


def poll_spec(params: Params) -> polls.PollSpec | None:
    """The ``poll`` a client sent with a status (JSON object or ``poll[...]`` form fields)."""
    given = params.nested("poll")
    if given is None:
        return None
    expires_in = given.text("expires_in", "") or ""
    if not expires_in.strip().isdigit():
        raise unprocessable("poll[expires_in] must be a number of seconds")
    try:
        return polls.PollSpec(options=tuple(given.texts("options")), expires_in=int(expires_in),
                              multiple=given.flag("multiple"), hide_totals=given.flag("hide_totals"))
    except ActionError as refused:
        raise unprocessable(str(refused)) from None


async def polls_json(rows: list[Poll], viewer: Account | None,
                     authors: dict[int, int] | None = None) -> dict[int, dict[str, Any]]:
    """Mastodon's Poll entity for each poll, by its post's id (``authors``: each post's
    author's id, when already known)."""
    if not rows:
        return {}
    own: dict[int, list[int]] = {}
    if viewer is not None:
        for poll_id, choice in await PollVote.filter(poll_id__in=[p.pk for p in rows], account_id=viewer.pk) \
                .order_by("id").values_list("poll_id", "choice"):
            own.setdefault(poll_id, []).append(choice)
    if authors is None:
        authors = dict(await Post.filter(id__in=[p.post_id for p in rows]).values_list("id", "account_id"))
    now = utcnow()
    documents = {}
    for poll in rows:
        expired = poll.expired(now)
        hidden = poll.hide_totals and not expired and (viewer is None or viewer.pk != authors.get(poll.post_id))
        counts = [*poll.votes, *[0] * len(poll.options)]
        documents[poll.post_id] = {
            "id": str(poll.pk),
            "expires_at": iso(poll.expires_at),
            "expired": expired,
            "multiple": poll.multiple,
            "votes_count": None if hidden else sum(counts[:len(poll.options)]),
            "voters_count": None if hidden else poll.voters_count,
            "options": [{"title": title, "votes_count": None if hidden else counts[index]}
                        for index, title in enumerate(poll.options)],
            "emojis": [],
            "voted": None if viewer is None else poll.pk in own,
            "own_votes": None if viewer is None else own.get(poll.pk, []),
        }
    return documents


async def _visible_poll(poll_id: str, viewer: Account | None) -> tuple[Poll, Post]:
    """The poll and its post, when ``viewer`` may see the post; 404 otherwise."""
    poll = await Poll.get_or_none(id=record_id(poll_id))
    post = await visible_posts(viewer).get_or_none(id=poll.post_id) if poll is not None else None
    if post is None:
        raise not_found("Poll")
    return poll, post

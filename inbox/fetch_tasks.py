"""Fetching in the background: the ``fetches`` job and the tasks it runs.

What a request or an inbound activity must not wait for is recorded as a ``FetchTask``
(one row per kind and post, so asking twice costs nothing; ``enqueue_fetch``) and done
by the ``fetches`` job with the resolver, outside any request or transaction:

- ``ancestors`` and ``replies``: the thread around a post (``inbox.threads``);
- ``quote``: the post a stored post quotes, fetched when unknown, and its authorization
  fetched and checked (``inbox.quotes``);
- ``poll``: a remote poll's current counts, when someone here opens it (``inbox.polls``).

A task that fails for another reason than a post not existing (the network) is tried
again later, three times in all, and then recorded as failed with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from fediserver.clock import utcnow
from fediserver.models import FetchKind, FetchState, FetchTask, Post, QuoteState
from fediserver.models.queue import claim_due
from inbox.polls import refresh_remote_poll
from inbox.quotes import authorizes, judged_again
from inbox.resolver import NotResolved, Resolver
from inbox.threads import fetch_ancestors, fetch_replies

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


async def enqueue_fetch(kind: FetchKind | str, uri: str, *, refresh_after: timedelta | None = None) -> bool:
    """Ask for a background fetch around the stored post ``uri``; True when one was newly
    asked for (a finished one counts again once older than ``refresh_after``)."""
    kind = FetchKind(kind)
    now = utcnow()
    existing = await FetchTask.get_or_none(kind=kind, uri=uri)
    if existing is None:
        try:
            async with in_transaction():
                await FetchTask.create(kind=kind, uri=uri, available_at=now)
            return True
        except IntegrityError:  # asked for by someone else at the same moment
            return False
    stale = refresh_after is not None and existing.state != FetchState.PENDING and (
        existing.done_at is None or existing.done_at < now - refresh_after)
    if not stale:
        return False
    await FetchTask.filter(id=existing.id).update(state=FetchState.PENDING, attempts=0, available_at=now,
                                                  claimed_until=None, last_error=None)
    return True


async def settle_quote(resolver: Resolver, uri: str) -> QuoteState | None:
    """Fetch what a stored quote lacks (the quoted post, a remote authorization) and
    decide it; the state it ends in."""
    post = await Post.get_or_none(uri=uri).select_related("account")
    if post is None or not post.quote_uri or post.quote_state != QuoteState.PENDING:
        return post.quote_state if post is not None else None
    quoted = await Post.get_or_none(id=post.quote_of_id) if post.quote_of_id else None
    if quoted is None:
        try:
            quoted = await resolver.post(post.quote_uri, thread=False)
        except NotResolved as reason:
            log.info("the post quoted by %s could not be fetched: %s", uri, reason)
            return post.quote_state
    quoted = await Post.get(id=quoted.pk).select_related("account")
    if post.quote_authorization_uri and not quoted.local and quoted.account_id != post.account_id:
        try:
            document = await resolver.document(post.quote_authorization_uri)
        except NotResolved as reason:
            if reason.temporary:
                raise
            document = {}
        state = QuoteState.ACCEPTED if authorizes(document, post, quoted, quoted.account) else QuoteState.REJECTED
    else:
        state = await judged_again(post, quoted)
    await Post.filter(id=post.pk).update(quote_of_id=quoted.pk, quote_state=state)
    return state


@dataclass
class FetchJob:
    """The ``fetches`` job: claims due fetch tasks and runs them."""

    resolver: Resolver
    max_ancestors: int = 64
    max_replies: int = 200
    batch_size: int = 4
    lease_seconds: float = 600.0
    name: str = "fetches"

    async def run_once(self) -> int:
        tasks = await claim_due(FetchTask, due_field="available_at", batch=self.batch_size,
                                lease_seconds=self.lease_seconds, state=FetchState.PENDING)
        for task in tasks:
            await self.process(task)
        return len(tasks)

    async def process(self, task: FetchTask) -> None:
        try:
            if task.kind == FetchKind.ANCESTORS:
                await fetch_ancestors(self.resolver, task.uri, self.max_ancestors)
            elif task.kind == FetchKind.REPLIES:
                await fetch_replies(self.resolver, task.uri, self.max_replies)
            elif task.kind == FetchKind.POLL:
                await refresh_remote_poll(self.resolver, task.uri)
            else:
                await settle_quote(self.resolver, task.uri)
        except Exception as error:  # the network; one task must not stop the job
            attempts = task.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            log.warning("fetching the %s of %s failed (attempt %d): %s", task.kind, task.uri, attempts, error)
            await FetchTask.filter(id=task.id).update(
                attempts=attempts, last_error=f"{type(error).__name__}: {error}", claimed_until=None,
                state=FetchState.FAILED if final else FetchState.PENDING,
                available_at=utcnow() + timedelta(seconds=60 * 4 ** (attempts - 1)),
                done_at=utcnow() if final else None,
            )
            return
        await FetchTask.filter(id=task.id).update(state=FetchState.DONE, done_at=utcnow(), claimed_until=None,
                                                  last_error=None)


def fetch_jobs(services) -> list[FetchJob]:
    """The job factory registered with the shell."""
    fetching = services.settings.fetching
    return [FetchJob(services.resolver, max_ancestors=fetching.thread_max_ancestors,
                     max_replies=fetching.thread_max_replies)]

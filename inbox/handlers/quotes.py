"""Quote requests (FEP-044f): someone asks to quote an artist's post, and the answers to
the requests our artists sent.

A ``QuoteRequest`` for a local post is answered at once by the post's rule
(``fediserver.quotes.approves_quote``: public posts unless the artist turned quotes off,
never followers-only or direct ones): an ``Accept`` whose ``result`` is the
authorization this server then serves, or a ``Reject``. The quoting post comes embedded
(``instrument``) from its author's own server, or is fetched. An ``Accept`` or
``Reject`` of a request we sent settles our artist's quote and tells her audience with
an ``Update``.
"""

from __future__ import annotations

from federation import vocab
from fediserver.models import NotificationKind, Post, QuoteState
from fediserver.models.interactions import notify
from fediserver.quotes import approves_quote
from inbox.handlers.base import Forged, Ignored, Inbound, Unknown, find_post, require_activity_id, require_object_id
from inbox.remote_posts import store_post
from outbox.publish import publish
from outbox.quotes import accept_quote_request, authorization_uri, reject_quote_request
from outbox.recipients import personal_inbox
from outbox.statuses import settle_quote_request

QUOTE_REQUEST_SUFFIX = "#quote_request"


async def handle_quote_request(inbound: Inbound) -> None:
    request_id = require_activity_id(inbound)
    sender = inbound.sender
    if not vocab.same_origin(request_id, sender.uri):
        raise Forged(f"{sender.uri} may not send the request {request_id}")
    quoted = await find_post(require_object_id(inbound))
    if quoted is None or not quoted.local or quoted.boost_of_id is not None:
        raise Ignored(f"{inbound.activity.object_id} is not a post of ours")
    author = await quoted.account
    instrument_id = inbound.activity.instrument_id
    if instrument_id is None:
        raise Ignored("a QuoteRequest without the quoting post (instrument)")
    if not vocab.same_origin(instrument_id, sender.uri):
        raise Forged(f"{sender.uri} may not ask on behalf of {instrument_id}")
    if not await approves_quote(quoted, sender):
        await publish(reject_quote_request(author, request_id, sender.uri, quoted.uri, instrument_id),
                      actor=author, inboxes=personal_inbox(sender))
        await Post.filter(uri=instrument_id, account=sender).update(quote_state=QuoteState.REJECTED)
        return
    quoting = await _quoting_post(inbound, instrument_id)
    if quoting.account_id != sender.pk or quoting.quote_uri != quoted.uri:
        raise Forged(f"{instrument_id} is not {sender.uri}'s quote of {quoted.uri}")
    quoting.quote_of = quoted
    quoting.quote_state = QuoteState.ACCEPTED
    quoting.quote_authorization_uri = authorization_uri(author, quoting)
    await quoting.save(update_fields=["quote_of_id", "quote_state", "quote_authorization_uri"])
    await publish(accept_quote_request(author, request_id, sender.uri, quoted, quoting),
                  actor=author, inboxes=personal_inbox(sender))
    await notify(author, sender, NotificationKind.QUOTE, quoting)


async def _quoting_post(inbound: Inbound, instrument_id: str) -> Post:
    """The quoting post: stored, or embedded by its author's server, or to be fetched."""
    known = await find_post(instrument_id)
    if known is not None:
        return known
    embedded = inbound.activity.instrument
    if embedded is not None and embedded.id == instrument_id and embedded.author == inbound.sender.uri:
        instrument = inbound.payload.get("instrument")
        return await store_post(embedded, inbound.sender, instrument if isinstance(instrument, dict) else None)
    raise Unknown(instrument_id)


def is_quote_request_answer(inbound: Inbound) -> bool:
    """Whether an Accept or Reject answers one of our QuoteRequests (not a Follow)."""
    embedded = inbound.activity.object
    if isinstance(embedded, vocab.Activity):
        return embedded.type == "QuoteRequest"
    return bool(inbound.activity.object_id and inbound.activity.object_id.endswith(QUOTE_REQUEST_SUFFIX))


async def _our_quote(inbound: Inbound) -> Post:
    request_id = require_object_id(inbound)
    post = await Post.get_or_none(uri=request_id.removesuffix(QUOTE_REQUEST_SUFFIX), local=True, deleted_at=None)
    if post is None or not post.quote_uri:
        raise Ignored(f"{request_id} is no quote request of ours")
    quoted = await Post.get_or_none(id=post.quote_of_id).select_related("account") if post.quote_of_id else None
    if quoted is None or quoted.account.uri != inbound.sender.uri:
        raise Forged(f"{inbound.sender.uri} is not the author of the post {post.uri} quotes")
    return post


async def accept_quote(inbound: Inbound) -> None:
    post = await _our_quote(inbound)
    result = inbound.activity.result
    if result is None or not vocab.same_origin(result, inbound.sender.uri):
        raise Forged(f"the authorization {result} is not on {inbound.sender.uri}'s server")
    if post.quote_state == QuoteState.ACCEPTED and post.quote_authorization_uri == result:
        raise Ignored(f"the quote {post.uri} is already accepted")
    await settle_quote_request(post, accepted=True, authorization=result, notes=inbound.notes)


async def reject_quote(inbound: Inbound) -> None:
    post = await _our_quote(inbound)
    if post.quote_state == QuoteState.REJECTED:
        raise Ignored(f"the quote {post.uri} is already rejected")
    await settle_quote_request(post, accepted=False, notes=inbound.notes)

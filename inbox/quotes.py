"""Quotes arriving from other servers: whether a remote post's quote is authorized.

A remote post that quotes another (``quote``, ``quoteUrl``, ``quoteUri`` or
``_misskey_quote``) is shown as a quote only once its quoted author has agreed, as
Mastodon 4.5 decides it:

- a quote of one's own post is always accepted;
- a ``quoteAuthorization`` is believed when it is a ``QuoteAuthorization`` attributed
  to the quoted author, on the quoted author's server, naming exactly this post
  (``interactingObject``) and the quoted one (``interactionTarget``); one of ours
  (a quote of a local post) when this server approved it;
- a quote of a local post without one waits for its ``QuoteRequest``;
- a legacy quote (only ``quoteUrl``, ``quoteUri`` or ``_misskey_quote``: servers that do
  not ask for authorization) is accepted when the quoted post lets anyone quote it
  (``interactionPolicy.canQuote`` naming the public or the quoting author for automatic
  approval, or publishing no policy at all, as those servers do), and refused when its
  policy does not;
- anything else waits (``pending``).

``initial_quote`` decides with what is stored (inside the inbox's transaction); what
needs a fetch (``needs_settling``: the quoted post unknown, or a remote authorization) is
settled by the background ``fetches`` job (``inbox.fetch_tasks``) with ``authorizes``
and ``judged_again``.
"""

from __future__ import annotations

from typing import Any

from federation import vocab
from federation.jsonld import PUBLIC
from federation.vocab import ContentObject
from fediserver.models import Account, Post, QuoteState
from fediserver.quotes import approves_quote, published_policy

FEP_044F = "https://w3id.org/fep/044f#"


def is_legacy(document: dict[str, Any] | None) -> bool:
    """A quote written only the pre-FEP-044f ways (no ``quote`` property)."""
    if not isinstance(document, dict):
        return True
    return "quote" not in document and FEP_044F + "quote" not in document


def policy_lets(quoted: Post, quoter: Account) -> bool | None:
    """What a remote quoted post's ``canQuote`` says of ``quoter`` quoting it automatically:
    True, False, or None when it publishes no policy."""
    policy = published_policy(quoted)
    if policy is None:
        return None
    return PUBLIC in policy.automatic or quoter.uri in policy.automatic


async def initial_quote(obj: ContentObject, author: Account, document: dict[str, Any] | None) -> dict[str, Any]:
    """The quote fields of a remote post being stored, from what this server holds."""
    if not obj.quote:
        return {"quote_uri": None, "quote_of": None, "quote_state": None, "quote_authorization_uri": None}
    quoted = await Post.get_or_none(uri=obj.quote, deleted_at=None).select_related("account")
    return {
        "quote_uri": obj.quote[:2048],
        "quote_of": quoted,
        "quote_state": await _judged_locally(obj, author, quoted, document),
        "quote_authorization_uri": obj.quote_authorization,
    }


async def _judged_locally(obj: ContentObject, author: Account, quoted: Post | None,
                          document: dict[str, Any] | None) -> QuoteState:
    if quoted is None:
        return QuoteState.PENDING
    if quoted.account_id == author.pk:
        return QuoteState.ACCEPTED
    if quoted.local:
        ours = obj.quote_authorization and obj.quote_authorization.startswith(f"{quoted.account.uri}/quote_authorizations/")
        if ours or is_legacy(document):
            return QuoteState.ACCEPTED if await approves_quote(quoted, author) else QuoteState.REJECTED
        return QuoteState.PENDING
    if obj.quote_authorization:
        return QuoteState.PENDING  # verified by settle_quote
    if is_legacy(document):
        lets = policy_lets(quoted, author)
        return QuoteState.ACCEPTED if lets in (None, True) else QuoteState.REJECTED
    return QuoteState.PENDING


def needs_settling(post: Post) -> bool:
    """A stored quote that only a fetch can settle: its quoted post or authorization is remote."""
    return bool(post.quote_uri) and post.quote_state == QuoteState.PENDING and (
        post.quote_of_id is None or bool(post.quote_authorization_uri))


def authorizes(document: dict[str, Any], post: Post, quoted: Post, quoted_author: Account) -> bool:
    """Whether a fetched ``QuoteAuthorization`` (from its id's origin) authorizes exactly
    this quote: by the quoted author, on her server, of this post quoting that one."""
    kinds = document.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return (
        "QuoteAuthorization" in kinds
        and vocab.same_origin(str(document.get("id")), quoted_author.uri)
        and vocab.optional_url(document.get("attributedTo")) == quoted_author.uri
        and vocab.optional_url(document.get("interactingObject")) == post.uri
        and vocab.optional_url(document.get("interactionTarget")) == quoted.uri
    )


async def judged_again(post: Post, quoted: Post) -> QuoteState:
    """A pending quote decided again once its quoted post is stored (no authorization to
    fetch: that is ``authorizes``' part)."""
    if quoted.account_id == post.account_id:
        return QuoteState.ACCEPTED
    try:
        obj = vocab.parse_object(post.document) if isinstance(post.document, dict) else None
    except vocab.VocabError:
        obj = None
    if obj is None:
        return QuoteState.PENDING
    return await _judged_locally(obj, await post.account, quoted, post.document)


async def relink_quote(post: Post) -> bool:
    """Link a stored quote to its quoted post once that is stored too, and decide it again
    where no fetch is needed; True when it still needs one (``needs_settling``)."""
    if not post.quote_uri:
        return False
    quoted = await Post.get_or_none(uri=post.quote_uri, deleted_at=None).select_related("account")
    if quoted is not None and post.quote_state == QuoteState.PENDING and not (
            post.quote_authorization_uri and not quoted.local and quoted.account_id != post.account_id):
        post.quote_state = await judged_again(post, quoted)
    if quoted is not None:
        post.quote_of_id = quoted.pk
    await Post.filter(id=post.pk).update(quote_of_id=post.quote_of_id, quote_state=post.quote_state)
    return needs_settling(post)

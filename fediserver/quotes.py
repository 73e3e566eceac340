"""Quotes (FEP-044f as Mastodon 4.5 implements it): who may quote a local post, and the
quote a reader is shown. The client API and the web pages both ask here.

- ``approves_quote(post, quoter)``: whether a quote of the local ``post`` by ``quoter``
  is approved at once. Its author may always quote it; followers-only and direct posts
  nobody else; otherwise the post's policy, else its author's default
  (``Account.quote_policy``): ``public`` anyone, ``followers`` her accepted followers,
  ``nobody`` no one. Nothing is approved by hand yet: what is not approved at once is
  refused.
- ``shown_quote(post, reader)``: the quoted post a reader sees under ``post``, or None
  (not a quote, not approved by its author, gone, or not for this reader's eyes:
  ``fediserver.visibility``).
- ``quote_entity_state(post, reader)``: the client API's quote state for that reader.
- ``published_policy(post)``: a remote post's ``interactionPolicy.canQuote`` as stored.
- ``quote_permission(quoted, quoter)``: before an artist quotes a post, what its author's
  policy promises her: ``automatic``, ``manual`` (asked, and answered by hand),
  ``unknown`` (a server that publishes no policy: asked anyway) or ``denied``.
"""

from __future__ import annotations

from federation import vocab
from federation.jsonld import PUBLIC
from fediserver.models import Account, Follow, Post, QuotePolicy, QuoteState, Visibility
from fediserver.visibility import may_read

AUTOMATIC, MANUAL, UNKNOWN, DENIED = "automatic", "manual", "unknown", "denied"


async def approves_quote(post: Post, quoter: Account) -> bool:
    author = await post.account
    if quoter.pk == author.pk:
        return True
    policy = post.effective_quote_policy(author.quote_policy)
    if policy == QuotePolicy.PUBLIC:
        return True
    if policy == QuotePolicy.FOLLOWERS:
        return await Follow.accepted().filter(follower=quoter, target=author).exists()
    return False


async def shown_quote(post: Post, reader: Account | None) -> Post | None:
    """The quoted post shown under ``post`` to ``reader``, when there is one to show."""
    if post.quote_state != QuoteState.ACCEPTED or post.quote_of_id is None:
        return None
    quoted = await Post.get_or_none(id=post.quote_of_id, deleted_at=None).select_related("account")
    if quoted is None or not await may_read(quoted, reader):
        return None
    return quoted


async def quote_entity_state(post: Post, reader: Account | None) -> str:
    """``accepted``, ``pending``, ``rejected``, ``deleted`` (the quoted post is gone) or
    ``unauthorized`` (the reader may not see the quoted post)."""
    if post.quote_state != QuoteState.ACCEPTED:
        return (post.quote_state or QuoteState.PENDING).value
    if post.quote_of_id is None:
        return "deleted" if post.quote_uri else "pending"
    quoted = await Post.get_or_none(id=post.quote_of_id)
    if quoted is None or quoted.deleted_at is not None:
        return "deleted"
    return "accepted" if await may_read(quoted, reader) else "unauthorized"


def published_policy(post: Post) -> vocab.QuotePolicy | None:
    """The ``canQuote`` a remote post published, None when it published none."""
    if not isinstance(post.document, dict):
        return None
    try:
        return vocab.parse_object(post.document).quote_policy
    except vocab.VocabError:
        return None


async def quote_permission(quoted: Post, quoter: Account) -> str:
    """What quoting ``quoted`` promises ``quoter``: automatic, manual, unknown or denied."""
    if quoted.visibility == Visibility.DIRECT or quoted.boost_of_id is not None:
        return DENIED
    author = await quoted.account
    if quoter.pk == author.pk:
        return AUTOMATIC
    if quoted.local:
        return AUTOMATIC if await approves_quote(quoted, quoter) else DENIED
    policy = published_policy(quoted)
    if policy is None:
        return UNKNOWN
    follows = author.followers_url and await Follow.accepted().filter(follower=quoter, target=author).exists()
    allowed = {PUBLIC, quoter.uri} | ({author.followers_url} if follows else set())
    if allowed & set(policy.automatic):
        return AUTOMATIC
    if allowed & set(policy.manual):
        return MANUAL
    return DENIED

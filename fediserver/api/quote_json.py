"""The quote parts of Mastodon's Status entity (4.5): ``quote`` and ``quote_approval``.

``quote`` is ``{"state", "quoted_status"}`` for a quote (the quoted status itself only
when accepted and the reader may see it; inside a quoted status, quotes are shallow:
``{"state", "quoted_status_id"}``), or null. ``quote_approval`` says who the author
lets quote the status (``public``, ``followers``, ``following``, ``unsupported_policy``)
and what that means for the reader (``automatic``, ``manual``, ``denied``, ``unknown``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from federation.jsonld import PUBLIC
from fediserver.models import Account, Follow, Post, QuotePolicy, Visibility
from fediserver.quotes import AUTOMATIC, DENIED, MANUAL, UNKNOWN, published_policy, quote_entity_state, shown_quote

RenderStatuses = Callable[..., Awaitable[list[dict[str, Any]]]]


async def quote_parts(posts: list[Post], viewer: Account | None, render: RenderStatuses,
                      *, shallow: bool) -> dict[int, dict[str, Any]]:
    """``quote`` and ``quote_approval`` for each post, by id: one query for the reader's
    follows, and one or two per quote on the page."""
    followed: set[int] = set()
    if viewer is not None and posts:
        followed = set(await Follow.accepted().filter(follower=viewer,
                                                      target_id__in=list({p.account_id for p in posts}))
                       .values_list("target_id", flat=True))
    return {
        post.pk: {
            "quote": await _quote(post, viewer, render, shallow=shallow),
            "quote_approval": _approval(post, viewer, followed),
        }
        for post in posts
    }


async def _quote(post: Post, viewer: Account | None, render: RenderStatuses, *, shallow: bool) -> dict | None:
    if not post.quote_uri:
        return None
    state = await quote_entity_state(post, viewer)
    quoted = await shown_quote(post, viewer) if state == "accepted" else None
    if shallow:
        return {"state": state, "quoted_status_id": str(quoted.pk) if quoted else None}
    return {"state": state, "quoted_status": (await render([quoted], viewer, shallow=True))[0] if quoted else None}


def _approval(post: Post, viewer: Account | None, followed: set[int]) -> dict[str, Any]:
    author = post.account
    if post.local:
        policy = post.effective_quote_policy(author.quote_policy)
        automatic = {QuotePolicy.PUBLIC: ["public"], QuotePolicy.FOLLOWERS: ["followers"]}.get(policy, [])
        manual: list[str] = []
        published = True
    else:
        policy_document = published_policy(post)
        published = policy_document is not None
        automatic = _named(policy_document.automatic, author) if policy_document else []
        manual = _named(policy_document.manual, author) if policy_document else []
    return {"automatic": automatic, "manual": manual,
            "current_user": _current_user(post, viewer, followed, automatic, manual, published)}


def _current_user(post: Post, viewer: Account | None, followed: set[int], automatic: list[str],
                  manual: list[str], published: bool) -> str:
    """What the policy means for the reader: the same answer as ``quote_permission``."""
    if viewer is None:
        return UNKNOWN
    if post.visibility == Visibility.DIRECT or post.boost_of_id is not None:
        return DENIED
    if post.account_id == viewer.pk:
        return AUTOMATIC
    if not published:
        return UNKNOWN
    names = {"public"} | ({"followers"} if post.account_id in followed else set())
    if names & set(automatic):
        return AUTOMATIC
    if names & set(manual):
        return MANUAL
    return DENIED


def _named(audience: tuple[str, ...], author: Account) -> list[str]:
    names: list[str] = []
    for address in audience:
        name = ("public" if address == PUBLIC else "followers" if address == author.followers_url
                else "following" if address == author.following_url else None if address == author.uri
                else "unsupported_policy")
        if name and name not in names:
            names.append(name)
    return names

"""Who may see a post: the one rule, as a query and as a predicate.

- Public and unlisted posts: anyone, signed in or not.
- Followers-only posts: the author, accounts that follow the author (accepted), and the
  accounts the post names directly.
- Direct posts: the author and the accounts the post names directly.
- A post's addressees are its recipients and the accounts its Mention tags name
  (``Post.addressee_uris``, kept as ``Addressee`` rows); no other tag addresses anyone.
- A block either way hides the posts of one account from the other, and boosts of them.
- A suspended account's posts, and boosts of them, are hidden from everyone.
- A silenced (limited) account's posts stay visible to whoever may see them, but
  ``publicly_listed(posts, viewer)`` leaves them out of the lists strangers browse (the public
  timelines, hashtag pages, search), unless the viewer follows the account.

Lists go one step further (``listed_posts``): timelines, search results and threads also
leave out what the viewer mutes (a mute not yet expired), its posts, its boosts and
boosts of its posts; a muted account's post opened by itself is still shown, as Mastodon
does. Notifications leave out accounts blocked either way and accounts muted with their
notifications (``heard_from``).

``visible_posts(viewer)`` gives the posts (not deleted) a viewer may see, for every list:
timelines, an account's posts, notifications, collections; ``visible_post(id, viewer)``
one of them by the id a request names (404 otherwise, as for a post that does not exist). ``may_read(post, reader)``
answers for one post, deleted or not (a reader who may read a deleted post gets its
tombstone, others a plain 404). The viewer is an ``Account``: a local artist signed in to
the client API or the web pages, or the stored remote actor that signed an ActivityPub
GET; ``None`` is anyone anonymous. Both read the same condition, so they cannot disagree.

Public lists (the public and hashtag timelines, search) narrow further with
``publicly_listed(posts)`` and ``publicly_listed_accounts(accounts)``: accounts on a
server limited by a domain block (``silence``) and their posts stay out of them. They
remain visible to those who follow them, and by their address.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from fediserver.models import Account, Addressee, Block, Follow, Mute, Post, Visibility
from fediserver.moderation.domain_blocks import domain_policy, on_domain
from fediserver.refusals import not_found, record_id

SHOWN_TO_ANYONE = (Visibility.PUBLIC, Visibility.UNLISTED)


def visible_posts(viewer: Account | None) -> QuerySet[Post]:
    """Every post ``viewer`` may see that is not deleted (boosts included; narrow it further)."""
    return Post.filter(_may_see(viewer), deleted_at=None)


async def visible_post(status_id: str, viewer: Account | None) -> Post:
    """The post if ``viewer`` may see it; 404 otherwise, as for a post that does not exist."""
    post = await visible_posts(viewer).get_or_none(id=record_id(status_id)).select_related("account")
    if post is None:
        raise not_found("Status")
    return post


async def original_post(post: Post, viewer: Account) -> Post:
    """Acting on a boost acts on the boosted post, as Mastodon does."""
    if post.boost_of_id is None:
        return post
    return await visible_post(str(post.boost_of_id), viewer)


def listed_posts(viewer: Account | None) -> QuerySet[Post]:
    """The posts a list shown to ``viewer`` may hold: those it may see, without what it mutes."""
    query = visible_posts(viewer)
    if viewer is None:
        return query
    muted = muted_accounts(viewer)
    return query.filter(~Q(account_id__in=muted) & (
        Q(boost_of_id__isnull=True) | ~Q(boost_of__account_id__in=muted_accounts(viewer))))


async def may_read(post: Post, reader: Account | None) -> bool:
    """Whether ``reader`` may see ``post``, deleted or not."""
    return await Post.filter(_may_see(reader), id=post.pk).exists()


def _not_suspended() -> Q:
    suspended = Subquery(Account.filter(suspended=True).values("id"))
    return ~Q(account_id__in=suspended) & (Q(boost_of_id__isnull=True) | ~Q(boost_of__account_id__in=suspended))


def _may_see(viewer: Account | None) -> Q:
    anyone = Q(visibility__in=SHOWN_TO_ANYONE)
    if viewer is None:
        return anyone & _not_suspended()
    followed = Follow.accepted().filter(follower_id=viewer.pk).values("target_id")
    addressed = Addressee.filter(account_id=viewer.pk).values("post_id")
    audience = (
        anyone
        | Q(account_id=viewer.pk)
        | Q(visibility=Visibility.PRIVATE, account_id__in=Subquery(followed))
        | Q(id__in=Subquery(addressed))
    )
    return audience & ~Q(account_id__in=blocked_either_way(viewer)) & (
        Q(boost_of_id__isnull=True) | ~Q(boost_of__account_id__in=blocked_either_way(viewer))
    ) & _not_suspended()


def blocked_either_way(viewer: Account) -> Subquery:
    """The ids of the accounts ``viewer`` blocks or is blocked by (kept apart from her in
    every list, and left out of the accounts a search finds)."""
    blocking = Block.filter(account_id=viewer.pk).values("target_id")
    blocked_by = Block.filter(target_id=viewer.pk).values("account_id")
    return Subquery(Account.filter(Q(id__in=Subquery(blocking)) | Q(id__in=Subquery(blocked_by))).values("id"))


def muted_accounts(viewer: Account, *, notifications: bool = False) -> Subquery:
    """The ids of the accounts ``viewer`` mutes now (``notifications``: those muted with
    their notifications)."""
    mutes = Mute.in_force(account_id=viewer.pk)
    if notifications:
        mutes = mutes.filter(notifications=True)
    return Subquery(mutes.values("target_id"))


def heard_from(viewer: Account) -> Q:
    """A condition on ``from_account_id``: the accounts whose notifications ``viewer``
    gets, all but those blocked either way and those muted with their notifications."""
    return ~Q(from_account_id__in=blocked_either_way(viewer)) & ~Q(
        from_account_id__in=muted_accounts(viewer, notifications=True))


async def hidden_account_ids(viewer: Account | None) -> set[int]:
    """The accounts whose posts a list for ``viewer`` leaves out (blocked either way, muted),
    for lists built in Python (a thread)."""
    if viewer is None:
        return set()
    blocked = await Account.filter(id__in=blocked_either_way(viewer)).values_list("id", flat=True)
    muted = await Mute.in_force(account_id=viewer.pk).values_list("target_id", flat=True)
    return set(blocked) | set(muted)
def publicly_listed(posts: QuerySet[Post], viewer: Account | None) -> QuerySet[Post]:
    """``posts`` as the lists strangers browse show them (public timelines, hashtag pages,
    search): without the posts of silenced accounts ``viewer`` does not follow, and without
    those of accounts on a server limited by a domain block."""
    silenced = Account.filter(silenced_at__isnull=False)
    if viewer is not None:
        followed = Follow.accepted().filter(follower_id=viewer.pk).values("target_id")
        silenced = silenced.exclude(id__in=Subquery(followed)).exclude(id=viewer.pk)
    posts = posts.exclude(account_id__in=Subquery(silenced.values("id")))
    limited = _on_limited_server("account__domain")
    return posts if limited is None else posts.filter(~limited)


def publicly_listed_accounts(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """``accounts`` without those on a server limited by a domain block."""
    limited = _on_limited_server("domain")
    return accounts if limited is None else accounts.filter(~limited)


def _on_limited_server(field: str) -> Q | None:
    domains = domain_policy().limited_domains
    if not domains:
        return None
    condition = on_domain(domains[0], field)
    for domain in domains[1:]:
        condition |= on_domain(domain, field)
    return condition

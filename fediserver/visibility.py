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
  ``publicly_listed(viewer)`` leaves them out of the lists strangers browse (the public
  timelines, hashtag pages, search), unless the viewer follows the account.

``visible_posts(viewer)`` gives the posts (not deleted) a viewer may see, for every list:
timelines, an account's posts, notifications, collections. ``may_read(post, reader)``
answers for one post, deleted or not (a reader who may read a deleted post gets its
tombstone, others a plain 404). The viewer is an ``Account``: a local artist signed in to
the client API or the web pages, or the stored remote actor that signed an ActivityPub
GET; ``None`` is anyone anonymous. Both read the same condition, so they cannot disagree.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from fediserver.models import Account, Addressee, Block, Follow, Post, Visibility

SHOWN_TO_ANYONE = (Visibility.PUBLIC, Visibility.UNLISTED)


def visible_posts(viewer: Account | None) -> QuerySet[Post]:
    """Every post ``viewer`` may see that is not deleted (boosts included; narrow it further)."""
    return Post.filter(_may_see(viewer), deleted_at=None)


async def may_read(post: Post, reader: Account | None) -> bool:
    """Whether ``reader`` may see ``post``, deleted or not."""
    return await Post.filter(_may_see(reader), id=post.pk).exists()


def publicly_listed(viewer: Account | None) -> QuerySet[Post]:
    """``visible_posts(viewer)`` without the posts of silenced accounts the viewer does not
    follow: what public timelines, hashtag pages and search list."""
    silenced = Account.filter(silenced_at__isnull=False)
    if viewer is not None:
        followed = Follow.accepted().filter(follower_id=viewer.pk).values("target_id")
        silenced = silenced.exclude(id__in=Subquery(followed)).exclude(id=viewer.pk)
    return visible_posts(viewer).exclude(account_id__in=Subquery(silenced.values("id")))


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
    return audience & ~Q(account_id__in=_blocked_either_way(viewer)) & (
        Q(boost_of_id__isnull=True) | ~Q(boost_of__account_id__in=_blocked_either_way(viewer))
    ) & _not_suspended()


def _blocked_either_way(viewer: Account) -> Subquery:
    """The ids of the accounts ``viewer`` blocks or is blocked by."""
    blocking = Block.filter(account_id=viewer.pk).values("target_id")
    blocked_by = Block.filter(target_id=viewer.pk).values("account_id")
    return Subquery(Account.filter(Q(id__in=Subquery(blocking)) | Q(id__in=Subquery(blocked_by))).values("id"))

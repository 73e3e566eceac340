"""What an artist's home timeline holds: the one rule, as a query and as a predicate.

Home holds the artist's own posts and boosts and, unless their author is a member of one
of the artist's ``exclusive`` lists, the posts and boosts of the accounts the artist
follows (accepted) and the posts (not boosts) carrying a hashtag the artist follows; of
those, only what the artist may see and has not muted (``visibility.listed_posts``).

``home_posts(account)`` is the query (``/api/v1/timelines/home`` pages through it);
``on_home_timeline(post, account)`` asks the same query about one post (the ``user``
stream asks it for every post it might carry), so the two cannot disagree.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from fediserver.hashtags import posts_tagged
from fediserver.models import Account, AccountList, Follow, FollowedTag, ListMember, Post
from fediserver.visibility import listed_posts


async def home_posts(account: Account) -> QuerySet[Post]:
    """The posts (not deleted) of ``account``'s home timeline, unordered."""
    tags = await FollowedTag.filter(account_id=account.pk).values_list("name", flat=True)
    exclusive = AccountList.filter(account_id=account.pk, exclusive=True).values("id")
    set_apart = ListMember.filter(list_id__in=Subquery(exclusive)).values("account_id")
    # The authors as a list of ids, read first: a plain "account_id IN (...)" lets the
    # database walk each author's posts by index instead of every post on the instance.
    followed = await Follow.accepted().filter(follower_id=account.pk).exclude(
        target_id__in=Subquery(set_apart)).values_list("target_id", flat=True)
    wanted = Q(account_id__in=[account.pk, *followed])
    if tags:
        wanted |= Q(id__in=posts_tagged(tags), boost_of_id__isnull=True) & ~Q(account_id__in=Subquery(set_apart))
    return listed_posts(account).filter(wanted)


async def on_home_timeline(post: Post, account: Account) -> bool:
    """Whether ``post`` is on ``account``'s home timeline (which implies she may read it)."""
    return await (await home_posts(account)).filter(id=post.pk).exists()

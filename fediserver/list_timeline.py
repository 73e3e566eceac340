"""What a list's timeline holds: the one rule, as a query and as a predicate.

A list shows the posts and boosts of its members that its owner still follows
(``current_members``), of those only what the owner may see and has not muted
(``visibility.listed_posts``), and replies as the list's ``replies_policy`` says: to a
member (``list``), to someone the owner follows or to the owner (``followed``), or none
(``none``). A reply in a thread its author continues counts as a post, not a reply.

``list_posts(record)`` is the query (``/api/v1/timelines/list/:id`` pages through it);
``on_list_timeline(post, record)`` asks the same query about one post (the ``list``
stream asks it for every post it might carry), so the two cannot disagree.
"""

from __future__ import annotations

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from fediserver.models import Account, AccountList, Follow, ListMember, Post, RepliesPolicy
from fediserver.visibility import listed_posts

# 1 for a reply to its own author's post (a thread the author continues), else 0.
ANSWERS_ITSELF = RawSQL('CASE WHEN "posts"."in_reply_to_id" IN (SELECT "own"."id" FROM "posts" "own" '
                        'WHERE "own"."account_id" = "posts"."account_id") THEN 1 ELSE 0 END')


def current_members(record: AccountList) -> Subquery:
    """The ids of the list's members its owner still follows."""
    followed = Follow.accepted().filter(follower_id=record.account_id).values("target_id")
    return Subquery(ListMember.filter(list_id=record.pk, account_id__in=Subquery(followed)).values("account_id"))


def list_posts(record: AccountList, owner: Account) -> QuerySet[Post]:
    """The posts (not deleted) of the list ``record`` of ``owner``, unordered."""
    query = listed_posts(owner).filter(account_id__in=current_members(record))
    if record.replies_policy == RepliesPolicy.LIST:
        answered = Post.filter(account_id__in=current_members(record)).values("id")
    elif record.replies_policy == RepliesPolicy.FOLLOWED:
        followed = Follow.accepted().filter(follower_id=owner.pk).values("target_id")
        answered = Post.filter(Q(account_id__in=Subquery(followed)) | Q(account_id=owner.pk)).values("id")
    else:
        answered = None
    not_a_reply = Q(in_reply_to_uri__isnull=True) | Q(answers_itself=1)
    return query.annotate(answers_itself=ANSWERS_ITSELF).filter(
        not_a_reply if answered is None else not_a_reply | Q(in_reply_to_id__in=Subquery(answered)))


async def on_list_timeline(post: Post, record: AccountList, owner: Account) -> bool:
    """Whether ``post`` is on the timeline of ``owner``'s list ``record``."""
    return await list_posts(record, owner).filter(id=post.pk).exists()

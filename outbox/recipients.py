"""Who must receive an activity: the inboxes for a post, a boost, or one account.

Followers are reached through one shared inbox per server (`follower_inboxes`);
mentioned and replied-to accounts through theirs. Direct messages go to the personal
inboxes of the accounts addressed and nowhere else. Local accounts need no delivery.
"""

from __future__ import annotations

from collections.abc import Iterable

from fediserver.models import Account, Follow, Post, Visibility
from fediserver.models.accounts import LOCAL_DOMAIN


async def follower_inboxes(account: Account) -> list[str]:
    """Where to deliver to all of ``account``'s remote followers: one shared inbox per server
    that has one, else each follower's own inbox."""
    follows = await Follow.accepted().filter(target=account).exclude(
        follower__domain=LOCAL_DOMAIN
    ).values("follower__shared_inbox_url", "follower__inbox_url")
    inboxes = (row["follower__shared_inbox_url"] or row["follower__inbox_url"] for row in follows)
    return list(dict.fromkeys(url for url in inboxes if url))


def personal_inbox(account: Account) -> list[str]:
    """The inbox of one remote account (empty for local accounts, which need no delivery)."""
    return [account.inbox_url] if not account.is_local and account.inbox_url else []


def server_inbox(account: Account) -> list[str]:
    """Where a remote account is reached when others on its server may get the same copy."""
    if account.is_local:
        return []
    url = account.shared_inbox_url or account.inbox_url
    return [url] if url else []


async def addressed_accounts(post: Post) -> list[Account]:
    """The accounts a post names besides its followers: mentions and the replied-to author."""
    uris = post.addressee_uris()
    if not uris:
        return []
    return await Account.filter(uri__in=uris)


async def post_inboxes(post: Post, author: Account) -> list[str]:
    """Inboxes for the Create, Update or Delete of ``post``."""
    addressed = await addressed_accounts(post)
    if post.visibility == Visibility.DIRECT:
        return _unique(url for account in addressed for url in personal_inbox(account))
    inboxes = await follower_inboxes(author)
    return _unique([*inboxes, *(url for account in addressed for url in server_inbox(account))])


async def boost_inboxes(booster: Account, original_author: Account) -> list[str]:
    return _unique([*await follower_inboxes(booster), *server_inbox(original_author)])


def _unique(urls: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(url for url in urls if url))

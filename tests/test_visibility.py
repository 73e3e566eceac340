"""Who may see a post: every visibility against every relation a viewer can have with the
author, asked of the query (``visible_posts``) and of the predicate (``may_read``) alike."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fediserver.clock import utcnow
from fediserver.models import Account, Block, Follow, FollowState, Post, Visibility
from fediserver.visibility import may_read, visible_posts

LOCAL = "https://art.example/users"
REMOTE = "https://elsewhere.example/users"

# relation -> what a viewer in that relation sees, for public, unlisted, private, direct.
EXPECTED = {
    "author": (True, True, True, True),
    "addressee": (True, True, True, True),
    "follower": (True, True, True, False),
    "remote follower": (True, True, True, False),
    "other local": (True, True, False, False),
    "remote": (True, True, False, False),
    "anonymous": (True, True, False, False),
    "blocked by the author": (False, False, False, False),
    "blocking the author": (False, False, False, False),
}
VISIBILITIES = (Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE, Visibility.DIRECT)
CASES = [
    pytest.param(visibility, relation, seen[i], id=f"{visibility.value}-{relation.replace(' ', '_')}")
    for relation, seen in EXPECTED.items()
    for i, visibility in enumerate(VISIBILITIES)
]


async def account(name: str, *, remote: bool = False) -> Account:
    base = REMOTE if remote else LOCAL
    return await Account.create(username=name, domain="elsewhere.example" if remote else "", uri=f"{base}/{name}",
                                url=f"{base.replace('/users', '')}/@{name}")


def mention(target: Account, *, by_url: bool = False) -> dict:
    return {"type": "Mention", "href": target.url if by_url else target.uri, "name": f"@{target.username}"}


async def post(author: Account, visibility: Visibility = Visibility.DIRECT, **fields) -> Post:
    return await Post.create(uri=f"{author.uri}/statuses/{utcnow().timestamp()}-{visibility.value}", account=author,
                             visibility=visibility, local=author.is_local, published_at=utcnow(), **fields)


async def sees(viewer: Account | None, target: Post) -> bool:
    """What the query and the predicate say, after checking that they say the same."""
    listed = await visible_posts(viewer).filter(id=target.pk).exists()
    assert await may_read(target, viewer) == listed, "visible_posts and may_read disagree"
    return listed


@dataclass
class World:
    author: Account
    viewers: dict[str, Account | None]


@pytest.fixture
async def world(db) -> World:
    author = await account("ada")
    viewers: dict[str, Account | None] = {
        "author": author,
        "addressee": await account("bea"),
        "follower": await account("cy"),
        "remote follower": await account("dee", remote=True),
        "other local": await account("eli"),
        "remote": await account("fox", remote=True),
        "anonymous": None,
        "blocked by the author": await account("gus"),
        "blocking the author": await account("hal"),
    }
    for name in ("follower", "remote follower", "blocked by the author", "blocking the author"):
        await Follow.create(follower=viewers[name], target=author, state=FollowState.ACCEPTED)
    # A block ends follows, but a row left behind must not open anything either.
    await Block.create(account=author, target=viewers["blocked by the author"])
    await Block.create(account=viewers["blocking the author"], target=author)
    return World(author, viewers)


@pytest.mark.parametrize("visibility, relation, expected", CASES)
async def test_who_sees_a_post(world, visibility, relation, expected):
    # The post names the addressee and both blocked parties: blocks beat being named.
    named = [world.viewers[name] for name in ("addressee", "blocked by the author", "blocking the author")]
    target = await post(world.author, visibility, tags=[mention(account) for account in named])
    assert await sees(world.viewers[relation], target) is expected


async def test_a_deleted_post_is_listed_to_no_one_but_readable_by_its_audience(world):
    target = await post(world.author, tags=[mention(world.viewers["addressee"])], deleted_at=utcnow())
    addressee = world.viewers["addressee"]
    assert not await visible_posts(addressee).filter(id=target.pk).exists()
    assert await may_read(target, addressee)  # answered with its tombstone
    assert not await may_read(target, world.viewers["other local"])


async def test_recipients_address_as_mentions_do(world):
    addressee = world.viewers["addressee"]
    target = await post(world.author, recipients=[addressee.uri])
    assert await sees(addressee, target)
    assert not await sees(world.viewers["other local"], target)


async def test_only_mention_tags_address_anyone(world):
    """A hashtag (or any other tag) whose href happens to be someone's id names no one."""
    other = world.viewers["other local"]
    target = await post(world.author, tags=[{"type": "Hashtag", "href": other.uri, "name": "#eli"}])
    assert not await sees(other, target)


async def test_a_mention_by_profile_url_addresses_a_local_account(world):
    addressee = world.viewers["addressee"]
    target = await post(world.author, tags=[mention(addressee, by_url=True)])
    assert await sees(addressee, target)


async def test_an_edit_that_drops_a_mention_closes_the_post_to_them(world):
    addressee = world.viewers["addressee"]
    target = await post(world.author, tags=[mention(addressee)])
    assert await sees(addressee, target)
    target.tags = []
    await target.save()
    assert not await sees(addressee, target)


async def test_a_boost_of_a_blocked_authors_post_is_hidden_too(world):
    booster = world.viewers["other local"]
    original = await post(world.author, Visibility.PUBLIC)
    boost = await post(booster, Visibility.PUBLIC, boost_of=original)
    assert await sees(world.viewers["follower"], boost)
    assert not await sees(world.viewers["blocked by the author"], boost)
    assert not await sees(world.viewers["blocking the author"], boost)

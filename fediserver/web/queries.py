"""What the public pages read, each in a fixed number of queries, paged by cursors.

Every post a page shows comes through ``fediserver.visibility.visible_posts(viewer)``;
nothing here decides on its own who may see what. Pages are cut with cursors, never
offsets: works by (position, post id) in the artist's order, posts by id, newest first.
A ``Page`` carries its items and the cursors of its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q, RawSQL, Subquery

from fediserver.models import Account, Follow, FollowState, MediaAttachment, Post
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.portfolio import Series, SeriesWork, Work
from fediserver.urls import InstanceUrls
from fediserver.visibility import publicly_listed, visible_posts
from fediserver.web.presenters import Counts

T = TypeVar("T")
HASHTAG = re.compile(r"[^\W]{1,100}")


class BadCursor(ValueError):
    pass


@dataclass
class Page(Generic[T]):
    items: list[T]
    # Query strings (without "?") of the newer and older pages, or None at either end.
    newer: dict[str, str] | None = None
    older: dict[str, str] | None = None


@dataclass(frozen=True)
class Cursor:
    """A place in an ordered list: (position, post id), or just an id."""

    position: int
    post_id: int

    def encode(self) -> str:
        return f"{self.position}.{self.post_id}"

    @staticmethod
    def decode(value: str) -> Cursor:
        position, dot, post_id = value.partition(".")
        try:
            if not dot or len(value) > 40:
                raise ValueError
            return Cursor(int(position), int(post_id))
        except ValueError:
            raise BadCursor(f"{value!r} is not a place in this list") from None


def id_cursor(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 19:
        raise BadCursor(f"{name} must be a post id")
    return int(value)


# Accounts


async def local_artist(urls: InstanceUrls, username: str, *, with_counts: bool = False) -> tuple[Account, Counts | None] | None:
    """The local artist ``username`` (not suspended, never the instance actor), with the
    follower and following counts in the same query when asked."""
    query = Account.filter(uri=urls.actor(username), domain=LOCAL_DOMAIN, suspended=False)
    if with_counts:
        # Follow.accepted() as SQL, so the counts come with the account in one query.
        accepted = FollowState.ACCEPTED.value
        query = query.annotate(
            followers_count=RawSQL(
                f"(SELECT COUNT(*) FROM follows f WHERE f.target_id = accounts.id AND f.state = '{accepted}')"
            ),
            following_count=RawSQL(
                f"(SELECT COUNT(*) FROM follows f WHERE f.follower_id = accounts.id AND f.state = '{accepted}')"
            ),
        )
    account = await query.first()
    if account is None:
        return None
    counts = Counts(int(account.followers_count), int(account.following_count)) if with_counts else None
    return account, counts


async def remote_account(acct: str) -> Account | None:
    username, _, domain = acct.partition("@")
    if not username or not domain:
        return None
    return await Account.get_or_none(username=username, domain=domain.lower(), suspended=False)


async def local_artists(limit: int = 48) -> list[Account]:
    """The collective's artists who chose to be listed, then the rest, newest last."""
    return await Account.filter(domain=LOCAL_DOMAIN, suspended=False, actor_type="Person").order_by(
        "-discoverable", "id"
    ).limit(limit)


# Works in the artist's order


async def works_page(
    viewer: Account | None, args: Mapping[str, str], limit: int, *, artist: Account | None = None
) -> Page[Work]:
    """A page of works (``Work`` with its ``post``) ``viewer`` may see: one artist's, in
    their order, or (``artist`` None) the newest works of every local artist."""
    visible = visible_posts(viewer).filter(boost_of_id__isnull=True)
    if artist is not None:
        works = Work.filter(account_id=artist.pk, post_id__in=Subquery(visible.filter(account_id=artist.pk).values("id")))
        return await _ordered_page(works, args, limit)
    listed = publicly_listed(visible_posts(viewer), viewer).filter(boost_of_id__isnull=True, local=True)
    works = Work.filter(post_id__in=Subquery(listed.values("id")))
    return await _id_page(works, args, limit, id_field="post_id")


async def _ordered_page(works, args: Mapping[str, str], limit: int) -> Page[Work]:
    after, before = args.get("after"), args.get("before")
    if before:
        c = Cursor.decode(before)
        rows = await works.filter(Q(position__lt=c.position) | Q(position=c.position, post_id__gt=c.post_id)).order_by(
            "-position", "post_id"
        ).limit(limit + 1).select_related("post")
        more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        more_older = True
    else:
        narrowed = works
        if after:
            c = Cursor.decode(after)
            narrowed = works.filter(Q(position__gt=c.position) | Q(position=c.position, post_id__lt=c.post_id))
        rows = await narrowed.order_by("position", "-post_id").limit(limit + 1).select_related("post")
        more_older = len(rows) > limit
        rows = rows[:limit]
        more_newer = bool(after)
    page: Page[Work] = Page(rows)
    if rows and more_newer:
        page.newer = {"before": Cursor(rows[0].position, rows[0].post_id).encode()}
    if rows and more_older:
        page.older = {"after": Cursor(rows[-1].position, rows[-1].post_id).encode()}
    return page


async def _id_page(query, args: Mapping[str, str], limit: int, *, id_field: str = "id", related: tuple[str, ...] = ("post",)):
    """Newest first by ``id_field``; ``max_id`` for older pages, ``min_id`` for newer ones."""
    max_id, min_id = id_cursor(args, "max_id"), id_cursor(args, "min_id")
    if min_id is not None:
        rows = await query.filter(**{f"{id_field}__gt": min_id}).order_by(id_field).limit(limit + 1).select_related(*related)
        more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        more_older = True
    else:
        narrowed = query.filter(**{f"{id_field}__lt": max_id}) if max_id is not None else query
        rows = await narrowed.order_by(f"-{id_field}").limit(limit + 1).select_related(*related)
        more_older = len(rows) > limit
        rows = rows[:limit]
        more_newer = max_id is not None
    page = Page(rows)
    if rows and more_newer:
        page.newer = {"min_id": str(getattr(rows[0], id_field))}
    if rows and more_older:
        page.older = {"max_id": str(getattr(rows[-1], id_field))}
    return page


# Posts


async def posts_page(
    viewer: Account | None, args: Mapping[str, str], limit: int, *, author: Account | None = None,
    replies: bool | None = None, hashtag: str | None = None,
) -> Page[Post]:
    """Posts ``viewer`` may see, newest first: one author's (``replies`` None: all, True:
    only replies, False: no replies), or local posts carrying ``hashtag``."""
    query = visible_posts(viewer).filter(boost_of_id__isnull=True)
    if author is not None:
        query = query.filter(account_id=author.pk)
    if replies is True:
        query = query.filter(in_reply_to_uri__isnull=False)
    elif replies is False:
        query = query.filter(in_reply_to_uri__isnull=True)
    if hashtag is not None:
        if not HASHTAG.fullmatch(hashtag):
            raise BadCursor(f"#{hashtag} is not a tag")
        # The tag list is JSON text on SQLite and jsonb on PostgreSQL: both read as text,
        # the quoted name matched without case. The name is letters, digits and "_" only.
        pattern = '%"#' + hashtag.lower() + '"%'
        query = publicly_listed(query, viewer).filter(local=True, visibility="public").annotate(
            has_tag=RawSQL(f"lower(CAST(\"posts\".\"tags\" AS TEXT)) LIKE '{pattern}'")
        ).filter(has_tag=True)
    return await _id_page(query, args, limit, related=("account",))


async def replies_to(post: Post, viewer: Account | None, limit: int = 40) -> list[Post]:
    """Direct replies to ``post`` that ``viewer`` may see, oldest first, with their authors."""
    return await visible_posts(viewer).filter(in_reply_to_id=post.pk).order_by("id").limit(limit).select_related("account")


async def work_of(post: Post) -> Work | None:
    return await Work.get_or_none(post_id=post.pk)


# Attachments


async def attachments_by_post(post_ids: list[int]) -> dict[int, list[MediaAttachment]]:
    """Every attachment of these posts in one query, in upload order."""
    found: dict[int, list[MediaAttachment]] = {post_id: [] for post_id in post_ids}
    if post_ids:
        for attachment in await MediaAttachment.filter(post_id__in=post_ids).order_by("id"):
            found[attachment.post_id].append(attachment)
    return found


# Series


@dataclass
class SeriesSummary:
    series: Series
    cover_post_id: int | None = None
    visible_works: int = 0


async def series_of(artist: Account, viewer: Account | None) -> list[SeriesSummary]:
    """The artist's series in their order, each with its first visible work as the cover
    (two queries)."""
    all_series = await Series.filter(account_id=artist.pk).order_by("position", "id")
    summaries = [SeriesSummary(series) for series in all_series]
    if not summaries:
        return summaries
    by_id = {summary.series.pk: summary for summary in summaries}
    visible = Subquery(visible_posts(viewer).filter(account_id=artist.pk).values("id"))
    entries = await SeriesWork.filter(series_id__in=list(by_id), post_id__in=visible).order_by(
        "series_id", "position", "id"
    ).values_list("series_id", "post_id")
    for series_id, post_id in entries:
        summary = by_id[series_id]
        summary.visible_works += 1
        if summary.cover_post_id is None:
            summary.cover_post_id = post_id
    return summaries


async def series_works(series: Series, viewer: Account | None, args: Mapping[str, str], limit: int) -> Page[SeriesWork]:
    """A page of a series' works ``viewer`` may see, in the series' order."""
    visible = Subquery(visible_posts(viewer).filter(account_id=series.account_id).values("id"))
    entries = SeriesWork.filter(series_id=series.pk, post_id__in=visible)
    return await _ordered_page(entries, args, limit)


# Follows


async def follows_page(artist: Account, *, followers: bool, args: Mapping[str, str], limit: int) -> Page[Follow]:
    """Accepted follows of (``followers``) or by the artist, newest first, with the other side."""
    if followers:
        query, related = Follow.accepted().filter(target_id=artist.pk), ("follower",)
    else:
        query, related = Follow.accepted().filter(follower_id=artist.pk), ("target",)
    return await _id_page(query, args, limit, related=related)


def query_string(params: dict[str, Any] | None, **extra: str) -> str | None:
    if params is None:
        return None
    merged = {**extra, **params}
    return "&".join(f"{name}={value}" for name, value in merged.items())

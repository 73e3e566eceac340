"""An artist's pages: the portfolio at ``/@name`` (works in the artist's order, series,
tabs for posts and replies), followers and following; accounts of other servers known
here at ``/@name@host``. ActivityPub clients asking for ``/@name`` get the actor."""

from __future__ import annotations

from quart import Blueprint, request

from fediserver.models import Account
from fediserver.routes.actors import actor_json
from fediserver.routes.negotiation import wants_activity_json
from fediserver.web.page_cache import account_scope
from fediserver.web.pages.views import PagerLinks, work_views
from fediserver.web.presenters import Counts
from fediserver.web.queries import (
    BadCursor,
    follows_page,
    local_artist,
    posts_page,
    remote_account,
    series_of,
    works_page,
)
from fediserver.web.rendering import PageMoved, PageNotFound, Rendered, public_page, render, web

blueprint = Blueprint("portfolio_pages", __name__)

TABS = (("works", "Works", ""), ("posts", "Posts", "/posts"), ("replies", "Replies", "/replies"))


async def _artist(username: str, *, with_counts: bool = False) -> tuple[Account, Counts | None]:
    found = await local_artist(web().services.urls, username, with_counts=with_counts)
    if found is None:
        raise PageNotFound(f"There is no artist called @{username} here.")
    artist = found[0]
    if artist.moved_to_uri:
        # She moved to another server: her pages send visitors to her new profile.
        target = await Account.get_or_none(uri=artist.moved_to_uri)
        raise PageMoved((target.url if target is not None else None) or artist.moved_to_uri)
    return found


@blueprint.get("/@<username>")
async def portfolio(username: str):
    if "@" in username:
        return await public_page(lambda viewer: _remote_account_page(username, viewer))
    if wants_activity_json(request.headers.get("Accept")):
        return await actor_json(username)
    return await public_page(lambda viewer: _works_tab(username, viewer))


@blueprint.get("/@<username>/posts")
async def posts_tab(username: str):
    return await public_page(lambda viewer: _posts_tab(username, viewer, replies=False))


@blueprint.get("/@<username>/replies")
async def replies_tab(username: str):
    return await public_page(lambda viewer: _posts_tab(username, viewer, replies=True))


async def _works_tab(username: str, viewer: Account | None) -> Rendered:
    room = web()
    artist, counts = await _artist(username, with_counts=True)
    try:
        page = await works_page(viewer, request.args, room.works_per_page, artist=artist)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    series = await series_of(artist, viewer)
    account_view = room.presenter.account(artist, counts)
    works, attachments = await work_views(
        room.presenter, [(work.post, work) for work in page.items], authors={artist.pk: artist},
        author_views={artist.pk: account_view},
        extra_post_ids=[s.cover_post_id for s in series if s.cover_post_id is not None],
    )
    covers = {}
    for summary in series:
        images = attachments.get(summary.cover_post_id, []) if summary.cover_post_id else []
        covers[summary.series.pk] = next(filter(None, map(room.presenter.image, images)), None)
    body = await render(
        "pages/portfolio.html", viewer=viewer, artist=artist, account=account_view, tab="works", tabs=TABS,
        works=works, series=series, covers=covers, pager=PagerLinks(f"/@{artist.username}", page),
        first_page=not request.args,
    )
    return Rendered(body, (account_scope(artist.pk),))


async def _posts_tab(username: str, viewer: Account | None, *, replies: bool) -> Rendered:
    room = web()
    artist, counts = await _artist(username, with_counts=True)
    try:
        page = await posts_page(viewer, request.args, 20, author=artist, replies=replies)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    account_view = room.presenter.account(artist, counts)
    posts, _ = await work_views(
        room.presenter, [(post, None) for post in page.items], authors={artist.pk: artist},
        author_views={artist.pk: account_view},
    )
    tab = "replies" if replies else "posts"
    body = await render(
        "pages/portfolio.html", viewer=viewer, artist=artist, account=account_view, tab=tab, tabs=TABS,
        posts=posts, pager=PagerLinks(f"/@{artist.username}/{tab}", page), first_page=False,
    )
    return Rendered(body, (account_scope(artist.pk),))


@blueprint.get("/@<username>/followers")
async def followers(username: str):
    return await public_page(lambda viewer: _people(username, viewer, followers=True))


@blueprint.get("/@<username>/following")
async def following(username: str):
    return await public_page(lambda viewer: _people(username, viewer, followers=False))


async def _people(username: str, viewer: Account | None, *, followers: bool) -> Rendered:
    room = web()
    artist, counts = await _artist(username, with_counts=True)
    try:
        page = await follows_page(artist, followers=followers, args=request.args, limit=40)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    people = [room.presenter.account(f.follower if followers else f.target) for f in page.items]
    kind = "followers" if followers else "following"
    body = await render(
        "pages/people.html", viewer=viewer, artist=artist, account=room.presenter.account(artist, counts),
        people=people, kind=kind, pager=PagerLinks(f"/@{artist.username}/{kind}", page),
    )
    return Rendered(body, (account_scope(artist.pk),))


async def _remote_account_page(acct: str, viewer: Account | None) -> Rendered:
    room = web()
    account = await remote_account(acct)
    if account is None:
        raise PageNotFound(f"No account @{acct} is known here.")
    try:
        page = await posts_page(viewer, request.args, 20, author=account)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    account_view = room.presenter.account(account)
    posts, _ = await work_views(
        room.presenter, [(post, None) for post in page.items], authors={account.pk: account},
        author_views={account.pk: account_view},
    )
    body = await render(
        "pages/remote_account.html", viewer=viewer, remote=account, account=account_view, posts=posts,
        pager=PagerLinks(f"/@{acct}", page),
    )
    return Rendered(body, (account_scope(account.pk),))

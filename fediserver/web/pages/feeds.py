"""Atom feeds: an artist's newest works at ``/@name/feed.atom`` and a series' works at
``/@name/series/<slug>/feed.atom``, written by feedgenerator. Only posts anyone may
read are in a feed; a work behind a content warning shows the warning, not the image."""

from __future__ import annotations

from datetime import UTC

import feedgenerator
from markupsafe import escape
from quart import Blueprint

from fediserver.models import Account
from fediserver.models.portfolio import Series
from fediserver.web.page_cache import account_scope
from fediserver.web.pages.views import work_views
from fediserver.web.presenters import AccountView, WorkView
from fediserver.web.queries import local_artist, series_works, works_page
from fediserver.web.rendering import PageNotFound, Rendered, public_page, web

blueprint = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
FEED_LENGTH = 20


@blueprint.get("/@<username>/feed.atom")
async def artist_feed(username: str):
    async def build(_viewer: Account | None) -> Rendered:
        room = web()
        artist = await _artist(username)
        page = await works_page(None, {}, FEED_LENGTH, artist=artist)
        account = room.presenter.account(artist)
        works, _ = await work_views(room.presenter, [(w.post, w) for w in page.items], authors={artist.pk: artist},
                                    author_views={artist.pk: account})
        feed = _feed(f"{account.display_name} ({account.handle})", account.page_url, account.bio_html.striptags(),
                     f"{account.page_url}/feed.atom", account)
        for work in sorted(works, key=lambda w: w.published, reverse=True):
            _add(feed, work, account)
        return Rendered(feed.writeString("utf-8"), (account_scope(artist.pk),), ATOM)

    return await public_page(build)


@blueprint.get("/@<username>/series/<slug>/feed.atom")
async def series_feed(username: str, slug: str):
    async def build(_viewer: Account | None) -> Rendered:
        room = web()
        artist = await _artist(username)
        series = await Series.get_or_none(account_id=artist.pk, slug=slug)
        if series is None:
            raise PageNotFound("There is no such series here.")
        page = await series_works(series, None, {}, FEED_LENGTH)
        account = room.presenter.account(artist)
        works, _ = await work_views(room.presenter, [(e.post, None) for e in page.items], authors={artist.pk: artist},
                                    author_views={artist.pk: account})
        page_url = f"{account.page_url}/series/{series.slug}"
        feed = _feed(f"{series.title} by {account.display_name}", page_url, series.description, f"{page_url}/feed.atom",
                     account)
        for work in works:
            _add(feed, work, account)
        return Rendered(feed.writeString("utf-8"), (account_scope(artist.pk),), ATOM)

    return await public_page(build)


async def _artist(username: str) -> Account:
    found = await local_artist(web().services.urls, username)
    if found is None:
        raise PageNotFound(f"There is no artist called @{username} here.")
    return found[0]


def _absolute(path: str) -> str:
    return path if path.startswith(("https://", "http://")) else web().services.urls.base_url + path


def _feed(title: str, link: str, description: str, feed_path: str, account: AccountView) -> feedgenerator.Atom1Feed:
    return feedgenerator.Atom1Feed(
        title=title, link=_absolute(link), description=description or title, language="en",
        author_name=account.display_name, author_link=_absolute(account.page_url), feed_url=_absolute(feed_path),
        feed_guid=_absolute(feed_path),
    )


def _add(feed: feedgenerator.Atom1Feed, work: WorkView, account: AccountView) -> None:
    if work.sensitive:
        body = f"<p>Content warning: {escape(work.summary or 'sensitive')}. Open the work to see it.</p>"
    else:
        images = "".join(
            f'<p><img src="{escape(_absolute(image.src))}" alt="{escape(image.alt)}"'
            + (f' width="{image.width}" height="{image.height}"' if image.width else "") + "></p>"
            for image in work.images
        )
        body = images + str(work.content)
    body += f"<p>© {work.published.year} {escape(account.display_name)}. Not for AI training or data mining.</p>"
    published = work.published if work.published.tzinfo else work.published.replace(tzinfo=UTC)
    feed.add_item(
        title=work.title, link=_absolute(work.url), description=body, content=body, unique_id=work.uri,
        pubdate=published, updateddate=work.edited or published, author_name=account.display_name,
        author_link=_absolute(account.page_url), categories=[name for name, _ in work.hashtags],
    )

"""The collective's own pages: the front page (``/``: name, description, rules, its
artists and their latest works), ``/about`` (rules, contact, the AI and do-not-train
policy) and a hashtag's local posts at ``/tags/<tag>``."""

from __future__ import annotations

from quart import Blueprint, request

from fediserver.models import Account
from fediserver.web.page_cache import LOCAL_SCOPE
from fediserver.web.pages.views import PagerLinks, work_views
from fediserver.web.queries import BadCursor, local_artists, posts_page, works_page
from fediserver.web.rendering import PageNotFound, Rendered, public_page, render, web

blueprint = Blueprint("collective_pages", __name__)


@blueprint.get("/")
async def front_page():
    return await public_page(_front)


async def _front(viewer: Account | None) -> Rendered:
    room = web()
    try:
        page = await works_page(viewer, request.args, room.works_per_page)
    except BadCursor as error:
        raise PageNotFound(str(error)) from None
    artists = await local_artists()
    authors = {artist.pk: artist for artist in artists}
    missing = {work.post.account_id for work in page.items} - set(authors)
    if missing:
        authors.update({account.pk: account for account in await Account.filter(id__in=missing)})
    works, _ = await work_views(room.presenter, [(work.post, work) for work in page.items], authors=authors)
    body = await render(
        "pages/front.html", viewer=viewer, works=works, artists=[room.presenter.account(a) for a in artists],
        pager=PagerLinks("/", page), first_page=not request.args,
    )
    return Rendered(body, (LOCAL_SCOPE,))


@blueprint.get("/about")
async def about():
    async def build(viewer: Account | None) -> Rendered:
        policy = web().services.media.rules.protection
        return Rendered(await render("pages/about.html", viewer=viewer, protection=policy), ())

    return await public_page(build)


@blueprint.get("/tags/<tag>")
async def tag_page(tag: str):
    async def build(viewer: Account | None) -> Rendered:
        room = web()
        name = tag.lstrip("#")
        if not name or len(name) > 100:
            raise PageNotFound("That is not a tag.")
        try:
            page = await posts_page(viewer, request.args, 20, hashtag=name.lower())
        except BadCursor as error:
            raise PageNotFound(str(error)) from None
        posts, _ = await work_views(room.presenter, [(post, None) for post in page.items],
                                    authors={post.account_id: post.account for post in page.items})
        body = await render("pages/tag.html", viewer=viewer, tag=name, posts=posts,
                            pager=PagerLinks(f"/tags/{name}", page))
        return Rendered(body, (LOCAL_SCOPE,))

    return await public_page(build)

"""The studio's people pages: follow requests to approve or decline (through
``outbox.relations.authorize_follow`` / ``reject_follow``), notifications, and a simple
home feed of the artist's own posts and those of the accounts they follow, as the single
visibility rule lets them see them."""

from __future__ import annotations

from quart import redirect, request
from tortoise.expressions import Q, Subquery
from werkzeug.exceptions import NotFound

from fediserver.models import Account, Follow, Notification
from fediserver.visibility import visible_posts
from fediserver.web.pages.views import PagerLinks, work_views
from fediserver.web.queries import BadCursor, _id_page
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf
from fediserver.web.studio import artist_only, blueprint
from outbox import relations


def _page(body: str, status: int = 200):
    return body, status, {"Cache-Control": PRIVATE_CACHE_CONTROL}


@blueprint.get("/studio/requests")
@artist_only
async def follow_requests(artist: Account):
    pending = await Follow.requests().filter(target_id=artist.pk).order_by("id").select_related("follower")
    people = [(follow, web().presenter.account(follow.follower)) for follow in pending]
    body = await render("studio/requests.html", viewer=artist, people=people, section="requests",
                        done=request.args.get("done", ""))
    return _page(body)


@blueprint.post("/studio/requests/<int:follow_id>")
@artist_only
async def answer_request(artist: Account, follow_id: int):
    await check_csrf()
    follow = await Follow.requests().filter(id=follow_id, target_id=artist.pk).select_related("follower").first() \
        if follow_id < 2**63 else None
    if follow is None:
        raise NotFound()
    if (await request.form).get("answer") == "approve":
        await relations.authorize_follow(artist, follow.follower)
        return redirect("/studio/requests?done=approved", 303)
    await relations.reject_follow(artist, follow.follower)
    return redirect("/studio/requests?done=declined", 303)


@blueprint.get("/studio/notifications")
@artist_only
async def notifications(artist: Account):
    try:
        page = await _id_page(Notification.filter(account_id=artist.pk), request.args, 40,
                              related=("from_account", "post"))
    except BadCursor:
        raise NotFound() from None
    room = web()
    items = [(n, room.presenter.account(n.from_account)) for n in page.items]
    body = await render("studio/notifications.html", viewer=artist, items=items, section="notifications",
                        pager=PagerLinks("/studio/notifications", page))
    return _page(body)


@blueprint.get("/studio/feed")
@artist_only
async def home_feed(artist: Account):
    followed = Subquery(Follow.accepted().filter(follower_id=artist.pk).values("target_id"))
    query = visible_posts(artist).filter(Q(account_id=artist.pk) | Q(account_id__in=followed))
    try:
        page = await _id_page(query, request.args, 20, related=("account",))
    except BadCursor:
        raise NotFound() from None
    posts, _ = await work_views(web().presenter, [(post, None) for post in page.items],
                                authors={post.account_id: post.account for post in page.items})
    body = await render("studio/feed.html", viewer=artist, posts=posts, section="feed",
                        pager=PagerLinks("/studio/feed", page))
    return _page(body)

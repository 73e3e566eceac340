"""A work or post at ``/@name/<id>`` (the address every server links to): its images in
the served sizes, the description, tags, licence and do-not-train notice, its series and
the replies the visitor may see. ActivityPub clients get the Note. Posts of other
servers known here have a page at ``/@name@host/<id>``."""

from __future__ import annotations

from quart import Blueprint, request

from fediserver.models import Account
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.portfolio import SeriesWork
from fediserver.routes.collections import status_json
from fediserver.routes.negotiation import wants_activity_json
from fediserver.visibility import visible_posts
from fediserver.web.page_cache import account_scope
from fediserver.web.queries import attachments_by_post, replies_to, work_of
from fediserver.web.rendering import PageNotFound, Rendered, public_page, render, web

blueprint = Blueprint("work_pages", __name__)

MAX_POST_ID = 2**63 - 1


@blueprint.get("/@<username>/<int:post_id>")
async def work_page(username: str, post_id: int):
    if "@" not in username and wants_activity_json(request.headers.get("Accept")):
        return await status_json(username, post_id)
    return await public_page(lambda viewer: _work(username, post_id, viewer))


async def _work(username: str, post_id: int, viewer: Account | None) -> Rendered:
    room = web()
    name, _, domain = username.partition("@")
    post = None
    if post_id <= MAX_POST_ID:
        post = await visible_posts(viewer).filter(
            id=post_id, account__username=name, account__domain=domain.lower() if domain else LOCAL_DOMAIN,
            account__suspended=False, boost_of_id__isnull=True,
        ).select_related("account").first()
    if post is None:
        raise PageNotFound("There is no work or post at this address, or it is not shown to you.")
    author: Account = post.account
    work = await work_of(post) if post.local else None
    in_series = await SeriesWork.filter(post_id=post.pk).select_related("series").order_by("series__position")
    replies = await replies_to(post, viewer)
    author_view = room.presenter.account(author)
    attachments = await attachments_by_post([post.pk, *(reply.pk for reply in replies)])
    view = room.presenter.post(post, attachments[post.pk], author=author, work=work, author_view=author_view)
    reply_views = [room.presenter.post(reply, attachments[reply.pk], author=reply.account) for reply in replies]
    body = await render(
        "pages/work.html", viewer=viewer, post=post, work=view, author=author, account=author_view,
        series=[entry.series for entry in in_series], replies=reply_views,
        data_mining=room.services.media.artist_policy(author).data_mining if author.is_local else None,
    )
    return Rendered(body, (account_scope(author.pk),))

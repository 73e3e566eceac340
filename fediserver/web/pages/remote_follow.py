"""Following an artist from another server: the visitor gives their handle, we ask their
server's WebFinger for its subscribe template (``http://ostatus.org/schema/1.0/subscribe``,
which Mastodon points at its ``authorize_interaction`` page) and send them there with the
artist's handle filled in, to confirm the follow on their own server."""

from __future__ import annotations

from quart import Blueprint, redirect, request

from federation.errors import FetchError, WebFingerError
from federation.webfinger import JRD_ACCEPT, parse_acct, parse_jrd, webfinger_url
from fediserver.models import Account
from fediserver.web.queries import local_artist
from fediserver.web.rendering import PageNotFound, Rendered, public_page, render, web

blueprint = Blueprint("remote_follow", __name__)

SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"


class FollowProblem(Exception):
    pass


@blueprint.get("/@<username>/remote_follow")
async def remote_follow(username: str):
    room = web()
    handle = request.args.get("acct", "").strip()
    target = None
    problem = ""
    if handle:
        try:
            target = await subscribe_url(handle, f"{username}@{room.site.domain}")
        except FollowProblem as error:
            problem = str(error)
    if target is not None and await local_artist(room.services.urls, username) is not None:
        return redirect(target, 303)

    async def build(viewer: Account | None) -> Rendered:
        found = await local_artist(room.services.urls, username)
        if found is None:
            raise PageNotFound(f"There is no artist called @{username} here.")
        account = room.presenter.account(found[0])
        body = await render("pages/remote_follow.html", viewer=viewer, account=account, handle=handle, problem=problem)
        return Rendered(body)

    response = await public_page(build, cache=False)
    if problem and response.status_code == 200:
        response.status_code = 422
    return response


async def subscribe_url(handle: str, artist_acct: str) -> str:
    """Where the owner of ``handle`` confirms following ``artist_acct`` on their own server."""
    services = web().services
    try:
        acct = parse_acct(handle)
    except WebFingerError:
        raise FollowProblem(f"{handle!r} is not a handle: write it as you@your.server") from None
    if acct.host == services.settings.instance.domain:
        raise FollowProblem("That handle is on this server: sign in here and follow from the artist's page.")
    try:
        response = await services.http.get(webfinger_url(acct, services.settings.instance.scheme), accept=JRD_ACCEPT)
    except FetchError as error:
        raise FollowProblem(f"Could not reach {acct.host} ({error}).") from None
    if response.status != 200:
        raise FollowProblem(f"{acct.host} does not know {acct} (it answered {response.status}).")
    try:
        jrd = parse_jrd(response.body)
    except WebFingerError:
        raise FollowProblem(f"{acct.host} gave an answer that is not WebFinger.") from None
    for link in jrd.links:
        if link.rel == SUBSCRIBE_REL and link.template and "{uri}" in link.template:
            return link.template.replace("{uri}", f"acct:{artist_acct}")
    raise FollowProblem(f"{acct.host} has no page for following accounts of other servers; "
                        f"search for @{artist_acct} there instead.")

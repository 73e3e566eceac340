"""The studio's series: making one, its title and description, which works it holds and
in what order, the order of the series on the portfolio, deleting one. Each change goes
out through ``outbox.portfolio`` (FEP-7aa9 Add, Update, Remove)."""

from __future__ import annotations

from quart import redirect, request
from werkzeug.exceptions import NotFound

from fediserver.models import Account, MediaAttachment
from fediserver.models.portfolio import Series, SeriesWork, Work
from fediserver.web.forms import Form
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf
from fediserver.web.studio import artist_only, blueprint
from outbox import portfolio
from outbox.errors import ActionError


def _page(body: str, status: int = 200):
    return body, status, {"Cache-Control": PRIVATE_CACHE_CONTROL}


async def _own_series(artist: Account, series_id: int) -> Series:
    series = await Series.get_or_none(id=series_id, account_id=artist.pk) if series_id < 2**63 else None
    if series is None:
        raise NotFound()
    return series


def _read(form: Form, fields) -> tuple[str, str]:
    title = form.text(fields, "title", limit=portfolio.MAX_SERIES_TITLE, required="Give the series a title.")
    description = form.text(fields, "description", limit=portfolio.MAX_SERIES_DESCRIPTION)
    return title, description


@blueprint.route("/studio/series", methods=["GET", "POST"])
@artist_only
async def series_list(artist: Account):
    form = Form()
    if request.method == "POST":
        await check_csrf()
        title, description = _read(form, await request.form)
        if form.ok:
            series = await portfolio.create_series(artist, title, description, media_url=web().services.notes.media_url)
            return redirect(f"/studio/series/{series.pk}", 303)
    all_series = await Series.filter(account_id=artist.pk).order_by("position", "id")
    body = await render("studio/series_list.html", viewer=artist, form=form, all_series=all_series, section="series")
    return _page(body, 422 if form.errors else 200)


@blueprint.post("/studio/series/<int:series_id>/order")
@artist_only
async def order_series(artist: Account, series_id: int):
    await check_csrf()
    await _own_series(artist, series_id)
    order = list(await Series.filter(account_id=artist.pk).order_by("position", "id").values_list("id", flat=True))
    index = order.index(series_id)
    step = -1 if (await request.form).get("to") == "up" else 1
    order.insert(max(0, min(len(order) - 1, index + step)), order.pop(index))
    await portfolio.arrange_series(artist, order)
    return redirect("/studio/series", 303)


@blueprint.route("/studio/series/<int:series_id>", methods=["GET", "POST"])
@artist_only
async def edit_series(artist: Account, series_id: int):
    series = await _own_series(artist, series_id)
    media_url = web().services.notes.media_url
    form = Form(values={"title": series.title, "description": series.description})
    notice = ""
    if request.method == "POST":
        await check_csrf()
        fields = await request.form
        title, description = _read(form, fields)
        chosen = [int(v) for v in fields.getlist("works") if v.isdigit()]
        if form.ok:
            current = list(await SeriesWork.filter(series_id=series.pk).order_by("position", "id")
                           .values_list("post_id", flat=True))
            order = [pid for pid in current if pid in chosen] + [pid for pid in chosen if pid not in current]
            try:
                await portfolio.set_series_works(series, artist, order, media_url=media_url)
                await portfolio.edit_series(series, artist, title, description, media_url=media_url)
            except ActionError as error:
                form.error("works", str(error))
            else:
                notice = "Saved."
    body = await _series_page(artist, series, form, notice)
    return _page(body, 422 if form.errors else 200)


async def _series_page(artist: Account, series: Series, form: Form, notice: str) -> str:
    room = web()
    in_series = list(await SeriesWork.filter(series_id=series.pk).order_by("position", "id").select_related("post"))
    works = await Work.filter(account_id=artist.pk, post__deleted_at__isnull=True).order_by("position", "-post_id") \
        .select_related("post")
    first_images = {}
    for attachment in await MediaAttachment.filter(post_id__in=[w.post_id for w in works]).order_by("id"):
        first_images.setdefault(attachment.post_id, attachment)
    views = {w.post_id: room.presenter.post(w.post, [first_images[w.post_id]] if w.post_id in first_images else [],
                                            author=artist, work=w) for w in works}
    member_ids = {entry.post_id for entry in in_series}
    return await render(
        "studio/series_form.html", viewer=artist, series=series, form=form, notice=notice, section="series",
        members=[views[e.post_id] for e in in_series if e.post_id in views], works=[views[w.post_id] for w in works],
        member_ids=member_ids,
    )


@blueprint.post("/studio/series/<int:series_id>/move")
@artist_only
async def move_in_series(artist: Account, series_id: int):
    await check_csrf()
    series = await _own_series(artist, series_id)
    fields = await request.form
    post_id = int(fields.get("post_id", "0")) if fields.get("post_id", "").isdigit() else 0
    step = {"up": -1, "down": 1, "first": -10**6}.get(fields.get("to", ""), 0)
    try:
        await portfolio.move_in_series(series, artist, post_id, step, media_url=web().services.notes.media_url)
    except ActionError:
        pass
    return redirect(f"/studio/series/{series.pk}#work-{post_id}", 303)


@blueprint.post("/studio/series/<int:series_id>/delete")
@artist_only
async def delete_series(artist: Account, series_id: int):
    await check_csrf()
    series = await _own_series(artist, series_id)
    await portfolio.delete_series(series, artist)
    return redirect("/studio/series", 303)

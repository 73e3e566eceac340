"""The studio's works: the dashboard (the portfolio in order, to arrange and pin), uploading
a work, editing and deleting one.

Uploading: up to ``IMAGE_SLOTS`` images, each with its alt text, go through
``Services.media.accept_upload`` as soon as the form arrives, so a refused image (AI-made
under "reject", broken, the wrong type, too large) is reported next to its field with the
reason. Images that were accepted while another field was wrong are kept (unposted
uploads of the artist), shown on the form again and posted once it is right; nothing is
typed twice. The post itself goes through ``outbox.portfolio.publish_work``.
"""

from __future__ import annotations

from quart import redirect, request

from fediserver.models import Account, MediaAttachment, Post
from fediserver.models.portfolio import WORK_FACETS, Series, SeriesWork, Work
from fediserver.web.forms import Form, names_list
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf
from fediserver.web.studio import artist_only, blueprint
from media.intake import MediaRejected
from outbox import portfolio, statuses
from outbox.errors import ActionError
from outbox.portfolio import MAX_FACET_NAMES

IMAGE_SLOTS = 4
MAX_TITLE = 200
MAX_DESCRIPTION = 4_500
MAX_ALT = 1_500
VISIBILITIES = (("public", "Everyone"), ("unlisted", "Everyone with the link (not in public lists)"),
                ("private", "Followers only"))
LICENCES = (
    ("", "My default licence"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
    ("https://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0"),
    ("https://creativecommons.org/licenses/by-nc/4.0/", "CC BY-NC 4.0"),
    ("https://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0"),
    ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 (public domain)"),
)


def _page(body: str, status: int = 200):
    return body, status, {"Cache-Control": PRIVATE_CACHE_CONTROL}


# The dashboard: works in order


@blueprint.get("/studio")
@artist_only
async def dashboard(artist: Account):
    works = await Work.filter(account_id=artist.pk, post__deleted_at__isnull=True).order_by(
        "position", "-post_id").select_related("post")
    room = web()
    attachments = {}
    for attachment in await MediaAttachment.filter(post_id__in=[w.post_id for w in works]).order_by("id"):
        attachments.setdefault(attachment.post_id, attachment)
    items = [(work, room.presenter.post(work.post, [attachments[work.post_id]] if work.post_id in attachments else [],
                                        author=artist, work=work)) for work in works]
    body = await render("studio/dashboard.html", viewer=artist, items=items, section="works",
                        notice=request.args.get("done", ""))
    return _page(body)


@blueprint.post("/studio/works/<int:post_id>/move")
@artist_only
async def move(artist: Account, post_id: int):
    await check_csrf()
    form = await request.form
    step = {"up": -1, "down": 1, "first": -10**6, "last": 10**6}.get(form.get("to", ""), 0)
    try:
        await portfolio.move_work(artist, post_id, step)
    except ActionError:
        pass
    return redirect(f"/studio#work-{post_id}", 303)


@blueprint.post("/studio/works/newest_first")
@artist_only
async def newest_first(artist: Account):
    await check_csrf()
    await portfolio.newest_first(artist)
    return redirect("/studio?done=ordered", 303)


@blueprint.post("/studio/works/<int:post_id>/pin")
@artist_only
async def pin(artist: Account, post_id: int):
    await check_csrf()
    post = await _own_post(artist, post_id)
    form = await request.form
    try:
        if form.get("pinned") == "1":
            await portfolio.pin(post, artist)
        else:
            await portfolio.unpin(post, artist)
    except ActionError as error:
        return redirect(f"/studio?done=pin-refused&reason={error}", 303)
    return redirect(f"/studio#work-{post_id}", 303)


# Uploading a work


@blueprint.route("/studio/works/new", methods=["GET", "POST"])
@artist_only
async def new_work(artist: Account):
    all_series = await Series.filter(account_id=artist.pk).order_by("position", "id")
    form = Form(values={"visibility": "public", "licence": "", "series": []})
    kept: list[MediaAttachment] = []
    if request.method == "POST":
        await check_csrf()
        fields = await request.form
        files = await request.files
        details = _read_details(form, fields, all_series)
        kept = await _read_images(artist, form, fields, files)
        if not kept and not form.errors.get("image_1"):
            form.error("image_1", "Add at least one image: a work is shown by its pictures.")
        if form.ok:
            try:
                post = await portfolio.publish_work(
                    artist, details["text"], media=kept, visibility=details["visibility"],
                    spoiler_text=details["spoiler"], sensitive=details["sensitive"], facets=details["facets"],
                    payment_url=details["payment_url"] or None, payment_label=details["payment_label"] or None,
                    license=details["licence"] or None, series=details["series"], notes=web().services.notes,
                )
            except ActionError as error:
                form.error("description", str(error))
            else:
                return redirect(f"/@{artist.username}?new={post.pk}", 303)
    body = await render(
        "studio/work_form.html", viewer=artist, form=form, kept=[(m, web().presenter.image(m)) for m in kept],
        free_slots=range(1, IMAGE_SLOTS - len(kept) + 1), all_series=all_series, visibilities=VISIBILITIES,
        licences=LICENCES, editing=None, section="upload",
    )
    return _page(body, 422 if form.errors else 200)


def _read_details(form: Form, fields, all_series: list[Series]) -> dict:
    title = form.text(fields, "title", limit=MAX_TITLE, required="Give the work a title.")
    description = form.text(fields, "description", limit=MAX_DESCRIPTION)
    spoiler = form.text(fields, "content_warning", limit=500)
    sensitive = form.flag(fields, "sensitive")
    tags = form.text(fields, "tags", limit=500)
    facets = {}
    for facet in WORK_FACETS:
        names = names_list(form.text(fields, facet, limit=400), MAX_FACET_NAMES)
        if len(names) > MAX_FACET_NAMES:
            form.error(facet, f"At most {MAX_FACET_NAMES} names.")
        facets[facet] = names[:MAX_FACET_NAMES]
    try:
        facets = portfolio.clean_facets(facets)
    except ActionError as error:
        form.error("medium", str(error))
    visibility = form.choice(fields, "visibility", [v for v, _ in VISIBILITIES], "public")
    licence = form.choice(fields, "licence", [v for v, _ in LICENCES], "")
    payment_url = form.url(fields, "payment_url")
    payment_label = form.text(fields, "payment_label", limit=64)
    wanted = set(fields.getlist("series"))
    form.values["series"] = sorted(wanted)
    chosen = [one for one in all_series if str(one.pk) in wanted]
    hashtags = [word.lstrip("#") for word in tags.replace(",", " ").split() if word.lstrip("#")]
    for tag in hashtags:
        try:
            portfolio.facet_hashtag(tag)
        except ActionError:
            form.error("tags", f"#{tag} cannot be a tag: use letters and digits.")
    text = title + ("\n\n" + description if description else "")
    if hashtags:
        text += "\n\n" + " ".join(f"#{portfolio.facet_hashtag(tag)}" for tag in hashtags if _taggable(tag))
    return {"text": text, "spoiler": spoiler, "sensitive": sensitive or bool(spoiler), "facets": facets,
            "visibility": visibility, "licence": licence, "payment_url": payment_url,
            "payment_label": payment_label, "series": chosen}


def _taggable(tag: str) -> bool:
    try:
        portfolio.facet_hashtag(tag)
    except ActionError:
        return False
    return True


async def _read_images(artist: Account, form: Form, fields, files) -> list[MediaAttachment]:
    """The images of this work: those kept from an earlier try (alt text updated, some
    perhaps removed) and the new files, each accepted or refused with its reason."""
    kept_ids = [int(value) for value in fields.getlist("kept_media") if value.isdigit()][:IMAGE_SLOTS]
    kept = await MediaAttachment.unused().filter(id__in=kept_ids, account_id=artist.pk).order_by("id")
    images: list[MediaAttachment] = []
    for attachment in kept:
        if fields.get(f"drop_{attachment.pk}"):
            continue
        alt = form.text(fields, f"kept_alt_{attachment.pk}", limit=MAX_ALT,
                        required="Describe this image for people who cannot see it.")
        if alt != attachment.description:
            attachment.description = alt
            await attachment.save(update_fields=["description"])
        images.append(attachment)
    pre_protected = form.flag(fields, "pre_protected")
    services = web().services
    for slot in range(1, IMAGE_SLOTS - len(images) + 1):
        upload = files.get(f"image_{slot}")
        alt = form.text(fields, f"alt_{slot}", limit=MAX_ALT)
        if upload is None or not upload.filename:
            if alt:
                form.error(f"image_{slot}", "Choose the image this description belongs to.")
            continue
        try:
            attachment = await services.media.accept_upload(
                artist, _chunks(upload.stream), declared_type=upload.mimetype or None, filename=upload.filename,
                description=alt, pre_protected=pre_protected,
            )
        except MediaRejected as refused:
            form.error(f"image_{slot}", f"This image was refused: {refused.message}")
            continue
        finally:
            upload.close()
        images.append(attachment)
        # Kept under its own id from now on: its alt text field moves with it.
        form.values[f"kept_alt_{attachment.pk}"] = alt
        form.values.pop(f"alt_{slot}", None)
        if not alt.strip():
            form.error(f"kept_alt_{attachment.pk}", "Describe this image for people who cannot see it.")
    return images


async def _chunks(stream, size: int = 256 * 1024):
    while chunk := stream.read(size):
        yield chunk


# Editing and deleting


async def _own_post(artist: Account, post_id: int) -> Post:
    from werkzeug.exceptions import NotFound

    post = await Post.get_or_none(id=post_id, account_id=artist.pk, deleted_at__isnull=True) if post_id < 2**63 else None
    if post is None:
        raise NotFound()
    return post


@blueprint.route("/studio/works/<int:post_id>/edit", methods=["GET", "POST"])
@artist_only
async def edit_work(artist: Account, post_id: int):
    post = await _own_post(artist, post_id)
    work = await Work.get_or_none(post_id=post.pk)
    all_series = await Series.filter(account_id=artist.pk).order_by("position", "id")
    in_series = set(await SeriesWork.filter(post_id=post.pk).values_list("series_id", flat=True))
    attachments = await MediaAttachment.filter(post_id=post.pk).order_by("id")
    form = Form(values=_current_values(post, work, in_series, attachments))
    if request.method == "POST":
        await check_csrf()
        fields = await request.form
        details = _read_details(form, fields, all_series)
        for attachment in attachments:
            form.text(fields, f"kept_alt_{attachment.pk}", limit=MAX_ALT,
                      required="Describe this image for people who cannot see it.")
        if form.ok:
            for attachment in attachments:
                alt = form.values[f"kept_alt_{attachment.pk}"]
                if alt != attachment.description:
                    attachment.description = alt
                    await attachment.save(update_fields=["description"])
            try:
                await portfolio.edit_work(
                    post, details["text"], spoiler_text=details["spoiler"], sensitive=details["sensitive"],
                    facets=details["facets"], payment_url=details["payment_url"] or None,
                    payment_label=details["payment_label"] or None, license=details["licence"],
                    notes=web().services.notes,
                )
                await _set_series(artist, post, in_series, {one.pk for one in details["series"]})
            except ActionError as error:
                form.error("description", str(error))
            else:
                return redirect(f"/@{artist.username}/{post.pk}", 303)
    body = await render(
        "studio/work_form.html", viewer=artist, form=form,
        kept=[(m, web().presenter.image(m)) for m in attachments], free_slots=range(0), all_series=all_series,
        visibilities=VISIBILITIES, licences=LICENCES, editing=post, section="works",
    )
    return _page(body, 422 if form.errors else 200)


async def _set_series(artist: Account, post: Post, before: set[int], after: set[int]) -> None:
    media_url = web().services.notes.media_url
    for series in await Series.filter(account_id=artist.pk, id__in=list(before ^ after)):
        order = list(await SeriesWork.filter(series_id=series.pk).order_by("position", "id").values_list("post_id", flat=True))
        order = [pid for pid in order if pid != post.pk] + ([post.pk] if series.pk in after else [])
        await portfolio.set_series_works(series, artist, order, media_url=media_url)


def _current_values(post: Post, work: Work | None, in_series: set[int], attachments) -> dict:
    text = post.source_text or ""
    title, _, description = text.partition("\n\n")
    details = (work.details if work else {}) or {}
    values = {
        "title": title.strip(), "description": description.strip(), "content_warning": post.summary or "",
        "sensitive": post.sensitive, "visibility": str(post.visibility.value), "licence": post.license or "",
        "payment_url": (work.payment_url or "") if work else "", "payment_label": (work.payment_label or "") if work else "",
        "series": sorted(str(i) for i in in_series), "tags": "",
    }
    for facet in WORK_FACETS:
        values[facet] = ", ".join(details.get(facet, []))
    for attachment in attachments:
        values[f"kept_alt_{attachment.pk}"] = attachment.description
    return values


@blueprint.post("/studio/works/<int:post_id>/delete")
@artist_only
async def delete_work(artist: Account, post_id: int):
    await check_csrf()
    post = await _own_post(artist, post_id)
    await statuses.delete_status(post)
    await Work.filter(post_id=post.pk).delete()
    await SeriesWork.filter(post_id=post.pk).delete()
    return redirect("/studio?done=deleted", 303)

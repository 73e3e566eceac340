"""The studio's profile page: name, bio, fields, avatar and banner, default licence,
whether followers need approval, whether the artist is listed and indexed, and the
artist's own protection rules, which can only be stricter than the instance's. A saved
profile is sent to followers' servers as an Update of the actor."""

from __future__ import annotations


from quart import redirect, request

from fediserver.actor_documents import actor_document
from fediserver.models import Account
from fediserver.web.forms import Form
from fediserver.web.presenters import _text_of
from fediserver.web.rendering import PRIVATE_CACHE_CONTROL, render, web
from fediserver.web.sessions import check_csrf
from fediserver.web.studio import artist_only, blueprint
from fediserver.web.studio.works import LICENCES, _chunks
from media.intake import MediaRejected
from media.metadata import DATA_MINING_VALUES
from media.policy import DATA_MINING_STRICTNESS
from media.provenance import POLICIES
from outbox.profile import publish_profile_update
from outbox.text import render as render_text, tag_path

FIELD_PAIRS = 4
POLICY_WORDS = {"allow": "Allow them", "label": "Show them with a label", "reject": "Refuse them"}


def _stricter(values: tuple[str, ...], instance_value: str) -> list[str]:
    """The choices at least as strict as the instance's (the instance's first)."""
    if instance_value not in values:
        return [instance_value]
    return list(values[values.index(instance_value):])


def _choices(artist: Account) -> dict[str, list[tuple[str, str]]]:
    rules = web().services.media.rules.protection
    return {
        "ai_generated_local": [(v, POLICY_WORDS[v]) for v in _stricter(POLICIES, rules.ai_generated_local)],
        "ai_generated_remote": [(v, POLICY_WORDS[v]) for v in _stricter(POLICIES, rules.ai_generated_remote)],
        "data_mining": [(v, v) for v in _stricter(DATA_MINING_STRICTNESS, rules.data_mining) if v in DATA_MINING_VALUES],
    }


def _current(artist: Account) -> dict:
    overrides = artist.protection_overrides or {}
    policy = web().services.media.artist_policy(artist)
    values = {
        "display_name": artist.display_name, "bio": _text_of(artist.summary or "").strip(),
        "licence": artist.default_license or "", "locked": artist.manually_approves_followers,
        "discoverable": artist.discoverable, "indexable": artist.indexable,
        "ai_generated_local": overrides.get("ai_generated_local") or policy.ai_generated_local,
        "ai_generated_remote": overrides.get("ai_generated_remote") or policy.ai_generated_remote,
        "data_mining": overrides.get("data_mining") or policy.data_mining,
    }
    for index, item in enumerate((artist.profile_fields or [])[:FIELD_PAIRS], start=1):
        if isinstance(item, dict):
            values[f"field_name_{index}"] = str(item.get("name", ""))
            values[f"field_value_{index}"] = str(item.get("value", ""))
    return values


@blueprint.route("/studio/profile", methods=["GET", "POST"])
@artist_only
async def profile(artist: Account):
    choices = _choices(artist)
    form = Form(values=_current(artist))
    if request.method == "POST":
        await check_csrf()
        fields = await request.form
        files = await request.files
        name = form.text(fields, "display_name", limit=100)
        bio = form.text(fields, "bio", limit=1000)
        pairs = []
        for index in range(1, FIELD_PAIRS + 1):
            key = form.text(fields, f"field_name_{index}", limit=60)
            value = form.text(fields, f"field_value_{index}", limit=300)
            if value and not key:
                form.error(f"field_name_{index}", "Give this field a name.")
            if key:
                pairs.append({"name": key, "value": value})
        licence = form.choice(fields, "licence", [v for v, _ in LICENCES], "")
        locked, discoverable, indexable = (form.flag(fields, n) for n in ("locked", "discoverable", "indexable"))
        protection = {name: form.choice(fields, name, [v for v, _ in options], options[0][0])
                      for name, options in choices.items()}
        images = {}
        for role in ("avatar", "header"):
            upload = files.get(role)
            if upload is not None and upload.filename:
                try:
                    attachment = await web().services.media.accept_upload(
                        artist, _chunks(upload.stream), declared_type=upload.mimetype or None, filename=upload.filename,
                        description=f"{role} of @{artist.username}",
                    )
                except MediaRejected as refused:
                    form.error(role, f"This image was refused: {refused.message}")
                else:
                    images[role] = web().services.media_links.media_url(attachment)
                finally:
                    upload.close()
        if form.ok:
            artist.display_name = name or artist.username
            artist.summary = render_text(bio, mention_urls={}, tag_url=lambda tag: web().services.urls.base_url + tag_path(tag)).html if bio else ""
            artist.profile_fields = pairs
            artist.default_license = licence or None
            artist.manually_approves_followers = locked
            artist.discoverable, artist.indexable = discoverable, indexable
            artist.protection_overrides = {**(artist.protection_overrides or {}), **protection}
            if "avatar" in images:
                artist.avatar_url = images["avatar"]
            if "header" in images:
                artist.header_url = images["header"]
            await artist.save()
            await publish_profile_update(artist, actor_document(artist, web().services.urls))
            return redirect("/studio/profile?saved=1", 303)
    body = await render("studio/profile.html", viewer=artist, form=form, choices=choices, licences=LICENCES,
                        field_pairs=range(1, FIELD_PAIRS + 1), saved=request.args.get("saved"), section="profile",
                        account=web().presenter.account(artist))
    return body, 422 if form.errors else 200, {"Cache-Control": PRIVATE_CACHE_CONTROL}



"""What clients read about the instance before anything else: ``/api/v1/instance`` and
``/api/v2/instance``, and the servers this one knows (``/api/v1/instance/peers``).

The version names the Mastodon API level we answer to, as other compatible servers do,
so clients pick the endpoints this server has (``/api/v2/media`` among them). Strict
decoders (Ice Cubes) need every URL to be a real one, so the instance thumbnail is a
small picture served at ``/instance/thumbnail.png``.
"""

from __future__ import annotations

import functools
import io

from PIL import Image
from quart import Blueprint, Response, current_app, jsonify

from fediserver import __version__
from fediserver.models import Account, Post
from fediserver.models.accounts import LOCAL_DOMAIN
from fediserver.models.profile_features import MAX_FEATURED_TAGS
from fediserver.posting import MAX_MEDIA
from fediserver.push.keys import vapid_public_key
from media.intake import supported_formats
from outbox import polls
from outbox.portfolio import MAX_PINNED
from outbox.statuses import MAX_TEXT_LENGTH

blueprint = Blueprint("api_instance", __name__)

MASTODON_API_LEVEL = "4.2.0"
MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif", "AVIF": "image/avif"}


THUMBNAIL_PATH = "/instance/thumbnail.png"


def _thumbnail_url() -> str:
    return current_app.config["URLS"].base_url + THUMBNAIL_PATH


@functools.cache
def _thumbnail_png() -> bytes:
    """A quiet two-tone picture (1200x630, the size link previews use)."""
    picture = Image.linear_gradient("L").rotate(90).resize((1200, 630))
    tinted = Image.merge("RGB", (picture.point(lambda v: 40 + v // 5), picture.point(lambda v: 60 + v // 4),
                                 picture.point(lambda v: 90 + v // 3)))
    out = io.BytesIO()
    tinted.save(out, "PNG", optimize=True)
    return out.getvalue()


@blueprint.get(THUMBNAIL_PATH)
async def thumbnail():
    return Response(_thumbnail_png(), content_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


def _streaming_url() -> str:
    """Where the streaming API's WebSocket is: this server, ws(s)://, as clients expect."""
    base = current_app.config["URLS"].base_url
    return ("wss://" + base[len("https://"):]) if base.startswith("https://") else "ws://" + base.split("://", 1)[-1]


def _version() -> str:
    return f"{MASTODON_API_LEVEL} (compatible; fediserver {__version__})"


def _configuration() -> dict:
    settings = current_app.config["SETTINGS"]
    return {
        "accounts": {"max_featured_tags": MAX_FEATURED_TAGS, "max_pinned_statuses": MAX_PINNED},
        "statuses": {"max_characters": MAX_TEXT_LENGTH, "max_media_attachments": MAX_MEDIA,
                     "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": [MIME_BY_FORMAT[f] for f in supported_formats() if f in MIME_BY_FORMAT],
            "image_size_limit": settings.media.max_upload_bytes,
            "image_matrix_limit": settings.media.max_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {"max_options": polls.MAX_OPTIONS, "max_characters_per_option": polls.MAX_OPTION_CHARACTERS,
                  "min_expiration": polls.MIN_EXPIRATION, "max_expiration": polls.MAX_EXPIRATION},
    }


def _rules() -> list[dict[str, str]]:
    """The collective's rules as Mastodon's Rule entities (clients offer them in reports)."""
    return [{"id": rule.id, "text": rule.text, "hint": rule.hint}
            for rule in current_app.config["SETTINGS"].instance.rules]


@blueprint.get("/api/v1/instance/rules", strict_slashes=False)
async def instance_rules():
    return jsonify(_rules())


async def _counts() -> tuple[int, int, int]:
    users = await Account.filter(domain=LOCAL_DOMAIN, suspended=False, actor_type="Person").count()
    posts = await Post.filter(local=True, deleted_at=None, boost_of_id__isnull=True).count()
    domains = len(await Account.exclude(domain=LOCAL_DOMAIN).distinct().values_list("domain", flat=True))
    return users, posts, domains


@blueprint.get("/api/v1/instance", strict_slashes=False)
async def instance_v1():
    settings = current_app.config["SETTINGS"]
    users, posts, domains = await _counts()
    mode = settings.registrations.mode
    return jsonify({
        "uri": settings.instance.domain,
        "title": settings.instance.name,
        "short_description": settings.instance.description,
        "description": settings.instance.description,
        "email": settings.instance.admin_contact,
        "version": _version(),
        "urls": {"streaming_api": _streaming_url()},
        "stats": {"user_count": users, "status_count": posts, "domain_count": domains},
        "thumbnail": _thumbnail_url(),
        "languages": [],
        "registrations": mode != "closed",
        "approval_required": mode == "approval",
        "invites_enabled": False,
        "configuration": _configuration(),
        "contact_account": None,
        "rules": _rules(),
    })


@blueprint.get("/api/v2/instance", strict_slashes=False)
async def instance_v2():
    settings = current_app.config["SETTINGS"]
    users, _posts, _domains = await _counts()
    mode = settings.registrations.mode
    return jsonify({
        "domain": settings.instance.domain,
        "title": settings.instance.name,
        "version": _version(),
        "source_url": "",
        "description": settings.instance.description,
        "usage": {"users": {"active_month": users}},
        "thumbnail": {"url": _thumbnail_url(), "blurhash": None, "versions": {}},
        "languages": [],
        "configuration": {"urls": {"streaming": _streaming_url()}, "vapid": {"public_key": await vapid_public_key()},
                          **_configuration(), "translation": {"enabled": False}},
        "registrations": {"enabled": mode != "closed", "approval_required": mode == "approval", "message": None},
        "contact": {"email": settings.instance.admin_contact, "account": None},
        "rules": _rules(),
    })


@blueprint.get("/api/v1/instance/peers")
async def peers():
    """The domains of the servers whose accounts this one knows, sorted."""
    domains = await Account.exclude(domain=LOCAL_DOMAIN).distinct().values_list("domain", flat=True)
    return jsonify(sorted(set(domains)))

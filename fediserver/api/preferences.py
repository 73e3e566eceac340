"""What an artist's apps share through the server: posting and reading preferences
(``/api/v1/preferences``, set through ``update_credentials``) and read markers
(``/api/v1/markers``: how far the home timeline and the notifications have been read)."""

from __future__ import annotations

from quart import Blueprint, jsonify, request

from fediserver.api.auth import require_account
from fediserver.api.params import Params
from fediserver.api.serializers import iso
from fediserver.models import Marker
from fediserver.refusals import unprocessable

blueprint = Blueprint("api_preferences", __name__)

MARKED_TIMELINES = ("home", "notifications")


@blueprint.get("/api/v1/preferences")
async def preferences():
    account = await require_account(scope="read:accounts")
    return jsonify({
        "posting:default:visibility": account.default_visibility,
        "posting:default:sensitive": account.default_sensitive,
        "posting:default:language": account.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })


@blueprint.get("/api/v1/markers")
async def markers():
    """The markers of the timelines asked for (``timeline[]``), all of them when none is named."""
    account = await require_account(scope="read:statuses")
    wanted = [name for name in request.args.getlist("timeline[]") + request.args.getlist("timeline")
              if name in MARKED_TIMELINES] or list(MARKED_TIMELINES)
    rows = await Marker.filter(account=account, timeline__in=wanted)
    return jsonify({row.timeline: _marker_json(row) for row in rows})


@blueprint.post("/api/v1/markers")
async def save_markers():
    """Save ``home[last_read_id]`` and/or ``notifications[last_read_id]``; answers the saved markers."""
    account = await require_account(scope="write:statuses")
    params = await Params.read()
    given = {}
    for timeline in MARKED_TIMELINES:
        value = params.structure(timeline)
        if value is None:
            continue
        last_read_id = value.get("last_read_id") if isinstance(value, dict) else None
        if last_read_id is None or not str(last_read_id).strip() or len(str(last_read_id)) > 64:
            raise unprocessable(f"{timeline}[last_read_id] must be the id of the last item read")
        given[timeline] = str(last_read_id).strip()
    if not given:
        raise unprocessable("send home[last_read_id] or notifications[last_read_id]")
    saved = {}
    for timeline, last_read_id in given.items():
        marker, created = await Marker.get_or_create(account=account, timeline=timeline,
                                                     defaults={"last_read_id": last_read_id})
        if not created:
            marker.last_read_id = last_read_id
            marker.version += 1
            await marker.save(update_fields=["last_read_id", "version", "updated_at"])
        saved[timeline] = _marker_json(marker)
    return jsonify(saved)


def _marker_json(marker: Marker) -> dict:
    return {"last_read_id": marker.last_read_id, "version": marker.version, "updated_at": iso(marker.updated_at)}

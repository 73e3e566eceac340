"""``GET /healthz``: is this process up and its database reachable (for load balancers)."""

from __future__ import annotations

import logging

from quart import Blueprint

from fediserver import db

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@blueprint.get("/healthz")
async def healthz():
    try:
        await db.ping()
    except Exception as exc:  # any failure to reach the database means unhealthy
        log.warning("health check: database unreachable: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}

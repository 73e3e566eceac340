"""The Quart app factory: settings in, a configured ASGI app out.

It opens the database before serving and closes it after, logs one line per request,
registers each room's routes, puts the fast lane (``fediserver.fast_lane``) in front of
them, and, when ``server.run_jobs`` is on, runs the background
jobs inside the web process.
"""

from __future__ import annotations

import asyncio
import logging
import time

from quart import Quart, g, request

from fediserver import db
from fediserver.api import install_client_api
from fediserver.config import Settings
from fediserver.cors import install_cors
from fediserver.fast_lane import FastLane
from fediserver.host_header import refuse_unusable_hosts
from fediserver.jobs import JobRunner, build_jobs
from fediserver.json_bodies import OrjsonProvider
from fediserver.oauth.endpoints import install_oauth
from fediserver.room_settings import crawler_guard_settings
from fediserver.routes import actors, collections, discovery, health, series
from fediserver.services import build_services
from fediserver.urls import InstanceUrls
from fediserver.web import install_web, sign_in
from fediserver.web.sessions import SESSION_COOKIE_NAME, install_sessions
from inbox.endpoint import inbox_blueprint
from media.crawler_guard import install_crawler_guard
from media.routes import media_blueprint

log = logging.getLogger("fediserver.request")


def create_app(settings: Settings, *, manage_database: bool = True, run_jobs: bool | None = None) -> Quart:
    # The web room serves /static/ itself (fediserver/web/static, from memory).
    app = Quart("fediserver", static_folder=None)
    app.json = OrjsonProvider(app)
    app.config["SETTINGS"] = settings
    app.config["URLS"] = InstanceUrls(settings.instance.base_url)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    # First, so refused crawlers cost nothing further and every response carries the signals.
    guard = install_crawler_guard(app, crawler_guard_settings(settings))
    for blueprint in (
        health.blueprint,
        discovery.blueprint,
        actors.blueprint,
        collections.blueprint,
        series.blueprint,
    ):
        app.register_blueprint(blueprint)
    _install_request_log(app, settings)

    services = build_services(settings)
    app.config["SERVICES"] = services
    app.register_blueprint(inbox_blueprint(services))
    app.register_blueprint(media_blueprint(services.remote_media))
    install_client_api(app)
    install_sessions(app, settings)
    app.register_blueprint(sign_in.blueprint)
    install_web(app, services)
    install_oauth(app)
    install_cors(app)
    lane = FastLane(app.asgi_app, max_answers=settings.server.fast_lane_answers, session_cookie=SESSION_COOKIE_NAME,
                    crawler_pattern=guard.crawler_pattern, access_log=settings.logging.access_log)
    app.config["FAST_LANE"] = lane
    app.asgi_app = refuse_unusable_hosts(lane)  # type: ignore[method-assign]
    tortoise_config = db.settings_tortoise_config(settings) if manage_database else None
    runner = JobRunner(build_jobs(services)) if (settings.server.run_jobs if run_jobs is None else run_jobs) else None

    @app.before_serving
    async def _start() -> None:
        if tortoise_config is not None:
            await db.open_database(tortoise_config)
        await services.prepare()
        # Blocks changed by another process show within moderation.reload_seconds.
        app.config["DOMAIN_POLICY_TASK"] = asyncio.create_task(services.domains.keep_current())
        if runner is not None:
            runner.start()

    @app.after_serving
    async def _stop() -> None:
        # Reverse order: jobs stop before the connections they use are closed.
        if runner is not None:
            await runner.stop()
        task = app.config.pop("DOMAIN_POLICY_TASK", None)
        if task is not None:
            task.cancel()
        await services.aclose()
        if tortoise_config is not None:
            await db.close_database()

    return app


def _install_request_log(app: Quart, settings: Settings) -> None:
    if not settings.logging.access_log:
        return

    @app.before_request
    async def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    async def _log_request(response):
        started = getattr(g, "request_started", None)
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "remote": request.remote_addr,
                }
            },
        )
        return response

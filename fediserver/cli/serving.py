"""Running an instance: ``run`` serves HTTP (and the background jobs unless
``server.run_jobs`` is off); ``worker`` runs the background jobs alone. Both stop
cleanly on SIGINT or SIGTERM.

``server.engine`` picks the HTTP server under the same ASGI app: Hypercorn (the
default, in-process for one worker) or Granian (optional extra; it always runs the app
in worker processes, which import it from ``fediserver.asgi``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable

from fediserver import db
from fediserver.cli.common import refuse_pending, settings_of, with_database
from fediserver.config import Settings, resolve_config_path
from fediserver.logs import configure_logging


def register(commands) -> None:
    run = commands.add_parser("run", help="serve the instance (and run background jobs unless server.run_jobs is off)")
    run.add_argument("--host", help="override server.host")
    run.add_argument("--port", type=int, help="override server.port")
    run.set_defaults(handler=cmd_run)

    worker = commands.add_parser("worker", help="run background jobs only, without serving HTTP")
    worker.set_defaults(handler=cmd_worker)


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    configure_logging(settings.logging)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    asyncio.run(_ensure_migrated(settings))
    if settings.server.engine == "granian":
        return _serve_granian(settings, args, host, port)

    from hypercorn.config import Config as HypercornConfig

    server_config = HypercornConfig()
    server_config.bind = [f"{host}:{port}"]
    server_config.accesslog = None  # the app logs each request itself
    server_config.errorlog = logging.getLogger("hypercorn.error")  # through our formatter, once
    server_config.workers = settings.server.workers
    server_config.websocket_ping_interval = 30  # keeps streaming connections alive through proxies
    if settings.server.workers > 1:
        from hypercorn.run import run as run_workers

        os.environ["FEDISERVER_CONFIG"] = str(resolve_config_path(args.config).resolve())
        server_config.application_path = "fediserver.asgi:app"
        print(f"serving {settings.instance.base_url} on http://{host}:{port} with {server_config.workers} workers")
        return run_workers(server_config)

    from hypercorn.asyncio import serve

    from fediserver.app import create_app

    app = create_app(settings)
    print(f"serving {settings.instance.base_url} on http://{host}:{port}", flush=True)
    asyncio.run(serve(app, server_config, shutdown_trigger=_shutdown_signal()))
    return 0


def _serve_granian(settings: Settings, args: argparse.Namespace, host: str, port: int) -> int:
    try:
        from granian import Granian
        from granian.constants import Interfaces
    except ImportError:
        raise SystemExit('server.engine = "granian" needs Granian: pip install \'fediserver[granian]\'') from None

    # The workers read the same configuration file.
    os.environ["FEDISERVER_CONFIG"] = str(resolve_config_path(args.config).resolve())
    workers = settings.server.workers
    print(f"serving {settings.instance.base_url} on http://{host}:{port} with Granian"
          + (f", {workers} workers" if workers > 1 else ""), flush=True)
    Granian(
        "fediserver.asgi:app", address=host, port=port, interface=Interfaces.ASGI, workers=workers,
        websockets=False,
        log_enabled=False,  # the app logs each request and its errors through our formatter
        log_access=False,
    ).serve()
    return 0


async def _ensure_migrated(settings: Settings) -> None:
    refuse_pending(await db.pending_migrations(db.settings_tortoise_config(settings)))


def _shutdown_signal() -> Callable[[], Awaitable[None]]:
    async def wait_for_signal() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    return wait_for_signal


def cmd_worker(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    configure_logging(settings.logging)

    from fediserver.jobs import JobRunner, build_jobs
    from fediserver.services import build_services

    async def work() -> None:
        services = build_services(settings)
        try:
            await services.load_domain_policy()
            keeping_current = asyncio.create_task(services.domains.keep_current())
            runner = JobRunner(build_jobs(services))
            if not runner.jobs:
                print("no background job kinds are registered; nothing to do")
                return
            runner.start()
            await _shutdown_signal()()
            await runner.stop()
            keeping_current.cancel()
        finally:
            await services.aclose()

    with_database(settings, work)
    return 0

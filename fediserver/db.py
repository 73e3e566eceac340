"""Database connection: the tortoise configuration for SQLite or PostgreSQL, start and stop.

SQLite is the embedded default: one file under the data folder, in WAL mode with
``synchronous=NORMAL`` (durable across process crashes, fast commits) and a busy timeout
so the web process and a worker can share it; transactions take the write lock when they
begin (``fediserver.sqlite_engine``), so they wait for it rather than fail. PostgreSQL
is chosen by ``database.url``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.executor import MigrationExecutor

from fediserver.config import Settings

APP_LABEL = "models"
SQLITE_PRAGMAS = "journal_mode=WAL&synchronous=NORMAL&busy_timeout=5000&foreign_keys=ON"


def normalise_url(url: str) -> str:
    """Tortoise spells PostgreSQL ``postgres://`` (asyncpg); accept the other common spellings."""
    for prefix in ("postgresql://", "asyncpg://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix) :]
    return url


def tortoise_config(database_url: str, pool_size: int = 10) -> dict[str, Any]:
    url = normalise_url(database_url)
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :].split("?", 1)[0]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = expand_db_url(f"sqlite://{path}?{SQLITE_PRAGMAS}")
        connection["engine"] = "fediserver.sqlite_engine"  # write transactions BEGIN IMMEDIATE
    else:
        separator = "&" if urlsplit(url).query else "?"
        connection = f"{url}{separator}maxsize={pool_size}"
    return {
        "connections": {"default": connection},
        "apps": {
            APP_LABEL: {
                "models": ["fediserver.models"],
                "default_connection": "default",
                "migrations": "fediserver.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def settings_tortoise_config(settings: Settings) -> dict[str, Any]:
    return tortoise_config(settings.database_url, settings.database.pool_size)


async def open_database(config: dict[str, Any]) -> None:
    # Global fallback: the server opens the database in its start-up task, and request
    # and job tasks must see the same connections.
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()
    # tortoise caches each model's generated SQL by connection *name*; a process that
    # opens "default" again on another back end (tests, tools) must not reuse it.
    EXECUTOR_CACHE.clear()


async def migrate(config: dict[str, Any], *, target: str | None = None, progress=None) -> None:
    """Bring the schema up to date (or to ``target``, e.g. ``models.0001_initial``)."""
    await run_migrations(config=config, target=target, progress=progress)


async def pending_migrations(config: dict[str, Any]) -> list[str]:
    """Names of the migrations not yet applied to the database (opens and closes it)."""
    await Tortoise.init(config=config, init_connections=False)
    try:
        executor = MigrationExecutor(connections.get("default"), config["apps"])
        return [f"{step.migration.app_label}.{step.migration.name}" for step in await executor.plan(None)]
    finally:
        await connections.close_all()


async def ping() -> None:
    """Raise if the database does not answer."""
    await connections.get("default").execute_query("SELECT 1")


def database_kind(database_url: str) -> str:
    return "sqlite" if normalise_url(database_url).startswith("sqlite://") else "postgresql"


# For `tortoise -c fediserver.db.MIGRATIONS_CONFIG makemigrations` (make migrations):
# generating migrations needs the models, not a real database.
MIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")

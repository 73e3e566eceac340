"""Test rig: every test that uses ``db`` runs once on SQLite and once on PostgreSQL.

The PostgreSQL half uses ``$FEDISERVER_TEST_POSTGRES_URL`` (a server where we may create
databases); each test session creates its own database there and drops it at the end,
so concurrent runs never meet. Without the variable that half is skipped with a notice.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import Tortoise, connections

from fediserver import db as database
from fediserver.config import Settings, settings_from_dict

# The inbox tests' world: ``server`` (an instance with the artist alice) and ``peer``.
pytest_plugins = ["tests.inbox_door"]

POSTGRES_ENV = "FEDISERVER_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgres"]


def _with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin_execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(database.normalise_url(url).replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path_factory.mktemp('sqlite')}/fediserver.sqlite3"
        return
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_ENV} (e.g. postgres://postgres@127.0.0.1:5432/test)")
    name = f"fediserver_test_{os.getpid()}_{secrets.token_hex(4)}"
    await _admin_execute(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database_name(server_url, name)
    finally:
        await _admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def migrated_database(database_url):
    """The schema as the migrations build it, open for the whole session on one back end."""
    config = database.tortoise_config(database_url)
    await database.migrate(config)
    await database.close_database()
    await database.open_database(config)
    yield database_url
    await database.close_database()


@pytest.fixture
async def db(migrated_database):
    """An empty database (all tables emptied) for one test, and no domain block left in
    this process's memory by an earlier test; yields the database URL."""
    from fediserver.moderation.domain_blocks import DomainPolicy, install_domain_policy

    await _empty_all_tables(migrated_database)
    install_domain_policy(DomainPolicy())
    yield migrated_database


async def _empty_all_tables(url: str) -> None:
    tables = [model._meta.db_table for model in Tortoise.apps.get_models_iterable()]
    connection = connections.get("default")
    if database.database_kind(url) == "postgresql":
        # DELETE with foreign-key triggers off for the moment: a few milliseconds, where
        # TRUNCATE of every table costs about half a second per test (a new file per
        # table). Ids go on counting, as they do on SQLite; no test relies on them.
        statements = ["SET session_replication_role = replica"] + [f"DELETE FROM {table}" for table in tables]
        statements.append("SET session_replication_role = DEFAULT")
        await connection.execute_script(";\n".join(statements))
    else:
        statements = ["PRAGMA foreign_keys = OFF"] + [f"DELETE FROM {table}" for table in tables]
        statements.append("PRAGMA foreign_keys = ON")
        await connection.execute_script(";\n".join(statements))


@pytest.fixture
async def fresh_database_url(database_url, tmp_path):
    """An empty database on the session's back end, apart from the one ``db`` tests share."""
    if database.database_kind(database_url) == "sqlite":
        yield f"sqlite://{tmp_path}/fresh.sqlite3"
        return
    name = f"{database_url.rsplit('/', 1)[1]}_{secrets.token_hex(3)}"
    await _admin_execute(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database_name(database_url, name)
    finally:
        await _admin_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_settings(database_url: str = "sqlite://:memory:", **sections) -> Settings:
    raw = {
        "instance": {"domain": "art.example"},
        "database": {"url": database_url},
        # A fixed session secret, so no test writes one into a data dir it did not choose.
        "auth": {"session_secret": "test-session-secret-0123456789abcdef0123456789"},
    }
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    return settings_from_dict(raw, environ={})


@pytest.fixture
def settings(db) -> Settings:
    return make_settings(db)


@pytest.fixture
def app(settings):
    from fediserver.app import create_app

    return create_app(settings, manage_database=False, run_jobs=False)


@pytest.fixture
def client(app):
    return app.test_client()


def pytest_terminal_summary(terminalreporter):
    """Show how many tests each database back end ran, so a silent skip cannot hide."""
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") not in ("call", "setup"):
                continue
            if outcome == "passed" and report.when != "call":
                continue
            for backend in BACKENDS:
                if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid or f"-{backend}-" in report.nodeid:
                    counts[(backend, outcome)] += 1
    if not counts:
        return
    terminalreporter.section("database back ends")
    for backend in BACKENDS:
        line = ", ".join(f"{counts[(backend, o)]} {o}" for o in ("passed", "failed", "error", "skipped") if counts[(backend, o)])
        terminalreporter.write_line(f"{backend}: {line or 'no tests'}")

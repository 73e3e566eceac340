"""Schema changes go through migrations, and an older instance upgrades without losing data."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from importlib import resources

import pytest

from fediserver import db as database


def migration_names() -> list[str]:
    files = resources.files("fediserver.migrations").iterdir()
    return sorted(f.name[:-3] for f in files if f.name[:4].isdigit() and f.name.endswith(".py"))


def fediserver(config, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "fediserver.cli", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


class Store:
    """Plain SQL on the instance's database, the way an older release would have written rows."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def execute(self, sql: str) -> list[tuple]:
        if database.database_kind(self.url) == "sqlite":
            with sqlite3.connect(self.url[len("sqlite://") :]) as connection:
                return connection.execute(sql).fetchall()
        import asyncpg

        connection = await asyncpg.connect(self.url.replace("postgres://", "postgresql://", 1))
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()


async def test_an_instance_made_with_the_first_migration_upgrades_and_keeps_its_data(fresh_database_url, tmp_path):
    names = migration_names()
    assert len(names) >= 2, "needs at least one migration after the first"
    config = tmp_path / "config.toml"
    config.write_text(f'[instance]\ndomain = "art.example"\n[database]\nurl = "{fresh_database_url}"\n')
    fediserver(config, "migrate", "--target", f"models.{names[0]}")

    store = Store(fresh_database_url)
    await store.execute(
        "INSERT INTO accounts (username, domain, actor_type, uri, display_name, summary, manually_approves_followers,"
        " discoverable, indexable, profile_fields, also_known_as, is_admin, suspended, created_at, updated_at)"
        " VALUES ('ada', '', 'Person', 'https://art.example/users/ada', 'Ada', '', false, false, false, '[]', '[]',"
        " false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    await store.execute(
        "INSERT INTO posts (uri, account_id, object_type, content, summary, sensitive, visibility, recipients, local,"
        " published_at, created_at) SELECT 'https://art.example/users/ada/statuses/1', id, 'Note', '<p>first</p>', '',"
        " false, 'public', '[]', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM accounts WHERE username = 'ada'"
    )

    # A direct post from ada to grace, stored before posts had addressee rows.
    await store.execute(
        "INSERT INTO accounts (username, domain, actor_type, uri, display_name, summary, manually_approves_followers,"
        " discoverable, indexable, profile_fields, also_known_as, is_admin, suspended, created_at, updated_at)"
        " VALUES ('grace', '', 'Person', 'https://art.example/users/grace', 'Grace', '', false, false, false, '[]',"
        " '[]', false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    await store.execute(
        "INSERT INTO posts (uri, account_id, object_type, content, summary, sensitive, visibility, recipients, local,"
        " published_at, created_at) SELECT 'https://art.example/users/ada/statuses/2', id, 'Note', '<p>psst</p>', '',"
        " false, 'direct', '[\"https://art.example/users/grace\"]', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        " FROM accounts WHERE username = 'ada'"
    )

    upgrade = fediserver(config, "migrate")
    for name in names[1:]:
        assert f"applying models.{name}" in upgrade.stdout
    assert "up to date" in fediserver(config, "migrate").stdout

    rows = await store.execute(
        "SELECT a.username, p.content FROM posts p JOIN accounts a ON a.id = p.account_id ORDER BY p.id"
    )
    assert rows == [("ada", "<p>first</p>"), ("ada", "<p>psst</p>")]
    # The direct post still reaches grace: the upgrade recorded her as its addressee.
    addressed = await store.execute(
        "SELECT p.content, a.username FROM post_addressees x JOIN posts p ON p.id = x.post_id"
        " JOIN accounts a ON a.id = x.account_id"
    )
    assert addressed == [("<p>psst</p>", "grace")]
    listing = fediserver(config, "account", "list").stdout
    assert "ada" in listing


PENDING_CHANGES_SCRIPT = """
import asyncio
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector
from fediserver.db import MIGRATIONS_CONFIG

async def main():
    async with TortoiseContext() as context:
        await context.init(config=MIGRATIONS_CONFIG, init_connections=False)
        changes = await MigrationAutodetector(context.apps, MIGRATIONS_CONFIG["apps"]).changes()
    print(len(changes))

asyncio.run(main())
"""


def test_the_models_and_the_migrations_agree():
    """A model change without its migration would leave upgraded instances behind.

    Runs in its own process: initialising tortoise again would rebind the model classes
    this test session uses."""
    result = subprocess.run([sys.executable, "-c", PENDING_CHANGES_SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0", "run `make migrations` to write a migration for the model changes"

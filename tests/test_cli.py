"""The `fediserver` command, run as an admin would run it."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from fediserver.cli import build_parser, main


def fediserver(cwd: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "fediserver.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd, env={**os.environ, **(env or {})},
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def instance(tmp_path, fresh_database_url) -> Path:
    """A folder with a config written by `init` and pointed at this back end's database."""
    port = free_port()
    env = {"FEDISERVER__DATABASE__URL": fresh_database_url, "FEDISERVER__SERVER__PORT": str(port)}
    os.environ.update(env)
    try:
        fediserver(tmp_path, "init")
        yield tmp_path
    finally:
        for key in env:
            os.environ.pop(key, None)


def test_init_writes_a_config_and_creates_the_database(instance):
    assert (instance / "config.toml").exists()
    assert "up to date" in fediserver(instance, "migrate").stdout
    again = fediserver(instance, "init")
    assert "keeping it" in again.stdout


def test_migrate_creates_the_instance_actor_once(instance):
    first = fediserver(instance, "migrate").stdout
    second = fediserver(instance, "migrate").stdout
    assert "instance actor: http://127.0.0.1:8000/actor" in first
    assert "instance actor: http://127.0.0.1:8000/actor" in second
    # It is no artist: not listed among the accounts.
    assert "no local accounts yet" in fediserver(instance, "account", "list").stdout


def test_init_with_a_domain_writes_an_https_instance(tmp_path):
    fediserver(tmp_path, "--config", "site.toml", "init", "--domain", "art.example")
    summary = fediserver(tmp_path, "--config", "site.toml", "check-config").stdout
    assert "https://art.example" in summary
    assert (tmp_path / "data" / "fediserver.sqlite3").exists()


def test_accounts_and_tokens(instance):
    (instance / "pw").write_text("a long enough secret\n")
    created = fediserver(instance, "account", "create", "ada", "--password-file", "pw", "--display-name", "Ada L.")
    assert "@ada@127.0.0.1" in created.stdout
    fediserver(instance, "account", "create", "grace", "--no-password")

    duplicate = fediserver(instance, "account", "create", "ada", "--no-password", check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    bad_name = fediserver(instance, "account", "create", "Ada Lovelace", "--no-password", check=False)
    assert bad_name.returncode == 1 and "lowercase" in bad_name.stderr
    (instance / "short").write_text("short")
    weak = fediserver(instance, "account", "create", "bob", "--password-file", "short", check=False)
    assert weak.returncode == 1 and "too short" in weak.stderr

    listing = fediserver(instance, "account", "list").stdout.splitlines()
    assert [line.split()[0] for line in listing[1:]] == ["ada", "grace"]

    token = fediserver(instance, "token", "create", "ada").stdout.strip()
    assert len(token) >= 40
    assert fediserver(instance, "token", "create", "ada").stdout.strip() != token
    missing = fediserver(instance, "token", "create", "nobody", check=False)
    assert missing.returncode == 1 and "no local account" in missing.stderr
    narrow = fediserver(instance, "token", "create", "ada", "--scopes", "read:statuses write:media").stdout.strip()
    assert len(narrow) >= 40
    unknown = fediserver(instance, "token", "create", "ada", "--scopes", "read everything", check=False)
    assert unknown.returncode == 1 and "unknown scope: everything" in unknown.stderr


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command path the parser knows, e.g. ("delivery", "unpark")."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name)
                yield from _commands(sub, (*prefix, name))


def test_every_command_is_there_and_has_help(capsys):
    commands = set(_commands(build_parser()))
    assert commands == {
        ("init",), ("run",), ("worker",), ("migrate",), ("check-config",),
        ("account",), ("account", "create"), ("account", "list"), ("account", "alias"), ("account", "move"),
        ("account", "suspend"), ("account", "unsuspend"), ("account", "silence"), ("account", "unsilence"),
        ("account", "sensitive"), ("account", "unsensitive"), ("account", "purge-suspended"),
        ("report",), ("report", "list"), ("report", "show"), ("report", "resolve"), ("report", "reopen"),
        ("report", "assign"), ("audit",),
        ("registration",), ("registration", "list"), ("registration", "approve"), ("registration", "reject"),
        ("delivery",), ("delivery", "status"), ("delivery", "unpark"),
        ("token",), ("token", "create"), ("media",), ("media", "prune"),
        ("domain",), ("domain", "block"), ("domain", "unblock"), ("domain", "list"), ("domain", "import"),
        ("domain", "export"), ("domain", "allow"), ("domain", "disallow"),
    }
    for command in commands:
        with pytest.raises(SystemExit) as exited:
            main([*command, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: fediserver {' '.join(command)}")


def test_a_command_group_without_an_action_prints_its_help(capsys):
    assert main(["delivery"]) == 2
    assert "unpark" in capsys.readouterr().out


def test_run_serves_the_health_check(instance):
    port = int(os.environ["FEDISERVER__SERVER__PORT"])
    server = subprocess.Popen(
        [sys.executable, "-m", "fediserver.cli", "run"], cwd=instance,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert server.returncode == 0, output
    assert "GET /healthz 200" in output


def test_run_refuses_an_unmigrated_database(tmp_path, fresh_database_url):
    (tmp_path / "config.toml").write_text(
        f'[instance]\ndomain = "art.example"\n[database]\nurl = "{fresh_database_url}"\n'
    )
    result = fediserver(tmp_path, "run", check=False)
    assert result.returncode == 1
    assert "fediserver migrate" in result.stderr and "Traceback" not in result.stderr


def test_an_account_is_aliased_and_moved_from_the_command_line(instance, monkeypatch):
    """The new account is served by a real HTTP server on loopback; the CLI fetches it."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    monkeypatch.setenv("FEDISERVER__FEDERATION__ALLOW_PRIVATE_ADDRESSES", "true")
    fediserver(instance, "account", "create", "ada", "--no-password")
    ada_uri = "http://127.0.0.1:8000/users/ada"
    named = {"aliases": []}

    class NewServer(BaseHTTPRequestHandler):
        def do_GET(self):
            origin = f"http://127.0.0.1:{self.server.server_port}"
            body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": f"{origin}/users/zoe",
                               "type": "Person", "preferredUsername": "zoe", "inbox": f"{origin}/users/zoe/inbox",
                               "alsoKnownAs": named["aliases"]}).encode()
            self.send_response(200 if self.path == "/users/zoe" else 404)
            self.send_header("content-type", "application/activity+json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NewServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    zoe = f"http://127.0.0.1:{server.server_port}/users/zoe"
    try:
        assert f"is also known as: {zoe}" in fediserver(instance, "account", "alias", "ada", zoe).stdout
        refused = fediserver(instance, "account", "move", "ada", zoe, check=False)
        assert refused.returncode != 0 and "alsoKnownAs" in refused.stderr
        named["aliases"] = [ada_uri]
        assert f"moved to {zoe}" in fediserver(instance, "account", "move", "ada", zoe).stdout
        unknown = fediserver(instance, "account", "move", "nobody", zoe, check=False)
        assert unknown.returncode != 0 and "no local account" in unknown.stderr
    finally:
        server.shutdown()

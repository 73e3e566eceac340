"""Moderating from the command line, as an admin would: a script's admin token that the
admin API accepts, reports listed, assigned, resolved and reopened, account actions, and
the audit log that records them all."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.test_cli import fediserver, instance  # noqa: F401  (the fixture)


def _serve(folder):
    port = int(os.environ["FEDISERVER__SERVER__PORT"])
    server = subprocess.Popen([sys.executable, "-m", "fediserver.cli", "run"], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, f"http://127.0.0.1:{port}"
        except httpx.TransportError:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def test_an_admin_moderates_from_the_command_line_and_a_script(instance):  # noqa: F811
    if not os.environ["FEDISERVER__DATABASE__URL"].startswith("sqlite"):
        pytest.skip("each command takes seconds to start; the queries are the admin API's, tested on both back ends")
    fediserver(instance, "account", "create", "mod", "--no-password", "--admin")
    fediserver(instance, "account", "create", "ada", "--no-password")
    script = fediserver(instance, "token", "create", "mod", "--scopes", "read write admin:read admin:write").stdout.strip()
    refused = fediserver(instance, "token", "create", "ada", "--scopes", "read admin:read", check=False)
    assert refused.returncode == 1 and "not an admin" in refused.stderr
    ada = fediserver(instance, "token", "create", "ada").stdout.strip()

    server, base = _serve(instance)
    try:
        with httpx.Client(base_url=base) as http:
            mod = http.get("/api/v1/accounts/lookup", params={"acct": "mod"}).json()["id"]
            filed = http.post("/api/v1/reports", headers={"Authorization": f"Bearer {ada}"},
                              data={"account_id": mod, "comment": "copies my drawings", "category": "other"})
            assert filed.status_code == 200, filed.text
            admin = http.get("/api/v1/admin/reports", headers={"Authorization": f"Bearer {script}"})
            assert admin.status_code == 200 and [r["comment"] for r in admin.json()] == ["copies my drawings"]
            assert http.get("/api/v1/admin/reports", headers={"Authorization": f"Bearer {ada}"}).status_code == 403
    finally:
        server.terminate()
        server.communicate(timeout=20)

    report = filed.json()["id"]
    assert "assigned @mod" in fediserver(instance, "report", "assign", report, "mod").stdout
    assert f"#{report}\tresolved" in fediserver(instance, "report", "resolve", report).stdout
    missing = fediserver(instance, "report", "reopen", "999", check=False)
    assert missing.returncode == 1 and "no report #999" in missing.stderr
    assert "silence: @ada" in fediserver(instance, "account", "silence", "ada", "--note", "floods the tags").stdout
    unknown = fediserver(instance, "account", "suspend", "nobody@far.example", check=False)
    assert unknown.returncode == 1 and "no account 'nobody@far.example'" in unknown.stderr

    log = fediserver(instance, "audit").stdout.splitlines()
    assert [line.split("\t")[2] for line in log] == ["account.silence", "report.resolve", "report.assign"]
    assert all("command line" in line.split("\t")[1] for line in log)
    assert '"floods the tags"' in log[0]

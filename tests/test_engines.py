"""The same instance under either HTTP server (``[server] engine``): `fediserver run` as an
admin starts it, on the test's database, answering what federation and visitors ask of it
with the same checks: health, WebFinger, the actor, the crawler guard, signed and unsigned
inbox POSTs, the request log, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from federation.signatures import Generation, sign_request
from tests.interop.foreign_actor import ForeignActor
from tests.interop.served_instance import free_port

AP = "application/activity+json"


def _fediserver(folder: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "fediserver.cli", "--config", str(folder / "config.toml"), *args],
                          capture_output=True, text=True, check=True, timeout=120).stdout


def _write_config(folder: Path, port: int, engine: str, database_url: str) -> None:
    (folder / "config.toml").write_text(
        f'[instance]\ndomain = "127.0.0.1:{port}"\nscheme = "http"\nallow_http = true\n'
        f'data_dir = "{folder / "data"}"\n'
        f'[server]\nport = {port}\nengine = "{engine}"\nrun_jobs = false\n'
        f'[database]\nurl = "{database_url}"\n'
        "[federation]\nallow_private_addresses = true\n"
    )


@contextmanager
def _running(folder: Path, port: int, engine: str):
    log = folder / f"{engine}.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "fediserver.cli", "--config", str(folder / "config.toml"),
                                   "run"], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "fediserver run did not start"
                time.sleep(0.1)
        yield server, log
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def test_the_instance_answers_alike_under_either_engine(tmp_path, fresh_database_url):
    port = free_port()
    _write_config(tmp_path, port, "hypercorn", fresh_database_url)
    _fediserver(tmp_path, "migrate")
    _fediserver(tmp_path, "account", "create", "alice", "--no-password")
    with ForeignActor() as dora:
        for engine in ("hypercorn", "granian"):
            _write_config(tmp_path, port, engine, fresh_database_url)
            with _running(tmp_path, port, engine) as (server, log):
                _answers_as_before(f"http://127.0.0.1:{port}", engine, dora)
                server.terminate()
                assert server.wait(timeout=30) == 0, engine
            output = log.read_text()
            assert "GET /healthz 200" in output and "POST /users/alice/inbox 202" in output, engine
            assert "Traceback" not in output, engine


def _answers_as_before(base: str, engine: str, dora: ForeignActor) -> None:
    domain = base.removeprefix("http://")
    health = httpx.get(f"{base}/healthz")
    assert health.json() == {"status": "ok", "database": "ok"}

    finger = httpx.get(f"{base}/.well-known/webfinger", params={"resource": f"acct:alice@{domain}"})
    assert finger.status_code == 200
    assert {"rel": "self", "type": AP, "href": f"{base}/users/alice"} in finger.json()["links"]

    actor = httpx.get(f"{base}/users/alice", headers={"Accept": AP})
    assert actor.status_code == 200 and actor.headers["content-type"].startswith(AP)
    assert actor.json()["inbox"] == f"{base}/users/alice/inbox"
    assert actor.headers["x-robots-tag"] == "noai, noimageai, noarchive"  # do-not-train on every answer

    refused = httpx.get(f"{base}/users/alice", headers={"Accept": AP, "User-Agent": "GPTBot/1.2"})
    assert refused.status_code == 403

    inbox = f"{base}/users/alice/inbox"
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": f"{dora.id}/likes/{engine}",
                       "type": "Like", "actor": dora.id, "object": f"{base}/users/alice"}).encode()
    unsigned = httpx.post(inbox, content=body, headers={"Content-Type": AP})
    assert unsigned.status_code == 401
    headers = {"content-type": AP}
    headers |= sign_request("POST", inbox, headers, body, key_id=dora.key_id, private_key=dora.private_key,
                            generation=Generation.RFC9421)
    assert httpx.post(inbox, content=body, headers=headers).status_code == 202
    tampered = body.replace(engine.encode(), b"other")
    assert httpx.post(inbox, content=tampered, headers=headers).status_code == 401

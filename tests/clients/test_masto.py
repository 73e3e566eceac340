"""masto.js, the library inside Elk and Phanpy, from a small Node script: it registers an
app, gets a token with the code a person approved, reads home, posts, and receives its
post on the ``user`` stream of the WebSocket the instance document advertises."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.clients.running_instance import Browser

MASTO = Path(__file__).parent / "masto"
NODE = MASTO / "node_modules" / ".bin" / "node"

pytestmark = pytest.mark.skipif(not (MASTO / "node_modules" / "masto").is_dir(),
                                reason="masto.js is not installed (make test installs it)")


def masto(running, *args: str) -> dict:
    done = subprocess.run([str(NODE), "session.js", *args], cwd=MASTO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr + running.server_log()
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_masto_js_signs_in_posts_and_receives_its_post_on_the_user_stream(running):
    app = masto(running, "register", running.base_url)
    query = urlencode({"client_id": app["clientId"], "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
                       "response_type": "code", "scope": "read write follow"})
    code = Browser().code_for(f"{running.base_url}/oauth/authorize?{query}", "ada")

    session = masto(running, "session", running.base_url, app["clientId"], app["clientSecret"], code)
    assert session["account"] == "ada" and session["scope"] == "read write follow"
    assert session["homeBefore"] == 0
    assert session["streamed"] == session["posted"] and session["streamedEvent"] == "update"
    assert session["streamedAccount"] == "ada" and session["stream"] == ["user"]

"""toot, the command-line client, registers itself, signs in with an out-of-band code the
person pastes, then posts and reads the timeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.clients.running_instance import Browser

TOOT = [sys.executable, "-c", "from toot.cli import cli; cli()"]


def toot(config_home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TOOT, *args], capture_output=True, text=True, timeout=120, input=input,
        env={**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1", "COLUMNS": "120"},
    )


def test_toot_logs_in_with_the_out_of_band_code_then_posts_and_reads(running, tmp_path):
    config_home = tmp_path / "toot-config"
    login = subprocess.Popen(
        [*TOOT, "login", "--instance", running.base_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "XDG_CONFIG_HOME": str(config_home), "NO_COLOR": "1"},
    )
    try:
        seen = []
        for line in login.stdout:
            seen.append(line)
            if line.startswith(f"{running.base_url}/oauth/authorize/?"):
                url = line.strip()
                break
        else:
            raise AssertionError("toot printed no login URL:\n" + "".join(seen) + running.server_log())
        code = Browser().code_for(url, "ada")
        output, _ = login.communicate(f"n\n{code}\n", timeout=120)
    finally:
        if login.poll() is None:
            login.kill()
    assert login.returncode == 0, "".join(seen) + output
    assert "Successfully logged in" in output

    posted = toot(config_home, "post", "Hello from toot, signed in with OAuth")
    assert posted.returncode == 0, posted.stdout + posted.stderr
    timeline = toot(config_home, "timeline", "--once")
    assert timeline.returncode == 0, timeline.stdout + timeline.stderr
    assert "Hello from toot, signed in with OAuth" in timeline.stdout
    whoami = toot(config_home, "whoami")
    assert whoami.returncode == 0 and "@ada" in whoami.stdout

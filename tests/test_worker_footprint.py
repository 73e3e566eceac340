"""A `fediserver worker` serves no web request, so it never loads the web framework
(Quart with Flask, Werkzeug and Jinja2: some 10 MB of memory in every worker process).
Checked on the real command, with Python's own record of every module it imports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.worker_processes import write_config

WEB_FRAMEWORK = ("quart", "flask", "werkzeug", "jinja2")


def imported_packages(import_log: str) -> set[str]:
    """The top-level packages named in ``python -X importtime`` output."""
    names = set()
    for line in import_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def test_a_running_worker_has_not_loaded_the_web_framework(tmp_path: Path):
    config = write_config(tmp_path, f"sqlite://{tmp_path / 'worker.sqlite3'}")
    cli = [sys.executable, "-m", "fediserver.cli", "--config", str(config)]
    subprocess.run([*cli, "migrate"], check=True, capture_output=True, env=os.environ.copy())
    log = tmp_path / "imports.log"
    worker = subprocess.Popen([sys.executable, "-X", "importtime", *cli[1:], "worker"],
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while "fediserver.jobs" not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the worker did not load its jobs within a minute"
            time.sleep(0.1)
        time.sleep(2)  # its jobs have started and run once
        assert worker.poll() is None, "the worker stopped"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    packages = imported_packages(log.read_text(errors="replace"))
    assert {"fediserver", "inbox", "outbox", "aiohttp"} <= packages, "the import record is not what was expected"
    assert not packages & set(WEB_FRAMEWORK), f"the worker loaded {sorted(packages & set(WEB_FRAMEWORK))}"

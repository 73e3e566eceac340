"""Real `fediserver worker` processes for tests: a config file, starting one, waiting on it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path


def write_config(folder: Path, database_url: str, extra: str = "") -> Path:
    """A config for ``database_url`` logging only warnings, with ``extra`` TOML appended."""
    path = folder / "config.toml"
    path.write_text(
        f'[instance]\ndomain = "art.example"\n[database]\nurl = "{database_url}"\n'
        f'[logging]\nlevel = "warning"\n{extra}'
    )
    return path


def start_worker(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fediserver.cli", "--config", str(config), "worker"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, env=os.environ.copy(),
    )


async def wait_for(condition, what: str, limit_seconds: float = 90.0) -> None:
    """Poll ``condition`` (an async callable) until true; fail naming ``what`` past the limit."""
    for _ in range(int(limit_seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")

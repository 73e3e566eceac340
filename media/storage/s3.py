"""Media files in S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Garage, R2...).

Path-style requests signed with SigV4 over httpx. Every object is written with what S3
can carry for whoever serves it straight from the bucket (a CDN, a proxy): its
``Content-Type``, an immutable ``Cache-Control`` and ``Content-Disposition: inline``
with its file name (``object_headers``). S3 cannot store ``X-Robots-Tag`` or
``tdm-reservation``: the proxy in front adds those (``deploy/nginx``, ``deploy/caddy``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiofiles.os
import httpx

from media.storage.base import (
    CHUNK_SIZE,
    IMMUTABLE_MAX_AGE,
    ContentMismatch,
    MediaNotFound,
    MediaStore,
    Source,
    digest_of_key,
    iter_chunks,
    sha256_of,
)
from media.storage.sigv4 import Credentials, sign_request


@dataclass(frozen=True)
class S3StoreSettings:
    """Where the bucket is. ``public_url``: base URL clients fetch files from (bucket or CDN)."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    public_url: str = ""
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"endpoint: must be an http(s) URL, not {self.endpoint!r}")
        if not self.bucket or "/" in self.bucket:
            raise ValueError(f"bucket: must be a plain bucket name, not {self.bucket!r}")


class S3Error(RuntimeError):
    """The storage answered with an unexpected status."""


class S3Store(MediaStore):
    """A bucket addressed path-style (``endpoint/bucket/key``); call ``aclose`` when done."""

    def __init__(self, settings: S3StoreSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._credentials = Credentials(settings.access_key, settings.secret_key, settings.region)
        endpoint = urlsplit(settings.endpoint)
        self._host = endpoint.netloc
        self._origin = f"{endpoint.scheme}://{endpoint.netloc}"
        self._path_prefix = endpoint.path.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_seconds)
        self._public_url = settings.public_url.rstrip("/")

    async def aclose(self) -> None:
        await self._client.aclose()

    def _request(
        self,
        method: str,
        key: str | None,
        *,
        headers: dict[str, str] | None = None,
        payload_sha256: str | None = None,
        content=None,
    ) -> httpx.Request:
        path = f"{self._path_prefix}/{self.settings.bucket}"
        if key is not None:
            digest_of_key(key)  # refuses anything that is not a content key
            path += f"/{key}"
        signing = {"payload_sha256": payload_sha256} if payload_sha256 else {}
        signed = sign_request(self._credentials, method, self._host, path, headers=headers, **signing)
        return self._client.build_request(method, self._origin + path, headers=signed, content=content)

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        response = await self._client.send(self._request("HEAD", None))
        if response.status_code == 200:
            return
        response = await self._client.send(self._request("PUT", None))
        if response.status_code not in (200, 409):
            raise S3Error(
                f"creating bucket {self.settings.bucket!r} failed: {response.status_code} {response.text[:200]}"
            )

    async def put(self, key: str, source: Source, mime: str) -> None:
        expected = digest_of_key(key)
        actual = await sha256_of(source)
        if actual != expected:
            raise ContentMismatch(f"content hashes to {actual}, not the key's {expected}")
        length = len(source) if isinstance(source, bytes) else (await aiofiles.os.stat(source)).st_size
        headers = {**object_headers(key, mime), "content-length": str(length)}
        body = source if isinstance(source, bytes) else iter_chunks(source)
        # The signed payload hash makes the storage reject a body changed on the way.
        request = self._request("PUT", key, headers=headers, payload_sha256=actual, content=body)
        response = await self._client.send(request)
        if response.status_code != 200:
            raise S3Error(f"storing {key} failed: {response.status_code} {response.text[:200]}")

    async def open(self, key: str) -> AsyncIterator[bytes]:
        response = await self._client.send(self._request("GET", key), stream=True)
        if response.status_code != 200:
            await response.aclose()
            _raise_for_missing(key, response, "reading")
        return _stream_and_close(response)

    async def delete(self, key: str) -> None:
        response = await self._client.send(self._request("DELETE", key))
        if response.status_code not in (200, 204, 404):
            raise S3Error(f"deleting {key} failed: {response.status_code} {response.text[:200]}")

    async def exists(self, key: str) -> bool:
        response = await self._client.send(self._request("HEAD", key))
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            raise S3Error(f"checking {key} failed: {response.status_code}")
        return True

    async def size(self, key: str) -> int:
        response = await self._client.send(self._request("HEAD", key))
        if response.status_code != 200:
            _raise_for_missing(key, response, "sizing")
        return int(response.headers["content-length"])

    def url_for(self, key: str) -> str | None:
        digest_of_key(key)
        return f"{self._public_url}/{key}" if self._public_url else None


def object_headers(key: str, mime: str) -> dict[str, str]:
    """The headers stored with an object, which S3 sends back with it on every GET."""
    return {
        "content-type": mime,
        "cache-control": f"public, max-age={IMMUTABLE_MAX_AGE}, immutable",
        "content-disposition": f'inline; filename="{key.rsplit("/", 1)[-1]}"',
    }


def _raise_for_missing(key: str, response: httpx.Response, action: str) -> None:
    if response.status_code == 404:
        raise MediaNotFound(key)
    raise S3Error(f"{action} {key} failed: {response.status_code}")


async def _stream_and_close(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes(CHUNK_SIZE):
            yield chunk
    finally:
        await response.aclose()

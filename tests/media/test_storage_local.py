"""LocalStore: content-addressed keys, atomic writes, nothing wrong under a real key."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import media
from media.storage import (
    ContentMismatch,
    LocalStore,
    MediaNotFound,
    content_key,
    immutable_cache_headers,
)


async def _read_all(store, key) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


def _stray_files(root):
    return [p for p in root.rglob("*") if p.is_file() and p.name.startswith(".")]


async def test_key_is_the_sharded_sha256_of_the_bytes(tmp_path):
    data = b"a picture, honestly"
    digest = hashlib.sha256(data).hexdigest()
    assert await content_key(data, "webp") == f"{digest[:2]}/{digest[2:4]}/{digest}.webp"
    path = tmp_path / "file.bin"
    path.write_bytes(data)
    assert await content_key(path, ".JPG") == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    with pytest.raises(ValueError):
        await content_key(data, "we/bp")


async def test_round_trip_from_bytes_and_from_a_file(tmp_path):
    store = LocalStore(tmp_path / "media")
    big = bytes(range(256)) * 5000  # several chunks
    source = tmp_path / "upload.bin"
    source.write_bytes(big)
    for payload in (b"small", big):
        key = await content_key(payload, "bin")
        assert not await store.exists(key)
        await store.put(key, source if payload is big else payload, "application/octet-stream")
        assert await store.exists(key)
        assert await store.size(key) == len(payload)
        assert await _read_all(store, key) == payload
        assert (tmp_path / "media" / key).read_bytes() == payload
        await store.delete(key)
        assert not await store.exists(key)
        await store.delete(key)  # deleting twice is fine


async def test_missing_key_raises_not_found(tmp_path):
    store = LocalStore(tmp_path)
    key = await content_key(b"never stored", "png")
    with pytest.raises(MediaNotFound):
        await store.open(key)
    with pytest.raises(MediaNotFound):
        await store.size(key)


async def test_bytes_that_do_not_match_the_key_are_refused_and_the_stored_file_survives(tmp_path):
    store = LocalStore(tmp_path)
    good = b"the real picture"
    key = await content_key(good, "jpg")
    await store.put(key, good, "image/jpeg")
    with pytest.raises(ContentMismatch):
        await store.put(key, b"something else entirely", "image/jpeg")
    assert await _read_all(store, key) == good
    assert _stray_files(tmp_path) == []


async def test_a_write_cancelled_halfway_leaves_nothing_under_the_key(tmp_path):
    store = LocalStore(tmp_path)
    payload = b"x" * (64 * 1024 * 1024)
    key = await content_key(payload, "bin")
    task = asyncio.create_task(store.put(key, payload, "application/octet-stream"))
    while not _stray_files(tmp_path):  # wait until the temporary file is being written
        assert not task.done(), "the write finished before it could be interrupted"
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not await store.exists(key)
    assert _stray_files(tmp_path) == []


_WRITER_PROCESS = """
import asyncio, sys
from pathlib import Path
from media.storage import LocalStore
asyncio.run(LocalStore(Path(sys.argv[1])).put(sys.argv[2], Path(sys.argv[3]), "application/octet-stream"))
"""


def _feed_half_then_kill(writer: subprocess.Popen, upload, content: bytes, root) -> None:
    try:
        with open(upload, "wb") as pipe:
            pipe.write(content[: len(content) // 2])
            pipe.flush()
            while not any(path.stat().st_size for path in _stray_files(root)):
                assert writer.poll() is None, "the writer stopped on its own"
                time.sleep(0.01)
            writer.send_signal(signal.SIGKILL)
            writer.wait()
    except BrokenPipeError:
        pass
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()


async def test_a_process_killed_mid_write_leaves_nothing_under_the_key(tmp_path):
    # The writer reads its upload from a named pipe, so the test decides when it is halfway.
    root, upload = tmp_path / "media", tmp_path / "upload"
    os.mkfifo(upload)
    content = os.urandom(1024 * 1024)
    key = await content_key(content, "bin")
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER_PROCESS, str(root), key, str(upload)],
        env={**os.environ, "PYTHONPATH": str(Path(media.__file__).resolve().parent.parent)},
    )
    await asyncio.to_thread(_feed_half_then_kill, writer, upload, content, root)

    store = LocalStore(root)
    assert not await store.exists(key)
    assert len(_stray_files(root)) == 1
    assert await store.remove_partial_files(older_than_seconds=3600) == 0  # might still be being written
    assert await store.remove_partial_files(older_than_seconds=0) == 1
    assert _stray_files(root) == []
    await store.put(key, content, "application/octet-stream")
    assert (root / key).read_bytes() == content


@given(
    key=st.one_of(
        st.text(max_size=80),
        st.just("../../etc/passwd"),
        st.just("ab/cd/" + "ab" + "0" * 62 + ".jpg"),  # shard does not match the hash
        st.just("/" + "0" * 64 + ".jpg"),
    )
)
async def test_anything_but_a_content_key_is_refused(key):
    store = LocalStore("/nonexistent-root")
    with pytest.raises(ValueError):
        await store.exists(key)
    with pytest.raises(ValueError):
        immutable_cache_headers(key)


async def test_urls_and_cache_headers(tmp_path):
    key = await content_key(b"pixels", "webp")
    digest = key.split("/")[-1].split(".")[0]
    assert LocalStore(tmp_path).url_for(key) is None
    assert LocalStore(tmp_path, "https://cdn.art.example/media/").url_for(key) == f"https://cdn.art.example/media/{key}"
    headers = immutable_cache_headers(key)
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["ETag"] == f'"{digest}"'

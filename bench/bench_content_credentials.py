"""Benchmark: what validating Content Credentials (C2PA) adds to an upload's check.

    PYTHONPATH=. python bench/bench_content_credentials.py [--runs 15] [--workdir /tmp/fediserver-bench-c2pa]

Two camera-like JPEGs (the 24 MP one of ``bench_media.py``, 6.5 MB, and a 12 MP one), each
with and without an embedded manifest signed by a throwaway test authority. For every
file the step the Content Credentials add is timed alone, wall and CPU time of the calling
thread: ``CredentialsCheck.read`` (manifest size walk, then the library's signature,
certificate and hash checks) for a signed file, ``has_manifest`` (all a file without a
manifest pays: the library is never called) for the others. For scale, the CPU time of
the whole ``MediaPipeline.check`` (intake with its full decode, provenance scan,
validation, decision). Target: at most 20 ms added with a manifest, nothing measurable
without one. On a loaded machine read the CPU column: wall time then includes waiting
for a core.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import bench_media  # noqa: E402


def _make_sources(workdir: Path) -> dict[str, Path]:
    from PIL import Image

    from tests.media.credentials import SigningAuthority

    authority = SigningAuthority.create()
    big = workdir / "camera-24mp.jpg"
    bench_media.make_camera_like_jpeg(big)
    medium = workdir / "camera-12mp.jpg"
    with Image.open(big) as image:
        image.resize((4240, 2832)).save(medium, "JPEG", quality=90)
    sources = {}
    for path in (medium, big):
        sources[f"{path.stem}, no manifest"] = path
        signed = path.with_name(path.stem + "-signed.jpg")
        signed.write_bytes(authority.sign(path.read_bytes()))
        sources[f"{path.stem}, signed manifest"] = signed
    return sources


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ({min(values) * 1000:.2f}-{max(values) * 1000:.2f})"


async def _check_once(pipeline, source: Path, folder: Path) -> tuple[float, float, object]:
    """Wall and CPU seconds (the whole process: the check runs in worker threads) of one check."""
    wall, cpu = time.perf_counter(), time.process_time()
    checked = await pipeline.check(source, folder, pipeline.rules.limits, "label")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    checked.image.path.unlink()
    return wall, cpu, checked


async def main(runs: int, workdir: Path) -> None:
    from fediserver.config import settings_from_dict
    from fediserver.room_settings import media_rules
    from media.pipeline import MediaPipeline
    from media.provenance import detect
    from media.storage import LocalStore

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    sources = _make_sources(workdir)
    settings = settings_from_dict({"instance": {"domain": "art.example", "data_dir": str(workdir)}}, environ={})
    pipeline = MediaPipeline(media_rules(settings), LocalStore(workdir / "media"), workdir / "tmp")
    folder = workdir / "scratch"
    folder.mkdir()
    credentials = pipeline.credentials

    print("| file | size | the added step alone: wall ms median (min-max) | its CPU ms median "
          "| whole check (for scale), CPU ms median | state |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, source in sources.items():
        await _check_once(pipeline, source, folder)  # warm caches and the library
        on = []
        state = "none"
        for _ in range(runs):
            _, cpu, checked = await _check_once(pipeline, source, folder)
            on.append(cpu)
            state = checked.credentials.state if checked.credentials else "none: library not called"
        marks = detect(source, "JPEG")
        has_manifest = credentials.has_manifest(marks)
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.thread_time()
            if has_manifest:
                credentials.read(source, "JPEG")
            else:
                credentials.has_manifest(marks)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.thread_time() - cpu)
        size = f"{source.stat().st_size / 1e6:.1f} MB"
        step = _ms(walls) if has_manifest else f"`has_manifest`: {statistics.median(walls) * 1e6:.1f} µs"
        whole = f"{statistics.median(on) * 1000:.0f}"
        print(f"| {name} | {size} | {step} | {statistics.median(cpus) * 1000:.2f} | {whole} | {state} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fediserver-bench-c2pa"))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.workdir))

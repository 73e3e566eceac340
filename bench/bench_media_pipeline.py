"""Benchmark: one upload through the whole pipeline, ``MediaPipeline.accept_upload``.

    PYTHONPATH=. python bench/bench_media_pipeline.py [--runs 5] [--workdir /tmp/fediserver-bench-pipeline]

Each run is a fresh process pinned to one core: a 24-megapixel camera-like JPEG (the
source of ``bench_media.py``) is streamed through intake (full decode), provenance
detection, derivatives with the artist's rights XMP, content-addressed storage in a
local folder (fsync'd) and the attachment row in SQLite. Reported: wall and CPU time of
``accept_upload`` alone, peak RSS (``ru_maxrss``) and its growth during the upload.
Target: < 1.5 s and < 250 MB per upload on one core.

Then the bytes a viewer downloads per view (the display WebP the server links to)
against the original upload, for the three images of ``bench_media.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_media  # noqa: E402
from bench_media import _current_rss_kb  # noqa: E402


async def _upload(source: Path, workdir: Path) -> dict[str, float | str]:
    from tortoise import Tortoise

    from fediserver import db
    from fediserver.config import settings_from_dict
    from fediserver.models import Account
    from fediserver.room_settings import media_rules
    from media.pipeline import MediaPipeline
    from media.storage import LocalStore

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    await Tortoise.init(config=db.tortoise_config(f"sqlite://{workdir / 'bench.sqlite3'}"))
    await Tortoise.generate_schemas()
    settings = settings_from_dict({"instance": {"domain": "art.example", "data_dir": str(workdir)}}, environ={})
    pipeline = MediaPipeline(media_rules(settings), LocalStore(workdir / "media"), workdir / "tmp")
    artist = await Account.create(username="ada", uri="https://art.example/users/ada", display_name="Ada")

    before_kb = _current_rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    attachment = await pipeline.accept_upload(artist, source, filename=source.name)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    display = (workdir / "media" / attachment.display_key).stat().st_size
    await Tortoise.close_connections()
    return {
        "wall_ms": wall * 1000,
        "cpu_ms": cpu * 1000,
        "peak_mb": peak_kb / 1024,
        "op_mb": (peak_kb - before_kb) / 1024,
        "display_bytes": display,
        "display_mime": attachment.mime,
        "size": f"{attachment.width}x{attachment.height}",
    }


def _child(source: Path, workdir: Path) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(json.dumps(asyncio.run(_upload(source, workdir))))


def _in_fresh_process(*args: object) -> str:
    return subprocess.run(
        [sys.executable, __file__, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fediserver-bench-pipeline"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.child:
        _child(Path(args.child[0]), Path(args.child[1]))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    sources = {
        "photo-like JPEG 6000x4000 q90": args.workdir / "camera.jpg",
        "flat illustration RGBA PNG 3000x2000": args.workdir / "illustration.png",
        "line art grey PNG 2480x3508": args.workdir / "lineart.png",
    }
    for path in sources.values():
        if not path.exists():  # made in another process: ru_maxrss survives fork and exec
            subprocess.run([sys.executable, bench_media.__file__, "--make", path.stem, str(path)], check=True)

    camera = sources["photo-like JPEG 6000x4000 q90"]
    runs = [json.loads(_in_fresh_process("--child", camera, args.workdir / "run")) for _ in range(args.runs)]
    wall = [run["wall_ms"] for run in runs]
    print(f"## accept_upload of a 24 MP JPEG ({camera.stat().st_size / 1e6:.1f} MB): intake, provenance, "
          f"derivatives with rights XMP, local store, SQLite row; {args.runs} fresh processes, one core")
    print()
    print("| wall ms median (min-max) | CPU ms median | peak RSS MB | op MB |")
    print("| ---: | ---: | ---: | ---: |")
    print(
        f"| {statistics.median(wall):.0f} ({min(wall):.0f}-{max(wall):.0f}) | "
        f"{statistics.median(run['cpu_ms'] for run in runs):.0f} | {max(run['peak_mb'] for run in runs):.0f} | "
        f"{max(run['op_mb'] for run in runs):.0f} |"
    )
    print()
    print("## Bytes per view: the linked display image vs the original upload")
    print()
    print("| image | original | display | format | display / original |")
    print("| --- | ---: | ---: | --- | ---: |")
    figures = {"cpu_ms": statistics.median(run["cpu_ms"] for run in runs),
               "wall_ms": statistics.median(wall), "peak_mb": max(run["peak_mb"] for run in runs), "views": {}}
    for label, path in sources.items():
        result = runs[0] if path == camera else json.loads(_in_fresh_process("--child", path, args.workdir / "run"))
        original = path.stat().st_size
        figures["views"][label] = {"original": original, "display": result["display_bytes"],
                                   "mime": result["display_mime"]}
        print(f"| {label} | {original / 1024:,.0f} KB | {result['display_bytes'] / 1024:,.0f} KB | "
              f"{result['display_mime']} | "
              f"{result['display_bytes'] / original:.1%} |")
    shutil.rmtree(args.workdir / "run", ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()

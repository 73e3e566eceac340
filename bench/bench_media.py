"""Benchmark: derivatives of one upload (time, peak memory) and bytes served per view.

    PYTHONPATH=. python bench/bench_media.py [--runs 5] [--workdir /tmp/fediserver-bench-media]

Part 1 makes a synthetic 24-megapixel camera-like JPEG (multi-scale smooth noise,
gradients, fine grain; quality 90) and turns it into all derivatives, each run in a
fresh process pinned to one core; it reports wall and CPU time of the work alone and
peak RSS (``ru_maxrss``), plus the RSS growth over the process before the work.
Target: < 1.5 s and < 250 MB per upload on one core.

Part 2 compares the display derivative served per view with the original upload for a
photo-like JPEG, a flat illustration with transparency and a line-art PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CAMERA_SIZE = (6000, 4000)


def _smooth_noise(size: tuple[int, int], cell: int, sigma: int):
    from PIL import Image

    small = Image.effect_noise((max(2, size[0] // cell), max(2, size[1] // cell)), sigma)
    return small.resize(size, Image.Resampling.BICUBIC)


def make_camera_like_jpeg(path: Path) -> None:
    from PIL import Image, ImageChops

    width, height = CAMERA_SIZE
    channels = []
    for index, gradient_angle in enumerate((0, 90, 45)):
        gradient = Image.linear_gradient("L").rotate(gradient_angle).resize(CAMERA_SIZE)
        layers = [_smooth_noise(CAMERA_SIZE, cell, 50) for cell in (600, 150, 40 + index * 5)]
        grain = Image.effect_noise(CAMERA_SIZE, 40)
        channel = ImageChops.blend(gradient, ImageChops.blend(layers[0], layers[1], 0.4), 0.5)
        channel = ImageChops.blend(channel, layers[2], 0.2)
        channel = ImageChops.blend(channel, grain, 0.2)
        channels.append(channel)
    Image.merge("RGB", channels).save(path, "JPEG", quality=90, subsampling="4:2:0")


def make_flat_illustration_with_alpha(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (3000, 2000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    palette = [(236, 94, 74, 255), (250, 200, 80, 255), (60, 140, 200, 255), (40, 40, 60, 255)]
    for n in range(40):
        colour = palette[n % len(palette)]
        x, y = (n * 373) % 2600, (n * 521) % 1700
        draw.ellipse((x, y, x + 300 + n * 7, y + 220 + n * 5), fill=colour)
        draw.rectangle((y, x % 1800, y + 150, x % 1800 + 90), fill=palette[(n + 1) % len(palette)])
    image.save(path, "PNG")


def make_line_art(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
    draw = ImageDraw.Draw(image)
    for n in range(80):
        x0, y0 = (n * 97) % 2480, (n * 211) % 3508
        draw.line((x0, y0, (x0 + 800 + n) % 2480, (y0 + 600 + 3 * n) % 3508), fill=0, width=3 + n % 4)
        draw.arc((x0, y0, x0 + 400, y0 + 300), 0, 200, fill=0, width=4)
    image.save(path, "PNG")


def run_one(source: Path, out_dir: Path, oversampling: float) -> dict[str, float]:
    """Child process: the measured work, on one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from media.derivatives import DerivativeSettings, make_derivatives

    before_kb = _current_rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    result = make_derivatives(source, out_dir, DerivativeSettings(decode_oversampling=oversampling))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "wall_ms": wall * 1000,
        "cpu_ms": cpu * 1000,
        "peak_mb": peak_kb / 1024,
        "op_mb": (peak_kb - before_kb) / 1024,
        "display_bytes": result.display.byte_size,
        "display_fallback_bytes": result.display_fallback.byte_size,
        "display_size": f"{result.display.width}x{result.display.height}",
        "thumbnail_bytes": result.thumbnail.byte_size,
    }


def _current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _in_fresh_process(*args: object) -> str:
    """Run this script with ``args`` in a new interpreter: ``ru_maxrss`` survives exec, so the
    parent stays small and never makes or decodes an image itself."""
    return subprocess.run(
        [sys.executable, __file__, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    ).stdout


def _measure(source: Path, out_dir: Path, oversampling: float = 2.0) -> dict[str, float]:
    return json.loads(_in_fresh_process("--child", source, out_dir, oversampling))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/fediserver-bench-media"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        source, out_dir, oversampling = args.child
        print(json.dumps(run_one(Path(source), Path(out_dir), float(oversampling))))
        return
    if args.make:
        MAKERS[args.make[0]](Path(args.make[1]))
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    sources = {
        "photo-like JPEG 6000x4000 q90": args.workdir / "camera.jpg",
        "flat illustration RGBA PNG 3000x2000": args.workdir / "illustration.png",
        "line art grey PNG 2480x3508": args.workdir / "lineart.png",
    }
    for path in sources.values():
        if not path.exists():
            _in_fresh_process("--make", path.stem, path)

    camera = sources["photo-like JPEG 6000x4000 q90"]
    print(f"## 24 MP JPEG ({camera.stat().st_size / 1e6:.1f} MB) -> display WebP + JPEG, thumbnail WebP + JPEG, "
          f"blurhash; {args.runs} fresh processes each, one core")
    print()
    print("| decode_oversampling | wall ms median (min-max) | CPU ms median | peak RSS MB | op MB | display |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    runs_by_oversampling = {}
    for oversampling in (2.0, 1.0):
        runs = [_measure(camera, args.workdir / f"out-camera-{n}", oversampling) for n in range(args.runs)]
        runs_by_oversampling[oversampling] = runs
        wall = [run["wall_ms"] for run in runs]
        print(
            f"| {oversampling:g} | {statistics.median(wall):.0f} ({min(wall):.0f}-{max(wall):.0f}) | "
            f"{statistics.median(run['cpu_ms'] for run in runs):.0f} | {max(run['peak_mb'] for run in runs):.0f} | "
            f"{max(run['op_mb'] for run in runs):.0f} | "
            f"{runs[0]['display_size']} {runs[0]['display_bytes'] / 1024:.0f} KB |"
        )
    print()
    print("## Bytes per view: display derivative vs the original upload")
    print()
    print("| image | original | display | display WebP | fallback | WebP / original |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for label, path in sources.items():
        result = runs_by_oversampling[2.0][0] if path == camera else _measure(path, args.workdir / f"out-{path.stem}")
        original = path.stat().st_size
        print(
            f"| {label} | {original / 1024:,.0f} KB | {result['display_size']} | "
            f"{result['display_bytes'] / 1024:,.0f} KB | {result['display_fallback_bytes'] / 1024:,.0f} KB | "
            f"{result['display_bytes'] / original:.1%} |"
        )


MAKERS = {"camera": make_camera_like_jpeg, "illustration": make_flat_illustration_with_alpha, "lineart": make_line_art}

if __name__ == "__main__":
    main()

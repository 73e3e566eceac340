"""How long each upload-intake step takes on a large camera-sized image.

Run: PYTHONPATH=. python bench/bench_media_intake.py [--runs 5]

Makes a synthetic 6000x4000 JPEG (q90) and a 3000x2000 PNG in a temporary
folder, then times receiving (streaming to disk with hashing), inspecting
(structure walk, header checks, full decode), provenance detection on the raw
container, and the lossless rights rewrite; then provenance detection on a
hostile JPEG whose 10 MB scan is all stuffed 0xFF bytes. Prints the median and
range of wall time per step.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from media.intake import IntakeLimits, inspect, receive
from media.lossless import rewrite_metadata
from media.metadata import RightsInfo, build_rights_xmp
from media.provenance import detect


def make_source(folder: Path, fmt: str, size: tuple[int, int]) -> Path:
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(noise, gradient, 0.6)
    path = folder / f"source.{fmt.lower()}"
    image.save(path, fmt, quality=90) if fmt == "JPEG" else image.save(path, fmt)
    return path


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    limits = IntakeLimits(max_bytes=200 * 1024 * 1024)
    xmp = build_rights_xmp(RightsInfo(creator="Ada Artist", copyright_notice="(c) Ada Artist"))
    rows = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for fmt, size in (("JPEG", (6000, 4000)), ("PNG", (3000, 2000))):
            source = make_source(folder, fmt, size)
            steps: dict[str, list[float]] = {"receive": [], "inspect": [], "detect": [], "lossless rewrite": []}
            for _ in range(runs):
                ms, received = timed(lambda: asyncio.run(receive(source, folder, limits.max_bytes)))
                steps["receive"].append(ms)
                ms, inspected = timed(lambda: inspect(received, limits))
                steps["inspect"].append(ms)
                steps["detect"].append(timed(lambda: detect(received.path, fmt))[0])
                target = folder / "rewritten"
                steps["lossless rewrite"].append(timed(lambda: rewrite_metadata(received.path, target, fmt, xmp))[0])
                received.path.unlink()
                target.unlink()
            megabytes = source.stat().st_size / 1e6
            for step, values in steps.items():
                rows.append((f"{fmt} {size[0]}x{size[1]} ({megabytes:.1f} MB)", step, values))
        hostile = folder / "stuffed.jpg"
        plain = (folder / "source.jpeg").read_bytes()
        scan_start = plain.index(b"\xff\xda") + 2 + int.from_bytes(plain[plain.index(b"\xff\xda") + 2 :][:2], "big")
        hostile.write_bytes(plain[:scan_start] + b"\xff\x00" * 5_000_000 + b"\xff\xd9")
        values = [timed(lambda: detect(hostile, "JPEG"))[0] for _ in range(runs)]
        rows.append(("JPEG, 10 MB scan of stuffed 0xFF", "detect", values))
    print(f"| image | step | wall ms median (min-max), {runs} runs |")
    print("| --- | --- | ---: |")
    for image, step, values in rows:
        print(f"| {image} | {step} | {statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f}) |")


if __name__ == "__main__":
    main()

"""The whole benchmark set in one command, one table of figures and ratios with their targets.

    make bench          # or: PYTHONPATH=. python bench/run_all.py [--quick] [--postgres URL]

Runs, one after another (about 8-12 minutes on 2 cores; ``--quick`` shortens every run
for a smoke check, its figures are not comparable):

- ``bench_activitypub_http.py`` under Hypercorn and, when the ``granian`` extra is
  installed, under Granian: WebFinger and actor GET against a bare ASGI app on the same
  engine returning the same bytes, the cached anonymous portfolio page against WebFinger,
  signed-and-stored inbox POSTs against unsigned ones refused with 401 (each pair
  interleaved in the same run), and the idle RSS of the web process;
- ``bench_delivery.py``: signed POSTs per CPU-second through the delivery send path;
- ``bench_inbox.py``: activities applied per second by one worker, SQLite and PostgreSQL;
- ``bench_media_pipeline.py``: a 24 MP JPEG upload (CPU, peak RSS) and bytes per view;
- ``bench_fanout.py --personal-inboxes``: 10,000 followers on 1,000 hosts, PostgreSQL,
  two workers;
- the idle RSS of a ``fediserver worker``.

Servers listen on ``--port`` and the next few ports (default 8180). Needs ``wrk`` and a
PostgreSQL server where scratch databases may be created. Each run's own output is kept
in ``--out`` (a temporary folder by default) next to ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def run(name: str, script: str, args: list[str], out: Path) -> dict | list | None:
    """Run one benchmark script, keep its output, return what it wrote with ``--json``."""
    result = out / f"{name}.json"
    log = out / f"{name}.log"
    started = time.monotonic()
    print(f"-- {name}: {script} {' '.join(args)}", flush=True)
    with log.open("w") as handle:
        code = subprocess.run([sys.executable, str(BENCH / script), *args, "--json", str(result)],
                              stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    print(f"   {time.monotonic() - started:.0f} s{'' if code == 0 else f', FAILED (exit {code}), see {log}'}",
          flush=True)
    return json.loads(result.read_text()) if code == 0 and result.exists() else None


def idle_worker_rss(out: Path) -> float | None:
    """RSS of a `fediserver worker` on a fresh SQLite instance once it has settled."""
    folder = out / "idle-worker"
    folder.mkdir(exist_ok=True)
    config = folder / "config.toml"
    config.write_text(f'[instance]\ndomain = "art.example"\ndata_dir = "{folder}"\n'
                      f'[database]\nurl = "sqlite://{folder}/worker.sqlite3"\n[logging]\nlevel = "warning"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FEDISERVER_CONFIG": str(config)}
    cli = [sys.executable, "-m", "fediserver.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Settled: imports and jobs started, RSS unchanged for three seconds (at most a minute).
        readings: list[float] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (len(readings) < 4 or len(set(readings[-4:])) > 1):
            time.sleep(1)
            status = Path(f"/proc/{worker.pid}/status").read_text()
            readings.append(int(next(line.split()[1] for line in status.splitlines()
                                     if line.startswith("VmRSS:"))) / 1024)
        return readings[-1] if readings else None
    except (OSError, StopIteration):
        return None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def ratio(self, label: str, ours: float, base: float, target: float, note: str = "") -> None:
        share = ours / base if base else 0.0
        self.rows.append((label, f"{ours:,.0f} / {base:,.0f}{note}", f"{share:.0%}",
                          f">= {target:.0%} {'met' if share >= target else 'NOT met'}"))

    def at_least(self, label: str, figure: float, unit: str, target: float) -> None:
        self.rows.append((label, f"{figure:,.0f} {unit}", "", f">= {target:,.0f} {'met' if figure >= target else 'NOT met'}"))

    def at_most(self, label: str, figure: float, unit: str, target: float, digits: int = 0) -> None:
        self.rows.append((label, f"{figure:,.{digits}f} {unit}", "",
                          f"<= {target:,.{digits}f} {'met' if figure <= target else 'NOT met'}"))

    def missing(self, label: str, why: str) -> None:
        self.rows.append((label, why, "", "not measured"))

    def print(self) -> None:
        header = ("measure", "figure", "ratio", "target")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(4)]
        print()
        for row in [header, tuple("-" * w for w in widths), *self.rows]:
            print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")


def http_rows(table: Table, figures: dict | None, engine: str, webfinger_target: float) -> None:
    if figures is None:
        table.missing(f"HTTP on {engine}", "run failed")
        return
    for key, label in (("WebFinger", "WebFinger GET"), ("actor GET", "actor GET")):
        cell = figures[key]
        table.ratio(f"{engine}: {label} / bare ASGI app, req/s", cell["ours"], cell["baseline"], webfinger_target)
    cell = figures["portfolio"]
    table.ratio(f"{engine}: portfolio page (cached) / WebFinger, req/s", cell["ours"], cell["baseline"], 0.5)
    cell = figures["inbox"]
    table.ratio(f"{engine}: inbox POST signed+stored / unsigned 401, req/s", cell["ours"], cell["baseline"], 0.6)
    table.at_most(f"{engine}: idle web process RSS", figures["idle_rss_mb"], "MB", 70)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where scratch databases may be created")
    parser.add_argument("--port", type=int, default=8180, help="first of the ports the servers listen on")
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke check, not figures")
    parser.add_argument("--out", type=Path, help="where each run's output goes (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="fediserver-bench-all-"))
    out.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    started = time.monotonic()

    http = ["--duration", "2" if quick else "5", "--rounds", "1" if quick else "3",
            "--signed", "500" if quick else "4000"]
    results: dict[str, object] = {}
    results["http_hypercorn"] = run("http-hypercorn", "bench_activitypub_http.py",
                                    [*http, "--engine", "hypercorn", "--port", str(args.port)], out)
    if find_spec("granian"):
        results["http_granian"] = run("http-granian", "bench_activitypub_http.py",
                                      [*http, "--engine", "granian", "--port", str(args.port + 2)], out)
    results["delivery"] = run("delivery", "bench_delivery.py", ["--requests", "1000" if quick else "4000"], out)
    results["inbox"] = run("inbox", "bench_inbox.py",
                           ["--items", "500" if quick else "3000", "--postgres", args.postgres], out)
    results["media"] = run("media", "bench_media_pipeline.py",
                           ["--runs", "1" if quick else "3", "--workdir", str(out / "media")], out)
    results["fanout"] = run("fanout", "bench_fanout.py",
                            ["--personal-inboxes", "--skip-sqlite", "--postgres", args.postgres,
                             *(["--followers", "2000", "--hosts", "200"] if quick else [])], out)
    results["idle_worker_mb"] = idle_worker_rss(out)
    (out / "results.json").write_text(json.dumps(results, indent=1))

    table = Table()
    http_rows(table, results["http_hypercorn"], "hypercorn", 0.9)
    if "http_granian" in results:
        http_rows(table, results["http_granian"], "granian", 0.25)
    else:
        table.missing("granian", "not installed (pip install 'fediserver[granian]')")
    if delivery := results["delivery"]:
        table.at_least("delivery: signed POSTs per worker CPU-second", delivery["per_cpu_second"], "/CPU-s", 800)
        if "bare_signs_per_cpu_second" in delivery:
            table.rows.append(("delivery: bare RSA-2048 signs per CPU-second, same run (ceiling)",
                               f"{delivery['bare_signs_per_cpu_second']:,.0f} /CPU-s",
                               f"{delivery['per_cpu_second'] / delivery['bare_signs_per_cpu_second']:.0%}", ""))
    else:
        table.missing("delivery", "run failed")
    if inbox := results["inbox"]:
        for label, target in (("PostgreSQL", 500), ("SQLite (WAL, file)", 600)):
            if label in inbox:
                table.at_least(f"applying activities, {label}, one worker", inbox[label]["per_second"], "/s", target)
    else:
        table.missing("applying activities", "run failed")
    if media := results["media"]:
        table.at_most("24 MP JPEG upload: CPU", media["cpu_ms"], "ms", 400)
        table.at_most("24 MP JPEG upload: peak RSS", media["peak_mb"], "MB", 96)
        for label, view in media["views"].items():
            share = view["display"] / view["original"]
            table.rows.append((f"bytes per view: {label}", f"{view['display'] / 1024:,.0f} KB of "
                               f"{view['original'] / 1024:,.0f} KB" + (f" ({view['mime']})" if "mime" in view else ""),
                               f"{share:.1%}",
                               f"<= 100% {'met' if share <= 1 else 'NOT met'}"))
    else:
        table.missing("media upload", "run failed")
    if fanout := results["fanout"]:
        case = fanout[0]
        table.at_most(f"fan-out {case['deliveries']:,} personal inboxes, PostgreSQL, 2 workers", case["seconds"],
                      "s", 15, digits=1)
    else:
        table.missing("fan-out", "run failed")
    if results["idle_worker_mb"] is not None:
        table.at_most("idle worker RSS", results["idle_worker_mb"], "MB", 80)
    table.print()
    print(f"\n{time.monotonic() - started:.0f} s in all{' (--quick: smoke figures)' if quick else ''}; "
          f"each run's output in {out}")


if __name__ == "__main__":
    main()

"""WebFinger, actor GET and inbox POST over real HTTP, against a bare ASGI ceiling.

Starts `fediserver run` (one Hypercorn worker, SQLite, access log off) and, on another
port, a bare ASGI app on one Hypercorn worker that returns the very same bytes, then
drives each with the same load generator in the same run
(`wrk -t1 -c32 -d10s` on loopback). The inbox rows POST to alice's inbox: signed
draft-cavage requests (the sender's key cached after a warm-up request; each request
a new activity, so each is verified and stored) against the same route unsigned
(refused with 401 before any key or database work). Each pair is measured in
interleaved rounds; the table gives median (min-max) req/s.

With ``--engine granian`` the instance runs under Granian (``[server] engine``) and the
bare baseline on one Granian worker too. The anonymous portfolio page ``/@alice`` (served
from the page cache) is measured against the WebFinger rate on the same server; the idle
RSS of the server process is read before any load.

Run: PYTHONPATH=. python bench/bench_activitypub_http.py [--duration 10] [--rounds 3] [--signed 8000]
     [--engine hypercorn|granian] [--port N] [--json FILE]
Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from federation.signatures import Generation, sign_request
from tests.interop.foreign_actor import ForeignActor

AP = "application/activity+json"
WEBFINGER = "/.well-known/webfinger?resource=acct:alice@{domain}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_bare_routes: dict[str, tuple[bytes, str]] = {}


async def bare_app(scope, receive, send):
    """The ceiling: the same bytes, looked up by path, from a bare ASGI app."""
    if scope["type"] != "http":
        return
    if not _bare_routes:
        _bare_routes.update({path: (bytes.fromhex(body), ctype) for path, (body, ctype)
                             in json.loads(Path(os.environ["BENCH_BARE_ROUTES"]).read_text()).items()})
    target = scope["path"] + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
    body, ctype = _bare_routes.get(target, (b"not found", "text/plain"))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def serve_bare(port: int, routes_file: str, engine: str) -> None:
    """The bare app on one worker of the same engine as the instance."""
    os.environ["BENCH_BARE_ROUTES"] = routes_file
    if engine == "granian":
        from granian import Granian

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        Granian("bench_activitypub_http:bare_app", address="127.0.0.1", port=port, interface="asgi",
                workers=1, log_enabled=False).serve()
        return
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    asyncio.run(serve(bare_app, config))


def tree_rss_mb(pid: int) -> float:
    """RSS of the largest process among ``pid`` and its descendants (a server's workers)."""
    largest, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        largest = max(largest, int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
        pending += [int(child) for child in children]
    return largest / 1024


def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def wrk(url: str, duration: int, *, headers: dict[str, str] | None = None, script: str | None = None,
        script_args: list[str] | None = None) -> tuple[float, str]:
    command = ["wrk", "-t1", "-c32", f"-d{duration}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    command.append(url)
    command += ["--", *(script_args or [])] if script_args else []
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, non_2xx.group(1) if non_2xx else "0"


SIGNED_SCRIPT = """
local requests = {}
local count = 0
init = function(args)
  for line in io.lines(args[1]) do
    local date, digest, signature, body = line:match("([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)")
    table.insert(requests, wrk.format("POST", nil, {
      ["Date"] = date, ["Digest"] = digest, ["Signature"] = signature,
      ["Content-Type"] = "application/activity+json"}, body))
  end
end
request = function()
  count = count + 1
  return requests[(count - 1) % #requests + 1]
end
"""

UNSIGNED_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/activity+json"
wrk.body = '{"type": "Like", "actor": "https://else.example/users/x", "object": "x"}'
"""


def signed_requests(dora: ForeignActor, inbox: str, alice: str, count: int, path: Path) -> None:
    with path.open("w") as out:
        for n in range(count):
            body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": f"{dora.id}/likes/{n}",
                               "type": "Like", "actor": dora.id, "object": alice}, separators=(",", ":")).encode()
            headers = sign_request("POST", inbox, {"content-type": AP}, body, key_id=dora.key_id,
                                   private_key=dora.private_key, generation=Generation.CAVAGE)
            out.write(f"{headers['Date']}\t{headers['Digest']}\t{headers['Signature']}\t{body.decode()}\n")


def _row(label: str, ours: list[float], baseline: list[float], errors: int) -> tuple[str, ...]:
    mine, theirs = statistics.median(ours), statistics.median(baseline)
    return (label, f"{mine:,.0f} ({min(ours):,.0f}-{max(ours):,.0f})",
            f"{theirs:,.0f} ({min(baseline):,.0f}-{max(baseline):,.0f})", f"{mine / theirs:.0%}", str(errors))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--signed", type=int, default=8000, help="distinct signed inbox requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=("hypercorn", "granian"), default="hypercorn")
    parser.add_argument("--port", type=int, help="the instance's port (the baseline takes the next one)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--serve-bare", nargs=3, metavar=("PORT", "ROUTES", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(int(args.serve_bare[0]), args.serve_bare[1], args.serve_bare[2])
        return

    work = Path(tempfile.mkdtemp(prefix="fediserver-bench-"))
    port, bare_port = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    domain = f"127.0.0.1:{port}"
    (work / "config.toml").write_text(
        f'[instance]\ndomain = "{domain}"\nscheme = "http"\nallow_http = true\n'
        f'[server]\nport = {port}\nworkers = 1\nrun_jobs = false\n'
        + (f'engine = "{args.engine}"\n' if args.engine != "hypercorn" else "") +
        '[logging]\naccess_log = false\nlevel = "warning"\n'
        '[federation]\nallow_private_addresses = true\n'
    )
    env = {**os.environ, "FEDISERVER_CONFIG": str(work / "config.toml")}
    cli = [sys.executable, "-m", "fediserver.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "account", "create", "alice", "--no-password"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([*cli, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare = None
    figures: dict[str, object] = {"engine": args.engine}
    try:
        wait_listening(port, server)
        time.sleep(1)
        figures["idle_rss_mb"] = tree_rss_mb(server.pid)
        base = f"http://{domain}"
        webfinger = WEBFINGER.format(domain=domain)
        routes = {}
        with httpx.Client() as client:
            for path, accept in ((webfinger, "application/jrd+json"), ("/users/alice", AP)):
                response = client.get(base + path, headers={"Accept": accept})
                response.raise_for_status()
                routes[path] = (response.content.hex(), response.headers["content-type"])
        (work / "routes.json").write_text(json.dumps(routes))
        bare = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(bare_port), str(work / "routes.json"),
                                 args.engine],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(bare_port, bare)

        rows, page, page_errors = [], [], 0
        for label, path, accept in (("WebFinger", webfinger, "application/jrd+json"), ("actor GET", "/users/alice", AP)):
            ours, ceiling, errors = [], [], 0
            for _ in range(args.rounds):  # interleaved, so background load hits both alike
                rate, non_2xx = wrk(base + path, args.duration, headers={"Accept": accept})
                ours.append(rate)
                errors += int(non_2xx)
                ceiling.append(wrk(f"http://127.0.0.1:{bare_port}{path}", args.duration, headers={"Accept": accept})[0])
                if label == "WebFinger":  # the cached anonymous portfolio page, next to WebFinger
                    rate, non_2xx = wrk(base + "/@alice", args.duration, headers={"Accept": "text/html"})
                    page.append(rate)
                    page_errors += int(non_2xx)
            rows.append(_row(label, ours, ceiling, errors))
            figures[label] = {"ours": statistics.median(ours), "baseline": statistics.median(ceiling),
                              "errors": errors}
            if label == "WebFinger":
                webfinger_rates = ours
        rows.append(_row("portfolio page (cached) / WebFinger", page, webfinger_rates, page_errors))
        figures["portfolio"] = {"ours": statistics.median(page), "baseline": statistics.median(webfinger_rates),
                                "errors": page_errors}

        inbox = f"{base}/users/alice/inbox"
        with ForeignActor() as dora:
            count = args.signed * args.rounds
            signed_requests(dora, inbox, f"{base}/users/alice", count + 1, work / "signed.tsv")
            lines = (work / "signed.tsv").read_text().splitlines()
            date, digest, signature, body = lines[-1].split("\t")
            warm = httpx.post(inbox, content=body, headers={"Date": date, "Digest": digest, "Signature": signature,
                                                            "Content-Type": AP})
            assert warm.status_code == 202, warm.text
            (work / "unsigned.lua").write_text(UNSIGNED_SCRIPT)
            (work / "signed.lua").write_text(SIGNED_SCRIPT)
            signed, unsigned, errors = [], [], 0
            for round_ in range(args.rounds):
                chunk = work / f"signed-{round_}.tsv"
                chunk.write_text("\n".join(lines[round_ * args.signed:(round_ + 1) * args.signed]) + "\n")
                rate, non_2xx = wrk(inbox, args.duration, script=str(work / "signed.lua"), script_args=[str(chunk)])
                signed.append(rate)
                errors += int(non_2xx)
                unsigned.append(wrk(inbox, args.duration, script=str(work / "unsigned.lua"))[0])
        rows.append(_row("inbox POST: signed / unsigned (401)", signed, unsigned, errors))
        figures["inbox"] = {"ours": statistics.median(signed), "baseline": statistics.median(unsigned),
                            "errors": errors}
    finally:
        for process in (server, bare):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)

    header = ("route", "fediserver req/s", "baseline req/s", "ratio of medians", "non-2xx")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    print(f"idle RSS of the server process tree (largest process): {figures['idle_rss_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(figures))
    print(f"\nmedian of {args.rounds} interleaved rounds of {args.duration} s; {args.signed} distinct signed"
          " activities per round (a round sending more repeats them, and a repeat is stored once).")


if __name__ == "__main__":
    main()

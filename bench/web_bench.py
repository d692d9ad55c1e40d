"""Web app speed: HTTP assess latency under load, and upload → result time for a clip.

Run: .venv/bin/python bench/web_bench.py [--rate 500] [--seconds 10] [--clip PATH] [--quick]
[--json FILE] [--check] (or `make bench`; the JSON is bench_report.py's shape).
The server is `backcheck serve` (one uvicorn process) on 127.0.0.1; the load generator runs
in another process (raw asyncio HTTP/1.1 keep-alive, open loop at a fixed rate, latency
measured from each request's scheduled send time so queueing is counted). On a 2-core
machine the server and the generator share the two cores. Bounded: the open-loop phase
sends rate × seconds requests and stops after seconds + 10 s whatever happens.
References measured in the same run: the same closed loop against a bare uvicorn app that
parses the JSON body and answers a small JSON (the HTTP stack's share, on the same cores),
and for upload → result `backcheck analyze` on the same clip, interleaved.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import local_server
from bench_report import BenchReport, add_bench_arguments
from machine_info import machine

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = (REPO / ".." / "shared" / "data" / "videos" / "dl_garage_rounded.mp4").resolve()
# the assessed case, also in the golden answers (tests/core/golden.py)
CASE: dict[str, Any] = json.loads((REPO / "bench" / "web_bench_case.json").read_text("utf-8"))


BARE_APP = """
import json, sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    out = json.dumps({"fields": len(json.loads(body or b"{}"))}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": out})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def closed_loop(pid: int, port: int, seconds: float, connections: int) -> tuple[float, float]:
    """Requests/s of the closed loop against the server ``pid`` listening on ``port``, and
    that server's CPU ms per request (much less moved than the rate when other work shares
    the cores: the server is not running while it waits for them)."""
    before = cpu_seconds(pid)
    result = run_generator(port, "closed", seconds=seconds, connections=connections)
    cpu_ms = (cpu_seconds(pid) - before) / max(1, result["requests"]) * 1000
    return float(result["requests"] / result["elapsed"]), cpu_ms


def bare_throughput(seconds: float, connections: int) -> tuple[float, float]:
    """Requests/s of the same closed loop against a bare uvicorn app (the reference), and
    its CPU ms per request."""
    port = local_server.free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"http://127.0.0.1:{port}/", json={}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        run_generator(port, "closed", seconds=1.0, connections=4)  # warm up
        return closed_loop(process.pid, port, seconds, connections)
    finally:
        process.terminate()
        process.wait(timeout=15)


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`backcheck serve` in a subprocess; returns once it answers."""
    return local_server.start_server(data_dir, ready_path="/api/v1/journal/entries", timeout_s=30)


# --- load generator (runs in its own process) -----------------------------------------------


def _request_bytes(port: int) -> bytes:
    body = json.dumps(CASE).encode()
    head = (
        f"POST /api/v1/assess HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _open_loop(port: int, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    request = _request_bytes(port)
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.2
    next_index = 0
    deadline = start + seconds + 10

    async def worker() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < total and time.perf_counter() < deadline:
                i = next_index
                next_index += 1
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                status = await _exchange(reader, writer, request)
                if status != 200:
                    errors += 1
                latencies.append(time.perf_counter() - scheduled)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "sent": len(latencies)}


async def _closed_loop(port: int, seconds: float, connections: int) -> dict[str, Any]:
    request = _request_bytes(port)
    count = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                await _exchange(reader, writer, request)
                count += 1
        finally:
            writer.close()

    begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return {"requests": count, "elapsed": time.perf_counter() - begin}


def _generator(port: int, mode: str, args: dict[str, Any], out: Any) -> None:
    if mode == "open":
        result = asyncio.run(_open_loop(port, **args))
    else:
        result = asyncio.run(_closed_loop(port, **args))
    out.put(result)


def run_generator(port: int, mode: str, **args: Any) -> dict[str, Any]:
    """Run the load generator in another process and return its figures."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_generator, args=(port, mode, args, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=float(args.get("seconds", 10)) + 60)
    process.join(timeout=10)
    return result


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- upload → result ------------------------------------------------------------------------


def upload_to_result(url: str, clip: Path) -> float:
    """Seconds from the start of the upload to the analysis being done."""
    begin = time.perf_counter()
    with clip.open("rb") as f:
        r = httpx.post(
            url + "/api/v1/analyses",
            files={"video": (clip.name, f, "video/mp4")},
            data={"lift": "auto"},
            timeout=120,
        )
    r.raise_for_status()
    status_url = url + r.json()["links"]["self"]
    while True:
        state = httpx.get(status_url, timeout=10).json()
        if state["status"] == "done":
            return time.perf_counter() - begin
        if state["status"] == "failed":
            raise RuntimeError(state["error"])
        if time.perf_counter() - begin > 300:
            raise RuntimeError("analysis did not finish in 300 s")
        time.sleep(0.05)


def cli_time(clip: Path, out: Path) -> float:
    """Seconds `backcheck analyze CLIP --out DIR --format json` takes, end to end."""
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from backcheck.cli.app import main; main()", "analyze",
         str(clip), "--out", str(out), "--format", "json", "--quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - begin


def video_available() -> bool:
    """True when backcheck.video can run here."""
    from backcheck.jobs.runner import video_available as available

    return available()


GOAL_P99_MS = 50.0
GOAL_UPLOAD_OVER_CLI = 1.1


def main() -> int:
    """Run both benchmarks, print and write the figures; the exit status follows --check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_bench_arguments(parser)
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second")
    parser.add_argument("--seconds", type=float, help="open-loop duration (10, quick 4)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--runs", type=int, help="upload and CLI runs each (3, quick 1)")
    args = parser.parse_args()
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    runs = args.runs or (1 if args.quick else 3)
    report = BenchReport("web", title="web", quick=args.quick)
    print(f"machine: {machine()}")
    root = Path(tempfile.mkdtemp(prefix="backcheck-webbench-"))
    server, url = start_server(root / "data")
    port = int(url.rsplit(":", 1)[1])
    try:
        run_generator(port, "closed", seconds=1.0, connections=4)  # warm up
        closed_s = 2.0 if args.quick else 5.0
        throughput, cpu_ms = closed_loop(server.pid, port, closed_s, args.connections)
        bare, bare_cpu_ms = bare_throughput(closed_s, args.connections)
        print(
            f"assess max throughput (closed loop, {args.connections} conns): {throughput:.0f} "
            f"req/s, server CPU {cpu_ms:.3f} ms/request; bare uvicorn app, same loop: "
            f"{bare:.0f} req/s, {bare_cpu_ms:.3f} ms/request"
        )
        open_ = run_generator(
            port, "open", rate=args.rate, seconds=seconds, connections=args.connections
        )
        lat = [x * 1000 for x in open_["latencies"]]
        achieved = open_["sent"] / open_["elapsed"]
        p50, p90, p99 = pct(lat, 50), pct(lat, 90), pct(lat, 99)
        print(
            f"assess at {args.rate:.0f} req/s for {seconds:.0f} s: sent {open_['sent']} "
            f"(achieved {achieved:.0f} req/s), errors {open_['errors']}, latency ms "
            f"p50 {p50:.2f} p90 {p90:.2f} p99 {p99:.2f} max {max(lat):.2f}"
        )
        what = f"HTTP assess at {args.rate:.0f} req/s for {seconds:.0f} s"
        report.measure(
            "assess_max_rps",
            throughput,
            "req/s",
            f"HTTP assess, most requests/s (closed loop, {args.connections} connections)",
            headline=True,
        )
        report.reference(
            "bare_app_max_rps",
            bare,
            "req/s",
            "bare uvicorn app parsing the same JSON, same closed loop (same run)",
            headline=True,
        )
        report.ratio(
            "assess_over_bare_app",
            "assess_max_rps",
            "bare_app_max_rps",
            "HTTP assess throughput / bare uvicorn app's",
            headline=True,
        )
        report.measure(
            "assess_server_cpu_ms",
            cpu_ms,
            "ms",
            "HTTP assess: server CPU per request (the closed loop above)",
        )
        report.reference(
            "bare_app_server_cpu_ms",
            bare_cpu_ms,
            "ms",
            "bare uvicorn app: server CPU per request (same loop, same run)",
        )
        report.ratio(
            "assess_cpu_over_bare_app",
            "assess_server_cpu_ms",
            "bare_app_server_cpu_ms",
            "server CPU per request, HTTP assess / bare uvicorn app",
        )
        report.measure("assess_achieved_rps", achieved, "req/s", f"{what}: achieved rate")
        report.measure("assess_requests", open_["sent"], "requests", f"{what}: sent")
        report.measure("assess_errors", open_["errors"], "requests", f"{what}: not 200")
        report.measure("assess_p50_ms", p50, "ms", f"{what}: latency p50", headline=True)
        report.measure("assess_p90_ms", p90, "ms", f"{what}: latency p90")
        report.measure("assess_p99_ms", p99, "ms", f"{what}: latency p99")
        report.measure("assess_max_ms", max(lat), "ms", f"{what}: latency max")
        report.goal(
            "assess_p99", f"{what}: latency p99 (load generator in another process)",
            p99, "<", GOAL_P99_MS, "ms",
        )  # fmt: skip
        report.goal("assess_errors", f"{what}: errors", open_["errors"], "<=", 0, "requests")
        video_goal = f"upload → result / `backcheck analyze`, same clip ({args.clip.name})"
        if video_available() and args.clip.exists():
            uploads: list[float] = []
            clis: list[float] = []
            for i in range(runs):  # interleaved, so load from elsewhere hits both alike
                uploads.append(upload_to_result(url, args.clip))
                clis.append(cli_time(args.clip, root / f"cli{i}"))
            up, cli = statistics.median(uploads), statistics.median(clis)
            up_runs = ", ".join(f"{u:.2f}" for u in uploads)
            cli_runs = ", ".join(f"{c:.2f}" for c in clis)
            print(
                f"{args.clip.name}: upload → result {up:.2f} s (runs {up_runs}); "
                f"CLI analyze {cli:.2f} s (runs {cli_runs}); ratio {up / cli:.2f}"
            )
            report.measure(
                "upload_to_result_s", up, "s", f"upload → result, {args.clip.name} (median)",
                headline=True,
            )  # fmt: skip
            report.reference(
                "cli_analyze_s", cli, "s", "`backcheck analyze`, same clip, same run (median)",
                headline=True,
            )  # fmt: skip
            ratio = report.ratio(
                "upload_over_cli", "upload_to_result_s", "cli_analyze_s", "upload → result / CLI"
            )
            report.goal("upload_over_cli", video_goal, ratio, "<=", GOAL_UPLOAD_OVER_CLI, "×")
            report.extra["video_runs_s"] = {"upload": uploads, "cli": clis}
        else:
            why = "backcheck.video unavailable or the clip missing"
            print(f"video: skipped ({why})")
            report.goal_not_checked(
                "upload_over_cli", video_goal, "<=", GOAL_UPLOAD_OVER_CLI, "×", why
            )
    finally:
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(root, ignore_errors=True)
    return report.finish(args)


if __name__ == "__main__":
    sys.exit(main())

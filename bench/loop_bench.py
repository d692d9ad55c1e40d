"""Event-loop blocking: how long a static file takes while the server does heavy work.

Run: .venv/bin/python bench/loop_bench.py [--seconds 8] [--quick] [--json FILE] [--check]

`backcheck serve` (one uvicorn process) runs on a data folder seeded with an 18,500-entry
journal. A probe in another process asks for `/static/style.css` every 20 ms over 8
keep-alive connections (open loop: the latency is counted from each request's scheduled
time, so a stalled loop shows in full), first
with the server idle (the reference, same run), then while the main process sends, back to
back, the work that used to stall the loop:

- a 20 MB export file posted to the import form (`/data/import`, multipart), rejected at its
  last entry so the whole file is read, parsed and checked, and nothing changes;
- the same 20 MB document to the API (`/api/v1/import`, JSON);
- an invalid journal entry posted from the form (`/journal`, no pain chosen): the journal
  page (the latest 30 entries, the chart of the whole journal, the triage read from it) is
  rendered again with the messages and what was typed.

Before the phases, the journal page itself is timed (GET /journal, server otherwise idle,
median of a few): it used to list all 18,500 entries and took 12-16 s.

Goals: the static file's p99 stays under 100 ms during each load (it was 1.5 s during the form
import and 2 s during the invalid post before the handlers moved off the loop; 293 ms during
the invalid post while the page still listed every entry), and the journal page renders in
under 200 ms. The ratio to the idle p99 is printed too; on a shared machine it says more than
the absolute figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import local_server
from bench_report import BenchReport, add_bench_arguments

JOURNAL_ENTRIES = 18_500
IMPORT_BYTES = 20 * 1024 * 1024
PROBE_EVERY_S = 0.020
PROBE_CONNECTIONS = 8
GOAL_P99_MS = 100.0
GOAL_PAGE_MS = 200.0
PAGE_TIMINGS = 7  # GET /journal this many times (fewer when each takes seconds)
STATIC = "/static/style.css"


def seed_journal(data_dir: Path, count: int) -> None:
    """A journal of ``count`` entries, written straight into the server's database."""
    from backcheck.storage import JournalEntry, open_database

    db = open_database(f"sqlite:///{data_dir / 'backcheck.db'}")
    first = date.today() - timedelta(days=count // 3 + 1)
    rows = [
        {
            "uid": uuid.uuid4().hex,
            "day": first + timedelta(days=n // 3),
            "pain": n % 8,
            "locations": ["central"],
            "radiates": "no",
            "activities": ["walking"],
            "training": "",
            "response": None,
            "responses": {"walking": "better"},
            "symptoms": [],
            "note": f"entry {n}",
        }
        for n in range(count)
    ]
    with db.session() as session:
        session.execute(JournalEntry.__table__.insert(), rows)
    db.close()


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`backcheck serve` in a subprocess; returns once it answers."""
    return local_server.start_server(data_dir, ready_path=STATIC, timeout_s=60)


def invalid_import(url: str, size: int) -> bytes:
    """An export of about ``size`` bytes whose last journal entry is refused (pain 99)."""
    export = httpx.get(url + "/api/v1/export", timeout=120).json()
    template = dict(export["journal"][0])
    one = len(json.dumps(template)) + 2
    entries = []
    for _ in range(max(1, size // one)):
        entries.append({**template, "uid": uuid.uuid4().hex})
    entries[-1] = {**entries[-1], "pain": 99}
    document = {**export, "interviews": [], "journal": entries, "analyses": []}
    return json.dumps(document).encode()


def _probe(url: str, seconds: float, every: float, out: Any) -> None:
    """Ask for the static file every ``every`` s over a few keep-alive connections (open
    loop: each latency counts from the request's scheduled time, queueing included)."""
    out.send(asyncio.run(_open_loop(url, seconds, every)))


async def _open_loop(url: str, seconds: float, every: float) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    request = f"GET {STATIC} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    total = int(seconds / every)
    latencies: list[float] = []
    errors = 0
    next_index = 0
    start = time.perf_counter() + 0.1

    async def connection() -> None:
        nonlocal next_index, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while next_index < total:
                scheduled = start + next_index * every
                next_index += 1
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                if int(head.split(b" ", 2)[1]) != 200:
                    errors += 1
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - scheduled) * 1000)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(PROBE_CONNECTIONS)))
    return {"latencies": latencies, "errors": errors}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(url: str, seconds: float, load: Callable[[], int] | None) -> dict[str, Any]:
    """The probe's latencies while ``load`` (one request, returns its status) runs in a loop."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    probe = multiprocessing.Process(target=_probe, args=(url, seconds, PROBE_EVERY_S, sender))
    stop = threading.Event()
    statuses: list[int] = []
    durations: list[float] = []

    def loop() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            statuses.append(load() if load else 0)
            durations.append(time.perf_counter() - began)

    probe.start()
    worker = threading.Thread(target=loop, daemon=True) if load else None
    if worker:
        time.sleep(0.3)  # the probe's first request is out of the way
        worker.start()
    result = receiver.recv()
    probe.join(timeout=30)
    stop.set()
    if worker:
        worker.join(timeout=120)
    lat = result["latencies"]
    return {
        "p50_ms": percentile(lat, 50),
        "p99_ms": percentile(lat, 99),
        "max_ms": max(lat),
        "samples": len(lat),
        "probe_errors": result["errors"],
        "load_requests": len(statuses),
        "load_statuses": sorted(set(statuses)),
        "load_mean_s": sum(durations) / len(durations) if durations else 0.0,
    }


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used so far, in ms (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def time_page(
    client: httpx.Client, path: str, pid: int, times: int, budget_s: float = 30.0
) -> tuple[list[float], list[float]]:
    """Wall times and the server's CPU times (ms) of ``times`` GETs of ``path``, one after
    another (stops early past ``budget_s``: the old page took seconds each); the first,
    warming up, is not counted. The server is otherwise idle, so its CPU time is the page's
    cost, whatever else the machine is doing."""
    client.get(path).raise_for_status()
    walls: list[float] = []
    cpus: list[float] = []
    began = time.perf_counter()
    while len(walls) < times and time.perf_counter() - began < budget_s:
        start, cpu = time.perf_counter(), cpu_ms(pid)
        client.get(path).raise_for_status()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append(cpu_ms(pid) - cpu)
    return walls, cpus


def form_token(client: httpx.Client, page: str) -> str:
    """The CSRF token the page renders for this client's cookie."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    if not match:
        raise RuntimeError(f"no form token on {page}")
    return match.group(1)


def main() -> int:
    """Measure, print and write the figures; the exit status follows --check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--entries", type=int, default=JOURNAL_ENTRIES)
    parser.add_argument("--import-mb", type=float, default=IMPORT_BYTES / 1_048_576)
    add_bench_arguments(parser)
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds
    report = BenchReport("loop", title="Event loop: a static file under heavy requests",
                         quick=args.quick)  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="backcheck-loop-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        seed_journal(folder, args.entries)
        process, url = start_server(folder)
        document = invalid_import(url, int(args.import_mb * 1_048_576))
        client = httpx.Client(base_url=url, timeout=300)
        page_ms, page_cpu_ms = time_page(
            client, "/journal", process.pid, 3 if args.quick else PAGE_TIMINGS
        )
        import_token = form_token(client, "/data")
        journal_token = form_token(client, "/journal")

        def form_import() -> int:
            files = {"file": ("export.json", document, "application/json")}
            data = {"csrf_token": import_token}
            return client.post("/data/import", files=files, data=data).status_code

        def api_import() -> int:
            headers = {"content-type": "application/json"}
            return client.post("/api/v1/import", content=document, headers=headers).status_code

        def invalid_entry() -> int:
            data = {"csrf_token": journal_token, "note": "no pain chosen"}
            return client.post("/journal", data=data).status_code

        phases: dict[str, Callable[[], int] | None] = {
            "idle": None,
            "form_import": form_import,
            "api_import": api_import,
            "invalid_journal_post": invalid_entry,
        }
        results = {name: measure(url, seconds, load) for name, load in phases.items()}
        client.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

    size_mb = len(document) / 1_048_576
    what = {
        "form_import": f"a {size_mb:.0f} MB export posted to the import form (rejected)",
        "api_import": f"the same {size_mb:.0f} MB document posted to the import API (rejected)",
        "invalid_journal_post": f"an invalid journal form post, {args.entries:,} entries",
    }
    idle = results["idle"]
    report.reference("idle_p50_ms", idle["p50_ms"], "ms", "static file p50, server idle")
    report.reference("idle_p99_ms", idle["p99_ms"], "ms", "static file p99, server idle")
    print(f"static file, idle: p50 {idle['p50_ms']:.1f} ms, p99 {idle['p99_ms']:.1f} ms, "
          f"max {idle['max_ms']:.1f} ms ({idle['samples']} requests)")  # fmt: skip
    for name, label in what.items():
        r = results[name]
        report.measure(f"{name}_p50_ms", r["p50_ms"], "ms", f"static file p50 during {label}")
        report.measure(
            f"{name}_p99_ms", r["p99_ms"], "ms", f"static file p99 during {label}", headline=True
        )
        ratio = report.ratio(
            f"{name}_p99_over_idle", f"{name}_p99_ms", "idle_p99_ms", f"p99 during {label} / idle"
        )
        print(
            f"static file during {label}: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"max {r['max_ms']:.1f} ms, p99 {ratio:.1f}x idle; {r['load_requests']} heavy "
            f"requests (answers {r['load_statuses']}, {r['load_mean_s']:.2f} s each)"
        )
        report.goal(
            f"{name}_p99",
            f"static file p99 during {label}",
            r["p99_ms"],
            "<",
            GOAL_P99_MS,
            "ms",
        )
    page_median = percentile(page_ms, 50)
    report.measure(
        "journal_page_ms",
        page_median,
        "ms",
        f"journal page (GET /journal), {args.entries:,} entries, median of {len(page_ms)}",
        headline=True,
    )
    report.measure(
        "journal_page_max_ms", max(page_ms), "ms", "journal page, slowest of the timed GETs"
    )
    page_cpu = percentile(page_cpu_ms, 50)
    report.measure(
        "journal_page_cpu_ms",
        page_cpu,
        "ms",
        f"server CPU time per journal page, {args.entries:,} entries, median of {len(page_ms)}",
        headline=True,
    )
    invalid = results["invalid_journal_post"]
    report.measure(
        "invalid_post_answer_ms",
        invalid["load_mean_s"] * 1000,
        "ms",
        "an invalid journal form post's answer (the page again), mean during its phase",
    )
    report.ratio(
        "journal_page_over_static",
        "journal_page_ms",
        "idle_p50_ms",
        "journal page / a static file (idle p50)",
    )
    print(f"journal page, {args.entries:,} entries: median {page_median:.0f} ms, "
          f"max {max(page_ms):.0f} ms ({len(page_ms)} GETs), server CPU {page_cpu:.0f} ms "
          f"a page; invalid post answered in "
          f"{invalid['load_mean_s'] * 1000:.0f} ms on average")  # fmt: skip
    # Checked on the server's CPU time: on a shared machine the wall time mostly measures
    # the other processes (both are in the JSON).
    report.goal(
        "journal_page",
        f"journal page with {args.entries:,} entries (server CPU time)",
        page_cpu,
        "<",
        GOAL_PAGE_MS,
        "ms",
    )
    report.extra = {
        "phases": results,
        "seconds": seconds,
        "import_bytes": len(document),
        "journal_page_ms": page_ms,
        "journal_page_cpu_ms": page_cpu_ms,
    }
    return report.finish(args)


if __name__ == "__main__":
    sys.exit(main())

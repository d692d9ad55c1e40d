"""Video upload over loopback: a 100 MB clip into `backcheck serve --network` (paired).

Run: .venv/bin/python bench/upload_bench.py [--mb 100] [--clip PATH] [--browser] [--quick]
[--json FILE] [--check] (or `make bench`; --browser also sends it through Chromium's upload
form, XHR + progress bar; --quick sends 30 MB; the JSON is bench_report.py's shape).
The clip is a real one from ../shared/data padded with an MP4 'free' box to the size (a
valid MP4, built in a temp dir and deleted after). Figures: upload time and MB/s, the server's
peak memory (RSS sampled every 10 ms, against its RSS before the upload), and two
references measured in the same run: the same client posting the same file to a bare
uvicorn app that only drains the body (the HTTP stack's and client's share, on the same
cores), and writing + fsyncing the bytes to the same disk. Goals: the server streams (peak
RSS growth under 64 MB for a 100 MB body) and backcheck's own work (pairing check, multipart
parsing, writing, fsync) at most doubles the bare server's time.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import local_server
from bench_report import BenchReport, add_bench_arguments
from machine_info import machine

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = (REPO / ".." / "shared" / "data" / "videos" / "dl_garage_rounded.mp4").resolve()
MB = 1024 * 1024
GOAL_RSS_GROWTH_MB = 64.0
GOAL_SINK_RATIO = 2.0
SINK_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def padded_clip(clip: Path, target: Path, size: int) -> None:
    """The clip followed by one MP4 'free' box, so the file is ``size`` bytes and still valid."""
    head = clip.read_bytes()
    pad = size - len(head)
    if pad < 8:
        raise SystemExit(f"the clip is already {len(head)} bytes")
    with target.open("wb") as f:
        f.write(head)
        f.write(pad.to_bytes(4, "big") + b"free")
        chunk = bytes(MB)
        left = pad - 8
        while left > 0:
            f.write(chunk[: min(left, MB)])
            left -= min(left, MB)


def rss_mb(pid: int) -> float:
    """The process's resident memory now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler(threading.Thread):
    """Samples a process's RSS every 10 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)


def disk_reference(path: Path, data_path: Path) -> float:
    """Seconds to copy the file to the same disk in 1 MiB chunks and fsync it."""
    start = time.perf_counter()
    with data_path.open("rb") as src, path.open("wb") as dst:
        while chunk := src.read(MB):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def post_file(client: httpx.Client, path: str, video: Path) -> tuple[float, httpx.Response]:
    """Seconds to post the file as the form's multipart upload, and the answer."""
    with video.open("rb") as f:
        start = time.perf_counter()
        r = client.post(
            path,
            files={"video": (video.name, f, "video/mp4")},
            data={"lift": "deadlift"},
        )
        return time.perf_counter() - start, r


def sink_reference(video: Path) -> float:
    """Seconds to post the file to a bare uvicorn app that drains the body."""
    port = local_server.free_port()
    process = subprocess.Popen([sys.executable, "-c", SINK_APP, str(port)])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    client.get("/")
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            elapsed, r = post_file(client, "/", video)
            assert r.status_code == 202
            return elapsed
    finally:
        process.terminate()
        process.wait(timeout=15)


def socket_reference(data_path: Path) -> float:
    """Seconds to push the file through a loopback TCP connection to a reader that drops it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def sink() -> None:
        conn, _ = server.accept()
        with conn:
            while conn.recv(MB):
                pass

    reader = threading.Thread(target=sink, daemon=True)
    reader.start()
    start = time.perf_counter()
    with socket.create_connection(server.getsockname()) as c, data_path.open("rb") as f:
        c.sendfile(f)
    reader.join()
    server.close()
    return time.perf_counter() - start


def browser_upload(url: str, link: str, video: Path) -> tuple[float, int]:
    """Seconds for Chromium at phone size to pair and send the file through the upload form
    (XHR with the progress bar) until the progress page opens; distinct bar values seen."""
    import shutil

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(link)
        page.goto(url + "/analyses")
        page.set_input_files("#video", str(video))
        seen: set[float] = set()
        start = time.perf_counter()
        page.get_by_role("button", name="Upload and analyse").click()
        while "/analyses/" not in page.url and time.perf_counter() - start < 600:
            try:
                value = page.evaluate("() => document.getElementById('upload-bar').value")
                seen.add(round(float(value), 3))
            except (PlaywrightError, TypeError, ValueError):
                pass
            page.wait_for_timeout(100)
        elapsed = time.perf_counter() - start
        ok = "/analyses/" in page.url
        browser.close()
    if not ok:
        raise RuntimeError("the browser upload did not reach the progress page")
    return elapsed, len(seen)


def main() -> int:
    """Build the file, start the server, pair, upload, report, check the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_bench_arguments(parser)
    parser.add_argument("--mb", type=int, help="clip size in MB (100, quick 30)")
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument(
        "--browser", action="store_true", help="also upload through Chromium's upload form"
    )
    args = parser.parse_args()
    megabytes = args.mb or (30 if args.quick else 100)
    report = BenchReport("upload", title="upload", quick=args.quick)
    if not args.clip.exists():
        why = f"the clip is not here: {args.clip}"
        print(f"upload bench: {why}")
        for key, description, comparison, threshold, unit in (
            ("upload_over_bare_app", "upload time / a bare app's", "<=", GOAL_SINK_RATIO, "×"),
            ("rss_growth", "server memory growth per 100 MB", "<", GOAL_RSS_GROWTH_MB, "MB"),
        ):
            report.goal_not_checked(key, description, comparison, threshold, unit, why)
        return report.finish(args)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="backcheck-upload-") as tmp:
        root = Path(tmp)
        video = root / f"clip-{megabytes}mb.mp4"
        padded_clip(args.clip, video, megabytes * MB)
        size_mb = video.stat().st_size / MB
        port = local_server.free_port()
        env = dict(os.environ, BACKCHECK_DATA_DIR=str(root / "data"), PYTHONUNBUFFERED="1")
        env.pop("BACKCHECK_DATABASE_URL", None)
        (root / "data").mkdir()
        log = (root / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-c", "from backcheck.cli.app import main; main()", "serve",
             "--network", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            link = None
            while link is None and time.monotonic() < deadline:
                found = re.search(r"http://\S+/pair/[a-z2-9]+", (root / "server.log").read_text())
                link = found.group(0) if found else None
                time.sleep(0.1)
            if link is None:
                print("upload bench: the server printed no pairing link")
                return 2
            with httpx.Client(base_url=url, timeout=120) as client:
                while time.monotonic() < deadline:
                    try:
                        if client.get("/api/v1/journal/entries").status_code == 401:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                client.get(link)  # pair: the cookie stays in the client
                assert client.get("/api/v1/journal/entries").status_code == 200
                time.sleep(0.5)
                before = rss_mb(process.pid)
                sampler = PeakSampler(process.pid)
                sampler.start()
                upload_s, r = post_file(client, "/api/v1/analyses", video)
                sampler.running = False
                sampler.join()
                browser_s, bar_values, browser_peak = 0.0, 0, 0.0
                if args.browser:
                    devices = client.get("/devices").text
                    fresh = re.search(r'href="(http://[^"]+/pair/[a-z2-9]+)"', devices)
                    if fresh is None:
                        print("upload bench: the devices page shows no pairing link")
                        return 2
                    watch = PeakSampler(process.pid)
                    watch.start()
                    browser_s, bar_values = browser_upload(url, fresh.group(1), video)
                    watch.running = False
                    watch.join()
                    browser_peak = watch.peak
                if r.status_code != 202:
                    print(f"upload bench: the upload was refused: {r.status_code} {r.text[:200]}")
                    return 1
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sink_s = sink_reference(video)
        disk_s = disk_reference(root / "copy.bin", video)
        socket_s = socket_reference(video)
    growth = sampler.peak - before
    upload_rate, disk_rate, socket_rate = size_mb / upload_s, size_mb / disk_s, size_mb / socket_s
    sink_rate = size_mb / sink_s
    print(f"upload of a {size_mb:.0f} MB clip over loopback (network mode, paired):")
    print(f"  upload:              {upload_s:6.2f} s  {upload_rate:7.1f} MB/s")
    print(f"  reference, bare app: {sink_s:6.2f} s  {sink_rate:7.1f} MB/s (uvicorn, drains it)")
    print(f"  reference, disk:     {disk_s:6.2f} s  {disk_rate:7.1f} MB/s (copy + fsync)")
    print(f"  reference, socket:   {socket_s:6.2f} s  {socket_rate:7.1f} MB/s (loopback TCP)")
    print(f"  upload time / bare app: {upload_s / sink_s:.2f}   "
          f"upload speed / disk: {upload_rate / disk_rate:.2f}")  # fmt: skip
    print(f"  server memory: {before:.0f} MB before, peak {sampler.peak:.0f} MB "
          f"(+{growth:.1f} MB for a {size_mb:.0f} MB body)")  # fmt: skip
    if args.browser:
        print(f"  Chromium, phone-size upload form (XHR + progress bar): {browser_s:6.2f} s  "
              f"{size_mb / browser_s:7.1f} MB/s, {bar_values} bar positions seen, "
              f"server peak {browser_peak:.0f} MB")  # fmt: skip
    what = f"{size_mb:.0f} MB clip uploaded over loopback, network mode, paired"
    report.measure("upload_s", upload_s, "s", f"{what} (httpx)")
    report.measure("upload_mb_s", upload_rate, "MB/s", f"{what} (httpx)", headline=True)
    report.reference("bare_app_s", sink_s, "s", "same body to a bare uvicorn app draining it")
    report.reference("bare_app_mb_s", sink_rate, "MB/s", "bare uvicorn app draining the body")
    report.reference("disk_mb_s", disk_rate, "MB/s", "copy + fsync to the same disk")
    report.reference("socket_mb_s", socket_rate, "MB/s", "loopback TCP, reader drops it")
    ratio = report.ratio(
        "upload_over_bare_app", "upload_s", "bare_app_s", "upload time / bare app's time"
    )
    report.ratio("upload_over_disk", "upload_mb_s", "disk_mb_s", "upload speed / disk speed")
    report.measure("server_rss_before_mb", before, "MB", "server memory before the upload")
    report.measure("server_rss_peak_mb", sampler.peak, "MB", "server memory, peak in upload")
    report.measure("server_rss_growth_mb", growth, "MB", "server memory growth in the upload")
    if args.browser:
        report.measure(
            "browser_upload_s", browser_s, "s", "Chromium upload form (XHR + progress bar)"
        )
        report.measure("browser_bar_positions", bar_values, "positions", "progress bar values")
    report.goal(
        "upload_over_bare_app",
        f"{what}: time / a bare uvicorn app draining the same body (same run)",
        ratio,
        "<=",
        GOAL_SINK_RATIO,
        "×",
    )
    report.goal(
        "rss_growth",
        f"server memory growth while receiving the {size_mb:.0f} MB body (it streams)",
        growth,
        "<",
        round(GOAL_RSS_GROWTH_MB * size_mb / 100, 1),
        "MB",
    )
    return report.finish(args)


if __name__ == "__main__":
    sys.exit(main())

"""Helpers of the web tests: settings for a throw-away app, the CSRF token of a page,
polling, and a real server (`backcheck serve` in a subprocess)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from backcheck.web.settings import Settings

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FAKE_RUNNER = "tests.web.fake_runner:FakeRunner"
CLIPS = (REPO / ".." / "shared" / "data" / "videos").resolve()
SCREENSHOTS = REPO / "artifacts" / "screenshots"
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def make_settings(root: Path, **overrides: object) -> Settings:
    """Settings for a throw-away app under ``root``."""
    base = Settings(
        database_url=f"sqlite:///{root / 'app.db'}",
        data_dir=root,
        secret_key="test-secret",
        runner=FAKE_RUNNER,
        job_timeout_s=30,
        allowed_hosts=("testserver", "127.0.0.1", "localhost"),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def csrf_of(client: TestClient, page: str = "/journal") -> str:
    """The form token the page at ``page`` renders for this client."""
    html = client.get(page).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no csrf token on {page}"
    return match.group(1)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, every: float = 0.1) -> None:
    """Poll until ``predicate`` is true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """`backcheck serve` running in a subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    runner: str

    def kill(self) -> None:
        """kill -9, no chance to clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        """What the server printed so far."""
        return (self.data_dir / f"server-{self.port}.log").read_text(errors="replace")

    def pairing_link(self) -> str:
        """The pairing link `serve --network` printed at start."""
        found = re.search(r"https?://\S+/pair/[a-z2-9]+", self.log())
        assert found, self.log()
        return found.group(0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    data_dir: Path,
    *,
    runner: str = FAKE_RUNNER,
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> LiveServer:
    """Start `backcheck serve` on a free port; return once it answers.

    ``extra_args`` (e.g. ``("--network", "--host", "127.0.0.1")``) go to the command; in
    network mode the unpaired 401 counts as answering.
    """
    port = port or free_port()
    env = dict(os.environ)
    env.update(
        BACKCHECK_DATA_DIR=str(data_dir),
        BACKCHECK_ANALYSIS_RUNNER=runner,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]),
    )
    env.pop("BACKCHECK_DATABASE_URL", None)
    log = open(data_dir / f"server-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from backcheck.cli.app import main; main()",
            "serve",
            "--port",
            str(port),
            *extra_args,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    scheme = "https" if "--tls" in extra_args else "http"
    server = LiveServer(f"{scheme}://127.0.0.1:{port}", process, data_dir, port, runner)
    # Generous: on a loaded machine, under coverage, the first answer can take many seconds.
    deadline = time.monotonic() + 90
    while True:
        try:
            probe = server.url + "/api/v1/journal/entries"
            status = httpx.get(probe, timeout=10, verify=False).status_code
            if status == 200 or (status == 401 and "--network" in extra_args):
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError((data_dir / f"server-{port}.log").read_text(errors="replace"))
        time.sleep(0.1)

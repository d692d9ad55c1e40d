"""`backcheck serve` in a subprocess on a free port, as the web benchmarks start it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: Path, *, ready_path: str, timeout_s: float = 30.0
) -> tuple[subprocess.Popen[bytes], str]:
    """`backcheck serve` on the embedded database in ``data_dir``; returns once ``ready_path``
    answers 200 (a benchmark must not time the server's start-up)."""
    port = free_port()
    env = dict(os.environ, BACKCHECK_DATA_DIR=str(data_dir))
    env.pop("BACKCHECK_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from backcheck.cli.app import main; main()", "serve",
         "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + ready_path, timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")

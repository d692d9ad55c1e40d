"""Storage fixtures: a database URL per test, on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started by the tests themselves (Debian's binaries under
/usr/lib/postgresql/*/bin): initdb into a temporary folder, listen on a free port on
127.0.0.1 only, stopped when the session ends. As root, the server runs as `postgres`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa


def _pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL server started by the tests."""

    url: str
    process: subprocess.Popen[bytes]
    root: Path

    def stop(self) -> None:
        """Stop the server (it refuses connections from now on) and remove its files."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb into a temporary folder and start a server on a free port of 127.0.0.1;
    returns once it accepts connections (a URL to its `postgres` database)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found: run `make system-deps`")
    root = Path(tempfile.mkdtemp(prefix="backcheck-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(
        _as_server_user(
            [str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        _as_server_user(
            [
                str(bindir / "postgres"),
                "-D", str(data),
                "-h", "127.0.0.1",
                "-p", str(port),
                "-k", str(root),
                "-c", "fsync=off",
                "-c", "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = PostgresServer(f"postgresql+psycopg://{user}@127.0.0.1:{port}/postgres", process, root)
    engine = sa.create_engine(server.url)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with engine.connect():
                    return server
            except sa.exc.OperationalError:
                if time.monotonic() > deadline or process.poll() is not None:
                    server.stop()
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL server for the session; yields a URL to its `postgres` database."""
    server = start_postgres()
    try:
        yield server.url
    finally:
        server.stop()


def _fresh_pg_database(server_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server: str = request.getfixturevalue("postgres_server")
    return _fresh_pg_database(server)

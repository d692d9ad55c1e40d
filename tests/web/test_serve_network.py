"""`backcheck serve` options of network mode: a non-loopback host needs --network, --tls
files must exist, and --tls serves HTTPS with the user's own certificate (made here with
openssl for the test) and a Secure device cookie."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from backcheck.cli.app import app
from tests.web.web_support import LiveServer, start_server


def test_a_lan_host_without_network_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        result = CliRunner().invoke(app, ["serve", "--host", host])
        assert result.exit_code == 2, host
        assert "--network" in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_missing_tls_files_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(
        app, ["serve", "--network", "--tls", str(tmp_path / "c.pem"), str(tmp_path / "k.pem")]
    )
    assert result.exit_code == 2
    assert "no such file" in result.output and "Traceback" not in result.output


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(tmp_path: Path, certificate: tuple[Path, Path]) -> Iterator[LiveServer]:
    cert, key = certificate
    args = ("--network", "--host", "127.0.0.1", "--tls", str(cert), str(key))
    server = start_server(tmp_path, extra_args=args)
    yield server
    server.stop()


@pytest.mark.slow
def test_tls_serves_https_with_the_users_certificate(
    tls_server: LiveServer, certificate: tuple[Path, Path]
) -> None:
    link = tls_server.pairing_link()
    assert link.startswith("https://127.0.0.1:")
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    with httpx.Client(base_url=tls_server.url, verify=trust) as client:
        assert client.get("/api/v1/journal/entries").status_code == 401
        paired = client.get(link.replace(tls_server.url, ""))
        assert paired.status_code == 303
        assert "; Secure" in paired.headers["set-cookie"]
        assert client.get("/api/v1/journal/entries").status_code == 200
    with pytest.raises(httpx.HTTPError):  # plain HTTP is not served on that port
        httpx.get(f"http://127.0.0.1:{tls_server.port}/", timeout=5)

"""Web app settings: from the environment by default, passed explicitly in tests."""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from backcheck.jobs.runner import DEFAULT_RUNNER_SPEC
from backcheck.storage.db import data_dir, default_database_url
from backcheck.web.pairing.network import NetworkMode

DEFAULT_MAX_UPLOAD = 500 * 1024 * 1024
DEFAULT_MAX_JSON = 2 * 1024 * 1024  # API bodies and forms: a journal of years is far less
DEFAULT_MAX_IMPORT = 128 * 1024 * 1024  # an export carries the analyses' artifact files
DEFAULT_UPLOAD_STALL_S = 30.0  # an upload that sends nothing for this long is dropped
DEFAULT_RUNNER = DEFAULT_RUNNER_SPEC


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start."""

    database_url: str
    data_dir: Path
    secret_key: str
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    max_json_bytes: int = DEFAULT_MAX_JSON
    max_import_bytes: int = DEFAULT_MAX_IMPORT
    upload_stall_s: float = DEFAULT_UPLOAD_STALL_S
    job_timeout_s: float = 900.0
    job_workers: int = 1
    runner: str = DEFAULT_RUNNER
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
    # Network mode (`serve --network`): None keeps the loopback app, without pairing.
    network: NetworkMode | None = None

    @property
    def analyses_dir(self) -> Path:
        """Where uploads and analysis outputs live, one folder per job."""
        return self.data_dir / "analyses"


class SettingsError(ValueError):
    """A BACKCHECK_* variable holds a value the app cannot use; the message says which."""


def _env_number(name: str, default: float, *, whole: bool) -> float:
    """A positive, finite number from the environment (``default`` when unset).

    ``nan`` and ``inf`` parse as floats but would silently disable a limit or a timeout
    (a NaN comparison is always false), so they are refused like any other bad value.
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw.strip()) if whole else float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be {kind} above 0, not {raw[:40]!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be {kind} above 0, not {raw[:40]!r}")
    return value


def _secret(folder: Path) -> str:
    """The signing key for form tokens, created once per data dir (mode 0600)."""
    path = folder / "secret.key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(32)
        tmp = folder / f".secret.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key)
        try:
            os.link(tmp, path)  # atomic: the first server to start wins, the others read it
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip()


def load_settings(*, database_url: str | None = None, host: str | None = None) -> Settings:
    """Settings from the environment (``BACKCHECK_*``), with optional overrides.

    Raises SettingsError for a malformed number and OSError for an unusable data folder.
    """
    folder = data_dir()
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
    if host and host not in hosts:
        hosts = (*hosts, host)
    return Settings(
        database_url=database_url or default_database_url(),
        data_dir=folder,
        secret_key=os.environ.get("BACKCHECK_SECRET_KEY") or _secret(folder),
        max_upload_bytes=int(
            _env_number("BACKCHECK_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD, whole=True)
        ),
        job_timeout_s=_env_number("BACKCHECK_JOB_TIMEOUT_S", 900.0, whole=False),
        runner=os.environ.get("BACKCHECK_ANALYSIS_RUNNER", DEFAULT_RUNNER),
        allowed_hosts=hosts,
    )

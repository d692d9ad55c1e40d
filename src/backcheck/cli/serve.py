"""`backcheck serve`: the local web app (FastAPI + uvicorn) on 127.0.0.1, or with
``--network`` on the local network, where every device has to be paired first."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backcheck.cli.input import fail

if TYPE_CHECKING:
    from fastapi import FastAPI

    from backcheck.web.settings import Settings


def serve_command(
    host: Annotated[
        str | None,
        typer.Option(
            "--host", help="Address to bind (default 127.0.0.1; with --network every interface)."
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="BACKCHECK_DATABASE_URL",
            help="SQLAlchemy URL (default: SQLite in the user data folder).",
        ),
    ] = None,
    network: Annotated[
        bool,
        typer.Option(
            "--network",
            help="Serve the local network (e.g. your phone); every device must be paired first.",
        ),
    ] = False,
    tls: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            "--tls",
            metavar="CERT KEY",
            help="Serve HTTPS with your own certificate and key files (PEM).",
        ),
    ] = None,
) -> None:
    """Start the web app: interview, pain journal, video check and report in the browser."""
    import uvicorn

    from backcheck.storage import folder_lock, open_database
    from backcheck.storage.db import display_url
    from backcheck.storage.files import use_private_umask
    from backcheck.web.app import create_app, keep_loop_responsive
    from backcheck.web.settings import SettingsError, load_settings

    use_private_umask()  # everything the server writes in the data folder: 0600 / 0700
    bind = host if host is not None else ("0.0.0.0" if network else "127.0.0.1")
    if not network and not is_loopback(bind):
        fail(
            f"--host {bind} would serve other machines without pairing; "
            "add --network to require paired devices."
        )
    if tls is not None:
        for path in tls:
            if not path.is_file():
                fail(f"--tls: no such file: {path}")
    try:
        settings = load_settings(database_url=database_url, host=bind)
    except SettingsError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot use the data folder: {exc}")
    try:  # one server per data folder; held until this process ends (kill -9 included)
        folder_lock.acquire(settings.data_dir)
    except folder_lock.FolderInUse as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot lock the data folder {settings.data_dir}: {exc.strerror or exc}")
    shown = display_url(settings.database_url)
    try:  # fail with one line, before the server starts, if the database is unusable
        open_database(settings.database_url).close()
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(
            f"backcheck: error: cannot open the database {shown}: {exc.__class__.__name__}: "
            f"{first}",
            err=True,
        )
        raise typer.Exit(2) from None
    scheme = "https" if tls else "http"
    if network:
        settings = _network_settings(settings, bind=bind, port=port, tls=tls is not None)
    app = create_app(settings)
    if settings.network is not None:
        _print_pairing(app, shown)
    else:
        typer.echo(f"backcheck: open {scheme}://{bind}:{port}/ (database: {shown})")
    keep_loop_responsive()
    uvicorn.run(
        app,
        host=bind,
        port=port,
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
    )


def _network_settings(settings: Settings, *, bind: str, port: int, tls: bool) -> Settings:
    """Network mode: the Host allow-list follows the bind address; links use the LAN address."""
    from backcheck.web.pairing.lan import allowed_hosts_for, is_all_interfaces, lan_address
    from backcheck.web.pairing.network import NetworkMode

    link_host = bind
    if is_all_interfaces(bind):
        found = lan_address()
        link_host = found or "127.0.0.1"
        if found is None:
            typer.echo(
                "backcheck: warning: no network address found (is this computer on a network?); "
                "the pairing link below only works on this computer.",
                err=True,
            )
    return replace(
        settings,
        allowed_hosts=allowed_hosts_for(bind),
        network=NetworkMode(bind=bind, port=port, link_host=link_host, tls=tls),
    )


def _print_pairing(app: FastAPI, shown_db: str) -> None:
    """The first pairing link, as text and as a QR code for a phone's camera."""
    from backcheck.web.pairing.qr import qr_terminal

    pairing = app.state.pairing
    link = pairing.network.pairing_link(pairing.codes.issue().code)
    where = "every interface" if pairing.network.bind in ("0.0.0.0", "::") else pairing.network.bind
    typer.echo(
        f"backcheck: network mode on {where}, port {pairing.network.port} (database: {shown_db})\n"
        "Every device must be paired before it sees anything, this computer included.\n"
        "Open this link on the device (or scan the QR code with its camera). It works once,\n"
        "for 10 minutes; a paired device shows new links under Devices.\n\n"
        f"  {link}\n"
    )
    typer.echo(qr_terminal(link))


def is_loopback(host: str) -> bool:
    """True for names and addresses only this machine can reach."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    """Add the serve command to the app."""
    app.command("serve")(serve_command)

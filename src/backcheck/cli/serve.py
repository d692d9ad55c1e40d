"""`backcheck serve`: the local web app (FastAPI + uvicorn) on 127.0.0.1."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from backcheck.cli.input import fail


def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (local only by default).")
    ] = "127.0.0.1",
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
) -> None:
    """Start the web app: interview, pain journal, video check and report in the browser."""
    if not is_loopback(host):
        typer.echo(
            f"backcheck: error: --host {host} would let any machine on the network use the app "
            "without a password; run `backcheck serve --network` (network mode, with pairing) "
            "to use it from a phone, or bind 127.0.0.1.",
            err=True,
        )
        raise typer.Exit(2)
    import uvicorn

    from backcheck.storage import open_database
    from backcheck.storage.db import display_url
    from backcheck.web.app import create_app
    from backcheck.web.settings import SettingsError, load_settings

    try:
        settings = load_settings(database_url=database_url, host=host)
    except SettingsError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot use the data folder: {exc}")
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
    typer.echo(f"backcheck: open http://{host}:{port}/ (database: {shown})")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=5,
    )


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

"""The `backcheck` command: one Typer app, each command group registered from its own module."""

from __future__ import annotations

import sys

import typer

from backcheck.cli import analyze, core_commands, serve
from backcheck.cli.input import printable

app = typer.Typer(
    name="backcheck",
    help="Lower back pain after lifting: red flags first, then causes, a plan and form checks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each adapter module exposes `register(app)`; adding a command group is one line here.
core_commands.register(app)
analyze.register(app)
serve.register(app)


def main() -> None:
    """Entry point for the console script.

    A usage error (unknown option, bad choice, unreadable path given to an option) is one plain
    line with exit status 2, like every other bad input, instead of Typer's framed box.
    """
    try:
        status = app(standalone_mode=False)
    except typer.TyperException as exc:  # Typer's own click: usage errors and the like
        if type(exc).__name__ == "NoArgsIsHelpError":  # plain `backcheck`: the help, as before
            typer.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        context = getattr(exc, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        typer.echo(f"backcheck: error: {printable(exc.format_message())}{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("backcheck: stopped", err=True)
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)

"""The `backcheck` command: one Typer app, each command group registered from its own module."""

from __future__ import annotations

import typer

from backcheck.cli import analyze, core_commands, serve

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
    """Entry point for the console script."""
    app()

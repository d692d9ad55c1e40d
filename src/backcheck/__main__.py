"""`python -m backcheck` runs the CLI."""

from backcheck.cli.app import main

main()

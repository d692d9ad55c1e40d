"""Command-line adapter: parses arguments, calls the core, prints results."""

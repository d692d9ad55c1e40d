"""Tests of the benchmark tooling (bench/): the shared JSON, the runner, the README table."""

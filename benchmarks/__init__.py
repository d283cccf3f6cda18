"""Firebell benchmarks: plain scripts, run as `python -m benchmarks.<name>` (see README.md)."""

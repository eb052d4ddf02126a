"""Benchmarks (``make bench``). ``python -m bench.api`` measures the booking API on a real server."""

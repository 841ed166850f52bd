"""Benchmarks of the nightly consolidation (`make bench` runs :mod:`bench.run`)."""

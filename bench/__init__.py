"""Benchmarks, run by `make bench`; results are recorded in bench/RESULTS.md."""

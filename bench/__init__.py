"""Benchmarks: generated inputs and timing scripts (not part of the package)."""

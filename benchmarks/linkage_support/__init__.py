"""Helpers for benchmarks/linkage.py: datasets, the three methods, and the measures."""

"""Benchmark of the workflow at region … country scale (SPEC §11); see docs/performance.md."""

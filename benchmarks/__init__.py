"""Measured, not asserted: speed and scale figures for docs/benchmarks.md.

Run everything in one process and one run with `python -m benchmarks` (see __main__.py);
each family is a module: floor, query, build, start, scale. Memory is measured in each.
"""

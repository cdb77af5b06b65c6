"""Benchmarks: ``python -m bench.NAME [--quick]``. Each measures its baseline in the same run, prints a
table, and ends with one line of JSON holding its figures and the targets it was checked against."""

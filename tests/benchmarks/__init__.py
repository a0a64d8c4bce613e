"""Benchmarks: ``python -m tests.benchmarks [--events N]``. Each figure is one JSON line on
stdout, with a physical baseline measured in the same run; targets go to stderr, never into a
pass/fail (pytest does not collect this folder)."""

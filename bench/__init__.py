"""Benchmarks: journey throughput against the bare-Temporal ceiling, query latency, history
cost, event-store write rate and time-skipping speed. `python -m bench` runs them all.

Benchmarks measure; they assert nothing about speed. CI runs `--quick` only to show that
every stage still works.
"""

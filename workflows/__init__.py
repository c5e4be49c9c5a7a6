"""Temporal workflows. Deterministic code only: no I/O, no clock, no randomness."""

"""The `itc` command line: thin wiring over runtime/, so scripts and the CLI share one code path."""

"""The protocol's rules as pure code: no I/O, no clock, nothing from Temporal."""

"""Runtime entry points: settings, logging, the Temporal client and the embedded dev stack."""

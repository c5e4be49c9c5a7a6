"""Whole-trial simulation: the real journey workflows and rules on the time-skipping server,
driven by a simulated site, lab and supervisor whose behaviour is drawn from a parameters file."""

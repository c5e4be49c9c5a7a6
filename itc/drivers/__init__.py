"""Scripted staff actions that drive a ParticipantJourneyWorkflow end to end.

Shared by the workflow tests (time-skipping test server, mocked activities) and the
benchmarks (the same scripts against the real dev server), so both exercise one path.
"""

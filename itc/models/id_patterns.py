"""The patterns of the engine's identifiers, apart from the input models that apply them, so
that a command line checking a study ID before it asks the API need not build those models."""

from __future__ import annotations

PARTICIPANT_ID_PATTERN = r"^[A-Z][A-Z0-9]{1,9}-\d{3,5}$"
ACTOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"

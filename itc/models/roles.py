"""The roles staff act in, and the actions they take.

Who may take which action, and everything else about an action, is in `itc.actions`: the
one table the API, the dashboard forms, the CLI and the journey's Update validators all
check, so a refusal reads the same wherever it happens. These enums stay here, apart
from it, because the input models the registry lists name a role themselves, and the actor
assertion (`itc.models.identity`) names a signature's meaning.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATIONS = "operations"
    LAB = "lab"
    SUPERVISOR = "supervisor"
    # The investigator's clinical judgements (eligibility, adverse-event grading and attribution,
    # response) and the quality unit's product release; listed after the original three so
    # every earlier refusal message reads as it did.
    INVESTIGATOR = "investigator"
    QUALITY = "quality"


class Action(StrEnum):
    """Values are the URL segments of the record routes, and match the `itc record` commands."""

    READ = "read"
    START = "start"
    LAB_RESULTS = "lab-results"
    ELIGIBILITY = "eligibility"
    SCAN = "scan"
    BIOPSY = "biopsy"
    MILESTONE = "milestone"
    INFUSION = "infusion"
    ADVERSE_EVENT = "adverse-event"
    NEW_THERAPY = "new-therapy"
    WITHDRAWAL = "withdrawal"
    DEATH = "death"
    DECISION = "decision"
    CUSTODY = "custody"
    QUALITY_DECISION = "quality-decision"
    BEDSIDE = "bedside"
    TRIAL_RESUME = "trial-resume"


class SignatureMeaning(StrEnum):
    """What an electronic signature on the action attests (21 CFR 11.50)."""

    PERFORMED = "performed"
    VERIFIED = "verified"
    REVIEWED = "reviewed"
    APPROVED = "approved"

"""Who may do what: the one table the API, the dashboard forms and the journey's Update
validators all check, so a refusal reads the same wherever it happens.

Reading (status, list, timeline, audit) is open to every role; each write belongs to the
roles whose staff actually perform it, so a token leaked from the lab cannot, say, record
a death or a supervisor's decision.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATIONS = "operations"
    LAB = "lab"
    SUPERVISOR = "supervisor"


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
    WITHDRAWAL = "withdrawal"
    DEATH = "death"
    DECISION = "decision"
    TRIAL_RESUME = "trial-resume"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OPERATIONS: frozenset(
        {
            Action.READ,
            Action.START,
            Action.LAB_RESULTS,
            Action.ELIGIBILITY,
            Action.SCAN,
            Action.BIOPSY,
            Action.INFUSION,
            Action.ADVERSE_EVENT,
            Action.WITHDRAWAL,
            Action.DEATH,
        }
    ),
    Role.LAB: frozenset({Action.READ, Action.LAB_RESULTS, Action.MILESTONE}),
    Role.SUPERVISOR: frozenset({Action.READ, Action.DECISION, Action.TRIAL_RESUME}),
}

# Each record action is one workflow Update (names as in runtime.journeys.UPDATE_INPUTS).
RECORD_UPDATES: dict[Action, str] = {
    Action.LAB_RESULTS: "record_lab_results",
    Action.ELIGIBILITY: "record_eligibility_assessment",
    Action.SCAN: "record_scan_result",
    Action.BIOPSY: "record_biopsy_collected",
    Action.MILESTONE: "record_manufacturing_milestone",
    Action.INFUSION: "record_infusion_administered",
    Action.ADVERSE_EVENT: "record_adverse_event",
    Action.WITHDRAWAL: "record_withdrawal",
    Action.DEATH: "record_death",
    Action.DECISION: "record_supervisor_decision",
}

# How a refusal names the action: "The lab role may not <describe>".
DESCRIPTIONS: dict[Action, str] = {
    Action.READ: "read journeys",
    Action.START: "start a journey",
    Action.LAB_RESULTS: "record lab results",
    Action.ELIGIBILITY: "record an eligibility assessment",
    Action.SCAN: "record a scan",
    Action.BIOPSY: "record a biopsy",
    Action.MILESTONE: "record a manufacturing milestone",
    Action.INFUSION: "record an infusion",
    Action.ADVERSE_EVENT: "record an adverse event",
    Action.WITHDRAWAL: "record a withdrawal",
    Action.DEATH: "record a death",
    Action.DECISION: "record a supervisor decision",
    Action.TRIAL_RESUME: "resume the trial",
}


def allowed(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def roles_for(action: Action) -> list[Role]:
    return [role for role in Role if allowed(role, action)]


def role_refusal(role: Role | None, action: Action) -> str | None:
    """Why `role` may not take `action`, or None when it may. The role is optional in the input
    models only so that histories from before roles still replay: a new action must name one."""
    if role is None:
        permitted = ", ".join(r.value for r in roles_for(action))
        return f"Say which role you act in (role: {permitted}); every staff action must declare one."
    return None if allowed(role, action) else refusal_message(role, action)


def refusal_message(role: Role, action: Action) -> str:
    permitted = ", ".join(role.value for role in roles_for(action))
    return f"The {role.value} role may not {DESCRIPTIONS[action]}; that is for: {permitted}."


ACTION_OF_UPDATE: dict[str, Action] = {update: action for action, update in RECORD_UPDATES.items()}

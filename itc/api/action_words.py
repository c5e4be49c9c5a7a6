"""The action registry's labels (`itc.actions.registry`), as plain words: the command line's
reading commands show them (through `itc.api.labels`) without building the registry's input
models, which would cost those commands most of their start-up. A test checks that they equal the
registry's, so a label changed or added there fails until it is changed or added here too."""

from __future__ import annotations

from collections.abc import Mapping

from itc.models.roles import Action

# Each action's `label`, in the registry's order.
ACTION_LABELS: Mapping[Action, str] = {
    Action.READ: "Read",
    Action.START: "Consent",
    Action.LAB_RESULTS: "Lab results",
    Action.ELIGIBILITY: "Eligibility",
    Action.SCAN: "Scan",
    Action.BIOPSY: "Biopsy",
    Action.MILESTONE: "Manufacturing milestone",
    Action.INFUSION: "Infusion",
    Action.ADVERSE_EVENT: "Adverse event",
    Action.NEW_THERAPY: "New anticancer therapy",
    Action.WITHDRAWAL: "Withdrawal",
    Action.DEATH: "Death",
    Action.DECISION: "Supervisor decision",
    Action.CUSTODY: "Custody handoff",
    Action.QUALITY_DECISION: "Quality decision",
    Action.BEDSIDE: "Bedside check",
    Action.TRIAL_RESUME: "Trial resume",
}

# Each staff action's Update name and its `label`.
UPDATE_LABELS: Mapping[str, str] = {
    "record_lab_results": "Lab results",
    "record_eligibility_assessment": "Eligibility",
    "record_scan_result": "Scan",
    "record_biopsy_collected": "Biopsy",
    "record_manufacturing_milestone": "Manufacturing milestone",
    "record_infusion_administered": "Infusion",
    "record_adverse_event": "Adverse event",
    "record_new_anticancer_therapy": "New anticancer therapy",
    "record_withdrawal": "Withdrawal",
    "record_death": "Death",
    "record_supervisor_decision": "Supervisor decision",
    "record_custody_handoff": "Custody handoff",
    "record_quality_decision": "Quality decision",
    "record_bedside_verification": "Bedside check",
}

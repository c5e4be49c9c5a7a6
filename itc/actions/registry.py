"""Every action staff take on the trial, once: its name, its Update, its input model, who may
take it and how people see it. The permission table, the refusal messages, the API's record
routes, the dashboard's form titles, the CLI's record commands and the test drivers' roles are
all read from here, so an action cannot be allowed in one place and missing in another.

Adding a staff action is one `Action` member (its URL segment and CLI command) and one entry
below, plus its core logic: the journey's Update handler and validator taking `input_model`.
The API route, the permission check, the refusal message and a CLI command taking `--json`
follow from the entry; command-line flags beyond `--json` (`itc.cli.record`) and a dashboard
form (a reader in `itc.api.forms` and `templates/forms/<action>.html`) are optional extras,
each checked against this registry by the tests.

Reading (status, list, timeline, audit) is open to every role; each write belongs to the
roles whose staff actually perform it, so a token leaked from the lab cannot, say, record a
death or a supervisor's decision.

This module imports models only: the journey's Update validators read it inside the
workflow sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import BaseModel

from itc.models import custody, inputs
from itc.models.enums import EventType
from itc.models.roles import Action, Role, SignatureMeaning
from itc.models.trial import ResumeTrialInput


@dataclass(frozen=True, kw_only=True)
class ActionSpec:
    action: Action
    roles: frozenset[Role]
    # How a refusal names the action: "The lab role may not <description>".
    description: str
    # A short name for lists and menus (the API docs list the record routes by it).
    label: str
    # One sentence on what the action does, for command and route help.
    help: str
    # The workflow Update that carries the action; None for what is not an Update on a journey.
    update: str | None = None
    input_model: type[BaseModel] | None = None
    # The dashboard form's heading; None where the dashboard has no such form.
    form_title: str | None = None
    # Actions whose record carries an electronic signature (21 CFR 11.50): what the recorder's
    # signature means, and the event it signs. A second person may add a "verified" signature.
    signature_meaning: SignatureMeaning | None = None
    signed_event: EventType | None = None
    # Only the records of `signed_event` whose payload holds these values carry the signature
    # (the product release QC among the manufacturing milestones); empty: every record.
    signed_payload: tuple[tuple[str, str], ...] = ()
    # The role whose signature carries the meaning when it need not be the recorder's: the
    # quality unit accepts a product release that the lab may have recorded.
    approving_role: Role | None = None
    # A trial decision (its `action`) the signature is on, for an action recorded by the trial
    # rather than on a journey.
    signed_trial_decision: str | None = None

    def permits(self, role: Role) -> bool:
        return role in self.roles

    @property
    def permitted_roles(self) -> list[Role]:
        """In `Role` order, so every message lists them alike."""
        return [role for role in Role if role in self.roles]


@dataclass(frozen=True, kw_only=True)
class StaffActionSpec(ActionSpec):
    """A staff action on a participant's journey: one Update, recorded through a form."""

    update: str
    input_model: type[inputs.StaffAction]
    form_title: str

    @property
    def reason_required(self) -> bool:
        """Whether every record of this action must say why, not only a correction."""
        return self.input_model.model_fields["reason"].is_required()


OPERATIONS = frozenset({Role.OPERATIONS})
LAB = frozenset({Role.LAB})
SUPERVISOR = frozenset({Role.SUPERVISOR})
# Clinical judgements: the operations team records them, the investigator makes them.
CLINICAL = frozenset({Role.OPERATIONS, Role.INVESTIGATOR})
# The lab reports manufacturing; the quality unit accepts the product's release.
MANUFACTURING = frozenset({Role.LAB, Role.QUALITY})
QUALITY = frozenset({Role.QUALITY})

STAFF_ACTIONS: tuple[StaffActionSpec, ...] = (
    StaffActionSpec(
        action=Action.LAB_RESULTS,
        update="record_lab_results",
        input_model=inputs.RecordLabResultsInput,
        roles=frozenset({Role.OPERATIONS, Role.LAB}),
        description="record lab results",
        label="Lab results",
        form_title="Lab results and assessments",
        help="Lab results and assessments (screening, baseline, pre-infusion, toxicity checks).",
    ),
    StaffActionSpec(
        action=Action.ELIGIBILITY,
        update="record_eligibility_assessment",
        input_model=inputs.RecordEligibilityAssessmentInput,
        roles=CLINICAL,
        description="record an eligibility assessment",
        label="Eligibility",
        form_title="Eligibility assessment",
        help="The investigator's eligibility assessment (the clinical criteria labs cannot show).",
        signature_meaning=SignatureMeaning.APPROVED,
        signed_event=EventType.ELIGIBILITY_ASSESSMENT_RECORDED,
    ),
    StaffActionSpec(
        action=Action.SCAN,
        update="record_scan_result",
        input_model=inputs.RecordScanResultInput,
        roles=CLINICAL,
        description="record a scan",
        label="Scan",
        form_title="CT scan (RECIST 1.1)",
        help="A CT scan with RECIST 1.1 target lesions.",
        signature_meaning=SignatureMeaning.REVIEWED,
        signed_event=EventType.SCAN_RECORDED,
    ),
    StaffActionSpec(
        action=Action.BIOPSY,
        update="record_biopsy_collected",
        input_model=inputs.RecordBiopsyCollectedInput,
        roles=OPERATIONS,
        description="record a biopsy",
        label="Biopsy",
        form_title="Biopsy collected",
        help="The skin biopsy was collected; its sample ID starts the chain of identity.",
    ),
    StaffActionSpec(
        action=Action.MILESTONE,
        update="record_manufacturing_milestone",
        input_model=inputs.RecordManufacturingMilestoneInput,
        roles=MANUFACTURING,
        description="record a manufacturing milestone",
        label="Manufacturing milestone",
        form_title="Manufacturing milestone",
        help="A manufacturing milestone reported by the lab.",
        # Product release acceptance: quality approves the release QC, whoever recorded it.
        signature_meaning=SignatureMeaning.APPROVED,
        signed_event=EventType.MANUFACTURING_MILESTONE_RECORDED,
        signed_payload=(("milestone", "product_release_qc"),),
        approving_role=Role.QUALITY,
    ),
    StaffActionSpec(
        action=Action.INFUSION,
        update="record_infusion_administered",
        input_model=inputs.RecordInfusionAdministeredInput,
        roles=OPERATIONS,
        description="record an infusion",
        label="Infusion",
        form_title="Infusion given",
        help="An infusion was administered.",
        signature_meaning=SignatureMeaning.PERFORMED,
        signed_event=EventType.INFUSION_ADMINISTERED,
    ),
    StaffActionSpec(
        action=Action.ADVERSE_EVENT,
        update="record_adverse_event",
        input_model=inputs.RecordAdverseEventInput,
        roles=CLINICAL,
        description="record an adverse event",
        label="Adverse event",
        form_title="Adverse event",
        help="An adverse event (new, or an update to one by --ae-id).",
        signature_meaning=SignatureMeaning.REVIEWED,
        signed_event=EventType.ADVERSE_EVENT_RECORDED,
    ),
    StaffActionSpec(
        action=Action.NEW_THERAPY,
        update="record_new_anticancer_therapy",
        input_model=inputs.RecordNewAnticancerTherapyInput,
        roles=OPERATIONS,
        description="record a new anticancer therapy",
        label="New anticancer therapy",
        form_title="New anticancer therapy",
        help="The participant started another anticancer therapy: PFS is censored before it (FDA 2018).",
    ),
    StaffActionSpec(
        action=Action.WITHDRAWAL,
        update="record_withdrawal",
        input_model=inputs.RecordWithdrawalInput,
        roles=OPERATIONS,
        description="record a withdrawal",
        label="Withdrawal",
        form_title="Withdrawal of consent",
        help="The participant withdrew consent: all future contact stops.",
    ),
    StaffActionSpec(
        action=Action.DEATH,
        update="record_death",
        input_model=inputs.RecordDeathInput,
        roles=OPERATIONS,
        description="record a death",
        label="Death",
        form_title="Death",
        help="The participant died.",
    ),
    StaffActionSpec(
        action=Action.DECISION,
        update="record_supervisor_decision",
        input_model=inputs.RecordSupervisorDecisionInput,
        roles=SUPERVISOR,
        description="record a supervisor decision",
        label="Supervisor decision",
        form_title="Supervisor decision",
        help="A supervisor's decision (re-biopsy, off-study, continue manufacturing, SAE/SUSAR reported).",
        signature_meaning=SignatureMeaning.APPROVED,
        signed_event=EventType.SUPERVISOR_DECISION_RECORDED,
    ),
    # One action for every handoff, with its kind: each is the same scan, who, when, where and
    # temperature, and the journey checks their order, so one form and one command cover them.
    StaffActionSpec(
        action=Action.CUSTODY,
        update="record_custody_handoff",
        input_model=custody.RecordCustodyHandoffInput,
        roles=frozenset({Role.OPERATIONS, Role.LAB}),
        description="record a custody handoff",
        label="Custody handoff",
        form_title="Custody handoff (scan the unit)",
        help="A unit changed hands (shipped, received, released, stored, thawed, at the bedside): scan it and give the temperatures.",
    ),
    StaffActionSpec(
        action=Action.QUALITY_DECISION,
        update="record_quality_decision",
        input_model=custody.RecordQualityDecisionInput,
        roles=QUALITY,
        description="record a quality decision",
        label="Quality decision",
        form_title="Quality decision on a unit on hold",
        help="Quality releases a unit on hold under deviation, or discards it.",
        signature_meaning=SignatureMeaning.APPROVED,
        signed_event=EventType.QUALITY_DECISION_RECORDED,
    ),
    StaffActionSpec(
        action=Action.BEDSIDE,
        update="record_bedside_verification",
        input_model=custody.RecordBedsideVerificationInput,
        roles=OPERATIONS,
        description="record a bedside verification",
        label="Bedside check",
        form_title="Bedside check (two people, before each infusion)",
        help="One person's check of the participant, the COI, the bag and the time since thaw; an infusion needs two.",
        signature_meaning=SignatureMeaning.VERIFIED,
        signed_event=EventType.BEDSIDE_VERIFICATION_RECORDED,
    ),
)

ENTRIES: tuple[ActionSpec, ...] = (
    ActionSpec(
        action=Action.READ,
        roles=frozenset(Role),
        description="read journeys",
        label="Read",
        help="The cohort list, and one journey's status, timeline and audit trail.",
    ),
    ActionSpec(
        action=Action.START,
        input_model=inputs.ConsentRecord,
        roles=OPERATIONS,
        description="start a journey",
        label="Consent",
        help="Informed consent is signed: start the participant's journey.",
    ),
    *STAFF_ACTIONS,
    ActionSpec(
        action=Action.TRIAL_RESUME,
        input_model=ResumeTrialInput,
        roles=SUPERVISOR,
        description="resume the trial",
        label="Trial resume",
        help="Resume enrolment and infusions after a safety pause, with the reason recorded.",
        signature_meaning=SignatureMeaning.APPROVED,
        signed_trial_decision="resume",
    ),
)


def _index() -> Mapping[Action, ActionSpec]:
    index = {entry.action: entry for entry in ENTRIES}
    if len(index) != len(ENTRIES) or set(index) != set(Action):
        missing = sorted(set(Action) - set(index))
        raise RuntimeError(f"every action needs exactly one registry entry; missing: {missing}")
    return MappingProxyType(index)


ACTIONS: Mapping[Action, ActionSpec] = _index()
STAFF_ACTION_OF: Mapping[Action, StaffActionSpec] = MappingProxyType({spec.action: spec for spec in STAFF_ACTIONS})
BY_UPDATE: Mapping[str, StaffActionSpec] = MappingProxyType({spec.update: spec for spec in STAFF_ACTIONS})
SIGNED_BY_EVENT: Mapping[EventType, ActionSpec] = MappingProxyType(
    {spec.signed_event: spec for spec in ENTRIES if spec.signed_event is not None}
)
SIGNED_BY_TRIAL_DECISION: Mapping[str, ActionSpec] = MappingProxyType(
    {spec.signed_trial_decision: spec for spec in ENTRIES if spec.signed_trial_decision is not None}
)


def allowed(role: Role, action: Action) -> bool:
    return ACTIONS[action].permits(role)


def roles_for(action: Action) -> list[Role]:
    return ACTIONS[action].permitted_roles


def role_refusal(role: Role | None, action: Action) -> str | None:
    """Why `role` may not take `action`, or None when it may. The role is optional in the input
    models only so that histories from before roles still replay: a new action must name one."""
    if role is None:
        permitted = ", ".join(r.value for r in roles_for(action))
        return f"Say which role you act in (role: {permitted}); every staff action must declare one."
    return None if allowed(role, action) else refusal_message(role, action)


def refusal_message(role: Role, action: Action) -> str:
    permitted = ", ".join(role.value for role in roles_for(action))
    return f"The {role.value} role may not {ACTIONS[action].description}; that is for: {permitted}."

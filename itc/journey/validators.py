"""Update validators: refuse a staff action that is out of order, impossible, or unknown.

Each function reads the journey state and the time passed in and raises a named
`Refusal`; none changes anything. The role check comes first, in the workflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey import adverse_events, bag_decisions, sae_clocks
from itc.journey.facts import hold_reason, next_milestone, pending_infusion
from itc.journey.refusals import (
    INVALID_VALUE,
    JOURNEY_ENDED,
    NOT_ALLOWED_NOW,
    OUT_OF_ORDER,
    UNKNOWN_REFERENCE,
    refuse,
)
from itc.models.enums import AeCategory, DecisionKind, EventType, ScanKind, Stage
from itc.models.inputs import (
    RecordAdverseEventInput,
    RecordBiopsyCollectedInput,
    RecordDeathInput,
    RecordEligibilityAssessmentInput,
    RecordInfusionAdministeredInput,
    RecordLabResultsInput,
    RecordManufacturingMilestoneInput,
    RecordNewAnticancerTherapyInput,
    RecordScanResultInput,
    RecordSupervisorDecisionInput,
    RecordWithdrawalInput,
    StaffAction,
)
from itc.models.state import JourneyState
from itc.rules.dose import infusion_number_refusal
from itc.rules.lab_catalogue import PRE_INFUSION_LABS
from itc.rules.recist import Lesion, baseline_problems

# Staff clocks drift; a few minutes ahead of the server is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)


def is_retry(state: JourneyState, action: StaffAction) -> bool:
    return action.request_id is not None and action.request_id in state.applied_requests


def _common(state: JourneyState, action: StaffAction, correctable: tuple[EventType, ...] = ()) -> None:
    if state.stage.is_terminal:
        raise refuse(
            JOURNEY_ENDED,
            f"The journey of {state.participant_id} has ended ({state.stage.value}); nothing more can be recorded.",
        )
    if action.corrects_sequence is not None:
        target = next((e for e in state.timeline if e.sequence == action.corrects_sequence), None)
        if target is None:
            raise refuse(UNKNOWN_REFERENCE, f"There is no event {action.corrects_sequence} to correct.")
        if target.type not in {t.value for t in correctable}:
            raise refuse(
                NOT_ALLOWED_NOW,
                f"Event {action.corrects_sequence} is a {target.type}; this action can only correct "
                + (", ".join(t.value for t in correctable) or "nothing"),
            )


def _not_future(value: datetime, now: datetime, field: str) -> None:
    if value > now + CLOCK_SKEW:
        raise refuse(INVALID_VALUE, f"{field} {value.isoformat()} is in the future; enter when it actually happened.")


def _not_before_consent(state: JourneyState, value: datetime, field: str) -> None:
    if value.date() < state.consent.consent_date:
        raise refuse(
            INVALID_VALUE,
            f"{field} {value.date()} is before consent ({state.consent.consent_date}); data from before consent cannot be used.",
        )


def _require_stage(state: JourneyState, allowed: tuple[Stage, ...], what: str) -> None:
    if state.stage not in allowed:
        raise refuse(
            OUT_OF_ORDER,
            f"{what} cannot be recorded in stage {state.stage.value}; it belongs to "
            + " or ".join(s.value for s in allowed)
            + ".",
        )


def validate_lab_results(state: JourneyState, inp: RecordLabResultsInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp, (EventType.LAB_RESULTS_RECORDED,))
    for result in inp.results:
        _not_future(result.collected_at, now, f"{result.code.value} collected_at")
        _not_before_consent(state, result.collected_at, f"{result.code.value} collected_at")
    codes = [r.code for r in inp.results]
    if len(codes) != len(set(codes)):
        raise refuse(
            INVALID_VALUE, "Each lab code may appear once per entry; split repeated measurements into separate entries."
        )


def validate_eligibility_assessment(state: JourneyState, inp: RecordEligibilityAssessmentInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp, (EventType.ELIGIBILITY_ASSESSMENT_RECORDED,))
    _require_stage(state, (Stage.SCREENING,), "An eligibility assessment")
    _not_future(inp.assessed_at, now, "assessed_at")
    _not_before_consent(state, inp.assessed_at, "assessed_at")
    if inp.metastasis_count == 1 and inp.metastasis_site is None:
        raise refuse(INVALID_VALUE, "Give the metastasis_site for the single metastasis.")


def validate_scan_result(state: JourneyState, inp: RecordScanResultInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp, (EventType.SCAN_RECORDED,))
    _not_future(inp.scanned_at, now, "scanned_at")
    _not_before_consent(state, inp.scanned_at, "scanned_at")
    lesions = [Lesion(**lesion.model_dump()) for lesion in inp.target_lesions]
    if inp.kind is ScanKind.BASELINE:
        _require_stage(state, (Stage.BASELINE,), "A baseline scan")
        problems = baseline_problems(lesions, state.protocol.recist)
        if problems:
            raise refuse(INVALID_VALUE, "Baseline target lesions do not meet RECIST 1.1: " + "; ".join(problems))
        return
    if state.baseline_scan is None:
        raise refuse(OUT_OF_ORDER, "No baseline scan is on record, so this scan cannot be assessed.")
    if inp.scanned_at <= state.baseline_scan.scanned_at:
        raise refuse(INVALID_VALUE, "A response or follow-up scan must be later than the baseline scan.")
    if inp.kind is ScanKind.RESPONSE:
        _require_stage(state, (Stage.RESPONSE_ASSESSMENT,), "A response scan")
        if state.response is not None and inp.corrects_sequence is None:
            raise refuse(OUT_OF_ORDER, "The week-8 response scan is already recorded; record a confirmation scan next.")
    elif inp.kind is ScanKind.CONFIRMATION:
        _require_stage(state, (Stage.RESPONSE_ASSESSMENT,), "A confirmation scan")
        if state.confirmation_due_at is None or state.response_scan_at is None:
            raise refuse(OUT_OF_ORDER, "No confirmation is pending: only a CR or PR at the response scan needs one.")
        earliest = state.response_scan_at + timedelta(weeks=state.protocol.response.confirmation_min_weeks)
        if inp.scanned_at < earliest:
            raise refuse(
                INVALID_VALUE,
                f"A confirmation scan must be at least {state.protocol.response.confirmation_min_weeks} weeks after the response scan (on or after {earliest.date()}).",
            )
    elif inp.kind is ScanKind.FOLLOW_UP:
        _require_stage(state, (Stage.FOLLOW_UP,), "A follow-up scan")


def validate_biopsy_collected(state: JourneyState, inp: RecordBiopsyCollectedInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp)
    _require_stage(state, (Stage.BIOPSY,), "A biopsy collection")
    _not_future(inp.collected_at, now, "collected_at")
    _not_before_consent(state, inp.collected_at, "collected_at")
    if any(b.sample_id == inp.sample_id for b in state.biopsies):
        raise refuse(INVALID_VALUE, f"Sample {inp.sample_id} was already used; each biopsy needs a new sample ID.")


def validate_manufacturing_milestone(
    state: JourneyState, inp: RecordManufacturingMilestoneInput, now: datetime
) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp)
    _require_stage(state, (Stage.MANUFACTURING,), "A manufacturing milestone")
    biopsy = state.current_biopsy
    assert biopsy is not None
    if biopsy.failed:
        raise refuse(
            OUT_OF_ORDER,
            "Manufacturing has failed for this sample; a supervisor must decide re-biopsy or off-study first.",
        )
    if inp.sample_id != biopsy.sample_id:
        raise refuse(
            INVALID_VALUE,
            f"Sample {inp.sample_id} is not this participant's current sample ({biopsy.sample_id}); check the chain of identity.",
        )
    expected = next_milestone(biopsy)
    if expected is None or inp.milestone is not expected.milestone:
        raise refuse(
            OUT_OF_ORDER,
            f"Milestones are reported in order; the next one is {expected.milestone.value if expected else 'none'}, not {inp.milestone.value}.",
        )
    _not_future(inp.occurred_at, now, "occurred_at")
    previous = [m.occurred_at for m in biopsy.milestones if m.occurred_at is not None]
    floor = max(previous) if previous else biopsy.collected_at
    if floor is not None and inp.occurred_at < floor:
        raise refuse(
            INVALID_VALUE,
            f"occurred_at {inp.occurred_at.isoformat()} is before the previous step ({floor.isoformat()}).",
        )


def validate_infusion_administered(state: JourneyState, inp: RecordInfusionAdministeredInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    if (beyond_plan := infusion_number_refusal(inp.infusion_number, state.protocol.dosing)) is not None:
        raise refuse(INVALID_VALUE, beyond_plan)
    _common(state, inp)
    _require_stage(state, (Stage.INFUSION,), "An infusion")
    if state.dose_plan is None:
        raise refuse(OUT_OF_ORDER, "There is no dose plan yet; the product must be released first.")
    if state.dlt:
        raise refuse(NOT_ALLOWED_NOW, "A dose-limiting toxicity was recorded; no further infusions may be given.")
    if state.trial_paused:
        raise refuse(
            NOT_ALLOWED_NOW,
            f"Infusions are paused trial-wide until a supervisor resumes the trial: {state.trial_pause_reason}",
        )
    if state.infusions_discontinued:
        raise refuse(NOT_ALLOWED_NOW, f"Infusions were discontinued ({state.discontinuation_reason}).")
    infusion = pending_infusion(state)
    if infusion is None or infusion.number != inp.infusion_number:
        expected = infusion.number if infusion else None
        raise refuse(
            OUT_OF_ORDER,
            f"The next infusion is number {expected}, not {inp.infusion_number}."
            if expected
            else "All planned infusions have been given.",
        )
    held = hold_reason(state)
    if held:
        raise refuse(
            NOT_ALLOWED_NOW, f"Infusion {inp.infusion_number} is on hold: {held}. Record the resolution first."
        )
    _not_future(inp.administered_at, now, "administered_at")
    given = [i.administered_at for i in state.infusions if i.administered_at is not None]
    if given and inp.administered_at <= max(given):
        raise refuse(INVALID_VALUE, "administered_at must be after the previous infusion.")
    biopsy = state.current_biopsy
    if biopsy is None or inp.product_sample_id != biopsy.sample_id:
        raise refuse(
            INVALID_VALUE,
            f"Product {inp.product_sample_id} does not match the released product from sample {biopsy.sample_id if biopsy else '-'}; stop and check the chain of identity.",
        )
    window = timedelta(hours=state.protocol.infusions.pre_infusion_check_hours)
    missing = [
        code.value
        for code in PRE_INFUSION_LABS
        if code.value not in state.labs
        or not (inp.administered_at - window <= state.labs[code.value].collected_at <= inp.administered_at + CLOCK_SKEW)
    ]
    if missing:
        raise refuse(
            OUT_OF_ORDER,
            f"Pre-infusion check incomplete: record {', '.join(missing)} collected within {state.protocol.infusions.pre_infusion_check_hours} h before the infusion.",
        )


def validate_adverse_event(state: JourneyState, inp: RecordAdverseEventInput, now: datetime) -> None:
    _validate_adverse_event_record(state, inp, now)
    if adverse_events.grade(state, inp).grade > 0:
        return
    if inp.category is AeCategory.CRS and state.full_toxicity_grading:
        # No measured value in the message: refusals travel outside the payload codec.
        raise refuse(
            INVALID_VALUE,
            "These findings are not CRS under ASTCT: CRS needs fever of at least 38 °C, or a fever since "
            "masked by antipyretic or anti-cytokine therapy (fever_masked_by). Record hypotension or hypoxia "
            "without fever as a non_haematological adverse event with its CTCAE grade.",
        )
    raise refuse(
        INVALID_VALUE,
        f"The {inp.category.value} findings do not reach grade 1 under ASTCT; nothing to record.",
    )


def _validate_adverse_event_record(state: JourneyState, inp: RecordAdverseEventInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp, (EventType.ADVERSE_EVENT_RECORDED,))
    _not_future(inp.onset_at, now, "onset_at")
    _not_before_consent(state, inp.onset_at, "onset_at")
    if inp.resolved_at is not None:
        _not_future(inp.resolved_at, now, "resolved_at")
    if inp.seriousness_known_at is not None:
        _not_future(inp.seriousness_known_at, now, "seriousness_known_at")
    if inp.ae_id is not None:
        existing = next((ae for ae in state.adverse_events if ae.ae_id == inp.ae_id), None)
        if existing is None:
            raise refuse(UNKNOWN_REFERENCE, f"There is no adverse event {inp.ae_id}; omit ae_id to record a new one.")
        if existing.category is not inp.category:
            raise refuse(
                INVALID_VALUE, f"{inp.ae_id} is a {existing.category.value} event; its category cannot change."
            )


def validate_withdrawal(state: JourneyState, inp: RecordWithdrawalInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp)
    _not_future(inp.withdrawn_at, now, "withdrawn_at")


def validate_new_anticancer_therapy(state: JourneyState, inp: RecordNewAnticancerTherapyInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp, (EventType.NEW_ANTICANCER_THERAPY_RECORDED,))
    _not_future(inp.started_at, now, "started_at")
    first = state.first_infusion_at
    if first is None:
        raise refuse(
            OUT_OF_ORDER,
            "No infusion has been given, so there is no PFS to censor; record an off-study decision instead.",
        )
    if inp.started_at < first:
        raise refuse(INVALID_VALUE, f"started_at is before the first infusion on {first.date()}.")
    if state.new_therapy_started_at is not None and inp.corrects_sequence is None:
        raise refuse(OUT_OF_ORDER, "A new anticancer therapy is already recorded; correct that record instead.")


def validate_death(state: JourneyState, inp: RecordDeathInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    _common(state, inp)
    _not_future(inp.died_at, now, "died_at")
    _not_before_consent(state, inp.died_at, "died_at")


def validate_supervisor_decision(state: JourneyState, inp: RecordSupervisorDecisionInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    decision = inp.decision
    if decision in (DecisionKind.SAE_REPORTED_TO_SPONSOR, DecisionKind.SUSAR_REPORTED):
        # SAE clocks outlive the journey's end, so acknowledgements stay possible.
        if not sae_clocks.open_clocks_reported_by(state, decision, inp.ae_id):
            raise refuse(UNKNOWN_REFERENCE, f"No open {decision.value.replace('_', ' ')} clock for {inp.ae_id}.")
        return
    _common(state, inp)
    if decision in bag_decisions.BAG_DECISIONS:
        bag_decisions.validate(state, decision)
    if decision in (DecisionKind.RE_BIOPSY, DecisionKind.CONTINUE_MANUFACTURING):
        if not state.awaiting_decision:
            raise refuse(
                NOT_ALLOWED_NOW,
                f"{decision.value} is only possible when manufacturing has failed or passed its deadline.",
            )
        biopsy = state.current_biopsy
        if decision is DecisionKind.CONTINUE_MANUFACTURING and biopsy is not None and biopsy.failed:
            raise refuse(NOT_ALLOWED_NOW, "Manufacturing failed for this sample; choose re_biopsy or off_study.")
        rebiopsies = len(state.biopsies) - 1
        if decision is DecisionKind.RE_BIOPSY and rebiopsies >= state.protocol.manufacturing.max_rebiopsies:
            raise refuse(
                NOT_ALLOWED_NOW,
                f"The protocol allows {state.protocol.manufacturing.max_rebiopsies} re-biopsy; only off_study remains.",
            )

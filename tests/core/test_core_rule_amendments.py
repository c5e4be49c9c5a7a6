"""The clinical-rule amendments in the core: each applies only where the journey adopted it."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.journey_builders import STAFF, T0, WORKFLOW_ID, ae_input, event_types, in_stage, infused_state
from itc.journey import adverse_events, endings, new_therapy, response, scans
from itc.journey.amendments import (
    PFS_FDA_2018_CENSORING,
    RECIST_OVERALL_RESPONSE,
    SUSAR_UPGRADE_CLOCK,
)
from itc.journey.moment import Moment
from itc.models.enums import AeCategory, ResponseCategory, SaeClockKind, ScanKind, Stage
from itc.models.inputs import RecordNewAnticancerTherapyInput, RecordScanResultInput, TargetLesion
from itc.models.state import FollowUpCycle, ScanRecord
from itc.rules.recist_overall import NonTargetStatus

DAY = timedelta(days=1)
LAST_INFUSION = T0 + 28 * DAY


def at(moment: datetime, *amendments: str) -> Moment:
    return Moment(now=moment, workflow_id=WORKFLOW_ID, run_id="run-1", amendments=frozenset(amendments))


def responding_state(non_targets: bool = True):
    state = infused_state(infusions_given=3)
    in_stage(state, Stage.RESPONSE_ASSESSMENT, entered_at=LAST_INFUSION, sequence=10)
    state.response_due_at = LAST_INFUSION + timedelta(weeks=8)
    lesion = TargetLesion(lesion_id="L1", organ="lung", diameter_mm=20.0)
    state.scans.append(
        ScanRecord(
            sequence=3,
            kind=ScanKind.BASELINE,
            scanned_at=T0 - 30 * DAY,
            target_lesions=[lesion],
            sum_mm=20.0,
            non_target_status=NonTargetStatus.NON_CR_NON_PD if non_targets else None,
        )
    )
    return state


def scan(kind, when, mm, **extra):
    return RecordScanResultInput(
        actor_id=STAFF,
        kind=kind,
        scanned_at=when,
        target_lesions=[{"lesion_id": "L1", "organ": "lung", "diameter_mm": mm}],
        **extra,
    )


def test_non_target_progression_makes_the_response_pd_recist_table_1():
    """RECIST 1.1 Table 1: target PR with non-target PD is PD, and progression is documented."""
    state = responding_state()
    when = state.response_due_at
    outcome = scans.record(
        state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 12.0, non_target_status="PD")
    )
    assert state.response is ResponseCategory.PD and state.progression_at == when
    assert "ProgressionDocumented" in event_types(outcome)
    recorded = outcome.events[0].payload
    assert recorded["recist"]["response"] == "PR" and recorded["overall"]["response"] == "PD"


def test_target_cr_with_non_targets_present_is_pr_recist_table_1():
    state = responding_state()
    when = state.response_due_at
    scans.record(
        state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 0.0, non_target_status="non_CR_non_PD")
    )
    assert state.response is ResponseCategory.PR


def test_non_targets_not_read_make_a_target_cr_a_pr_recist_table_1():
    state = responding_state()
    when = state.response_due_at
    scans.record(state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 0.0))
    assert state.response is ResponseCategory.PR


def test_without_non_target_lesions_a_target_cr_is_cr():
    state = responding_state(non_targets=False)
    when = state.response_due_at
    scans.record(state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 0.0))
    assert state.response is ResponseCategory.CR


def test_a_lesion_back_after_an_overall_cr_is_pd_eortc_recist_faq():
    """EORTC RECIST FAQ: after an overall CR any reappearance is PD; before the amendment it was PR."""
    for amendments, expected in (((RECIST_OVERALL_RESPONSE,), ResponseCategory.SD), ((), ResponseCategory.PR)):
        state = responding_state(non_targets=False)
        when = state.response_due_at
        scans.record(state, at(when, *amendments), scan(ScanKind.RESPONSE, when, 0.0))
        later = when + timedelta(weeks=4)
        scans.record(state, at(later, *amendments), scan(ScanKind.CONFIRMATION, later, 3.0))
        assert state.scans[-1].response is (ResponseCategory.PD if amendments else ResponseCategory.PR)
        # RECIST 1.1 Table 3: CR then PD is SD once SD lasted the protocol's minimum.
        assert state.confirmed_response is expected


def test_best_response_needs_the_stable_disease_minimum_recist_table_3():
    """RECIST 1.1 section 4.4: SD counts as best response only after the protocol's minimum."""
    state = responding_state(non_targets=False)
    state.protocol = state.protocol.model_copy(
        update={"recist": state.protocol.recist.model_copy(update={"stable_disease_min_days": 200})}
    )
    when = state.response_due_at
    scans.record(state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 19.0))
    assert state.response is ResponseCategory.SD and state.confirmed_response is ResponseCategory.NE


def test_a_confirmed_partial_response_says_why():
    state = responding_state(non_targets=False)
    when = state.response_due_at
    scans.record(state, at(when, RECIST_OVERALL_RESPONSE), scan(ScanKind.RESPONSE, when, 12.0))
    later = when + timedelta(weeks=4)
    outcome = scans.record(state, at(later, RECIST_OVERALL_RESPONSE), scan(ScanKind.CONFIRMATION, later, 11.0))
    assert state.confirmed_response is ResponseCategory.PR
    confirmed = next(e for e in outcome.events if e.type.value == "ResponseConfirmed")
    assert "RECIST 1.1 section 4.4" in confirmed.payload["reason"]
    assert response.is_confirmed(state)


def test_an_upgrade_to_life_threatening_starts_the_seven_day_clock_from_when_it_was_known_ich_e2a():
    """ICH E2A III.A: 7 calendar days from first knowledge that the case qualifies, with the 15-day clock open."""
    state = infused_state()
    first = ae_input(AeCategory.NON_HAEMATOLOGICAL, 3, T0, serious=True, unexpected=True)
    adverse_events.record(state, at(T0 + DAY, SUSAR_UPGRADE_CLOCK), first)
    known = T0 + 3 * DAY
    worse = ae_input(
        AeCategory.NON_HAEMATOLOGICAL, 4, T0, ae_id="AE-1", serious=True, unexpected=True, seriousness_known_at=known
    )
    outcome = adverse_events.record(state, at(T0 + 4 * DAY, SUSAR_UPGRADE_CLOCK), worse)
    assert event_types(outcome).count("SaeClockStarted") == 1
    kinds = [c.clock for c in state.sae_clocks]
    assert kinds == [SaeClockKind.SPONSOR, SaeClockKind.SUSAR_OTHER, SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING]
    seven_day = state.sae_clocks[-1]
    assert seven_day.started_at == known and seven_day.due_at == known + 7 * DAY
    assert state.sae_clocks[1].due_at == T0 + DAY + 15 * DAY  # the 15-day clock keeps running
    assert [c.fatal_or_life_threatening for c in state.adverse_events[0].seriousness_changes] == [False, True]


def test_a_susar_clock_runs_from_when_the_event_was_known_to_be_unexpected_ich_e2a():
    """ICH E2A III.A: the clock runs from first knowledge that the case qualifies as a SUSAR, not from
    when it was first known to be serious."""
    state = infused_state()
    serious = ae_input(AeCategory.NON_HAEMATOLOGICAL, 3, T0, serious=True, seriousness_known_at=T0)
    adverse_events.record(state, at(T0 + DAY, SUSAR_UPGRADE_CLOCK), serious)
    assert [c.clock for c in state.sae_clocks] == [SaeClockKind.SPONSOR]
    known = T0 + 5 * DAY
    unexpected = ae_input(
        AeCategory.NON_HAEMATOLOGICAL, 3, T0, ae_id="AE-1", serious=True, unexpected=True, seriousness_known_at=known
    )
    adverse_events.record(state, at(known, SUSAR_UPGRADE_CLOCK), unexpected)
    susar = state.sae_clocks[-1]
    assert susar.clock is SaeClockKind.SUSAR_OTHER and susar.started_at == known and susar.due_at == known + 15 * DAY
    assert state.sae_clocks[0].started_at == T0  # the sponsor clock still runs from when it was known serious


def test_a_downgrade_after_the_seven_day_clock_starts_no_fifteen_day_clock():
    state = infused_state()
    adverse_events.record(
        state,
        at(T0 + DAY, SUSAR_UPGRADE_CLOCK),
        ae_input(AeCategory.NON_HAEMATOLOGICAL, 4, T0, serious=True, unexpected=True),
    )
    better = ae_input(AeCategory.NON_HAEMATOLOGICAL, 3, T0, ae_id="AE-1", serious=True, unexpected=True)
    outcome = adverse_events.record(state, at(T0 + 2 * DAY, SUSAR_UPGRADE_CLOCK), better)
    assert "SaeClockStarted" not in event_types(outcome)
    assert [c.clock for c in state.sae_clocks] == [SaeClockKind.SPONSOR, SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING]


def follow_up_state():
    state = responding_state(non_targets=False)
    when = state.response_due_at
    scans.record(state, at(when), scan(ScanKind.RESPONSE, when, 19.0))
    state.stage = Stage.FOLLOW_UP
    state.follow_up_ends_at = T0 + 730 * DAY
    return state, when


def test_new_therapy_censors_pfs_at_the_last_adequate_assessment_before_it_fda_2018():
    state, response_scan = follow_up_state()
    started = response_scan + 30 * DAY
    therapy = RecordNewAnticancerTherapyInput(actor_id=STAFF, therapy="capecitabine", started_at=started)
    outcome = new_therapy.record(state, at(started + DAY), therapy)
    assert event_types(outcome) == ["NewAnticancerTherapyRecorded"]
    state.died_at = started + 60 * DAY
    journal_at = at(started + 61 * DAY, PFS_FDA_2018_CENSORING)
    ended = endings.stop(state, journal_at, "deceased", _cancelled())
    assert "PfsDetermined" in event_types(ended)
    assert state.pfs.event is False and state.pfs.end_date == response_scan.date()
    assert state.pfs.censor_reason.startswith("New anticancer therapy")


def test_progression_after_two_missed_follow_ups_is_censored_only_with_the_amendment_fda_2018():
    for amendments, censored in (((PFS_FDA_2018_CENSORING,), True), ((), False)):
        state, response_scan = follow_up_state()
        for cycle, weeks in ((1, 12), (2, 24)):
            due = response_scan + timedelta(weeks=weeks)
            state.follow_up.append(
                FollowUpCycle(
                    cycle=cycle, due_at=due, window_start=due - 7 * DAY, window_end=due + 7 * DAY, missed=True
                )
            )
        progression = response_scan + timedelta(weeks=36)
        state.follow_up.append(
            FollowUpCycle(
                cycle=3, due_at=progression, window_start=progression - 7 * DAY, window_end=progression + 7 * DAY
            )
        )
        scans.record(state, at(progression), scan(ScanKind.FOLLOW_UP, progression, 40.0))
        endings.stop(state, at(progression + DAY, *amendments), "progression", _cancelled())
        assert state.pfs.event is not censored
        if censored:
            assert state.pfs.end_date == response_scan.date()


def _cancelled():
    from itc.models.activity_inputs import CancelledAppointments

    return CancelledAppointments(cancelled=0)

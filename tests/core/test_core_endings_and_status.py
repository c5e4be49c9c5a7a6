"""Endings, the status view, and the journey input that carries the protocol once."""

from __future__ import annotations

from datetime import timedelta

from core.journey_builders import STAFF, T0, at, event_types, in_stage, infused_state, new_state
from itc.journey import endings, notices, status
from itc.journey.commands import SendNotification
from itc.journey.journal import already_applied
from itc.models.activity_inputs import CancelledAppointments
from itc.models.enums import Recipient, Stage
from itc.models.inputs import RecordDeathInput, RecordWithdrawalInput
from itc.models.state import JourneyState, StartJourneyInput
from itc.models.trial import SetTrialPauseInput

DAY = timedelta(days=1)


def test_death_outranks_withdrawal_off_study_and_progression():
    state = in_stage(new_state(), Stage.BASELINE)
    assert endings.interruption(state) is None
    state.progression_at = T0
    assert endings.interruption(state) == "progression"
    state.off_study_reason = "decided"
    assert endings.interruption(state) == "off_study"
    state.withdrawn_at = T0
    assert endings.interruption(state) == "withdrawn"
    state.died_at = T0
    assert endings.interruption(state) == "deceased"
    state.stage = Stage.DECEASED
    assert endings.interruption(state) is None


def test_a_withdrawal_cancels_appointments_and_ends_the_journey_with_pfs_for_the_infused():
    state = infused_state()
    accepted = endings.record_withdrawal(
        state, at(T0 + DAY), RecordWithdrawalInput(actor_id=STAFF, withdrawn_at=T0 + DAY)
    )
    assert event_types(accepted) == ["WithdrawalRecorded"]
    reason = endings.interruption(state)
    assert reason == "withdrawn"
    cancel = endings.cancellation(state, at(T0 + DAY), reason)
    assert cancel.request.idempotency_key == f"journey-ITC-001:{state.last_sequence}:cancel"
    stopped = endings.stop(state, at(T0 + DAY), reason, CancelledAppointments(cancelled=2))
    assert event_types(stopped) == ["AppointmentsCancelled", "PfsDetermined", "StageChanged", "JourneyEnded"]
    assert state.stage is Stage.WITHDRAWN and state.end_reason == "consent withdrawn"


def test_a_death_notifies_the_safety_monitor_at_once():
    state = in_stage(new_state(), Stage.SCREENING)
    outcome = endings.record_death(
        state, at(T0 + DAY), RecordDeathInput(actor_id=STAFF, died_at=T0 + DAY, attribution="unrelated")
    )
    [notice] = outcome.commands
    assert isinstance(notice, SendNotification)
    assert notice.request.recipient is Recipient.SAFETY_MONITOR and notice.request.urgent
    stopped = endings.stop(state, at(T0 + DAY), "deceased", CancelledAppointments(cancelled=0))
    assert event_types(stopped) == ["AppointmentsCancelled", "StageChanged", "JourneyEnded"]


def test_a_retried_action_gets_its_first_answer():
    state = in_stage(new_state(), Stage.SCREENING)
    action = RecordWithdrawalInput(actor_id=STAFF, withdrawn_at=T0, request_id="req-1")
    assert already_applied(state, action) is None
    first = endings.record_withdrawal(state, at(T0), action)
    again = already_applied(state, action)
    assert again is not None and again.sequence == first.accepted.sequence


def test_the_trial_pause_is_recorded_once_and_not_after_the_end():
    state = in_stage(new_state(), Stage.INFUSION)
    pause = SetTrialPauseInput(paused=True, reason="boundary crossed")
    assert event_types(notices.trial_pause_changed(state, at(T0), pause)) == ["TrialPauseChanged"]
    assert event_types(notices.trial_pause_changed(state, at(T0), pause)) == []
    state.stage = Stage.COMPLETED
    assert event_types(notices.trial_pause_changed(state, at(T0), SetTrialPauseInput(paused=False, reason="ok"))) == []


def test_the_status_lists_what_is_due_soonest_first():
    state = in_stage(new_state(), Stage.SCREENING)
    due = status.compute_due(state)
    assert [d.action for d in due] == ["screening_labs", "eligibility_assessment"]
    assert due[0].due_at == T0 + 14 * DAY
    view = status.build_status(state)
    assert view.stage is Stage.SCREENING and view.next_due == due and view.protocol_version == "itc-1.0"


def test_a_continued_journey_carries_its_protocol_once_and_old_inputs_still_decode():
    state = infused_state()
    carried = StartJourneyInput.continuing(state)
    dumped = carried.model_dump(mode="json")
    assert dumped["protocol"] is None and dumped["carried_state"]["protocol"]["version"] == "itc-1.0"
    assert StartJourneyInput.model_validate(dumped).journey_state().infusions_given == 1
    old = {**dumped, "protocol": state.protocol.model_dump(mode="json")}
    assert StartJourneyInput.model_validate(old).journey_state().protocol == state.protocol
    fresh = StartJourneyInput(consent=state.consent)
    assert fresh.journey_state().stage is Stage.SCREENING


def test_state_from_before_the_clean_up_still_reads():
    state = infused_state()
    dumped = state.model_dump(mode="json")
    dumped["due"] = []
    dumped["biopsies"][0]["booked_day"] = None
    assert JourneyState.model_validate(dumped).infusions_given == 1

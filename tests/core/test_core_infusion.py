"""Infusions: prepared when the check window opens, held for toxicity, released, discontinued, finished."""

from __future__ import annotations

from datetime import timedelta

from core.journey_builders import T0, adverse_event, at, event_types, infused_state, lab
from itc.journey import infusion
from itc.journey.commands import BookAppointment, OrderLabs, SendNotification
from itc.models.enums import AeCategory, AppointmentKind, Stage
from itc.rules.config import DEFAULT_PROTOCOL
from itc.rules.lab_catalogue import PRE_INFUSION_LABS, LabCode


def test_the_next_infusion_is_planned_on_the_schedule_and_prepared_when_its_check_window_opens():
    state = infused_state(infusions_given=1)
    second = infusion.next_infusion(state)
    assert second is not None and second.number == 2 and second.target_at == T0 + timedelta(days=14)
    assert infusion.check_opens(state, second) == second.window_start - timedelta(hours=72)
    outcome = infusion.prepare(state, at(infusion.check_opens(state, second)), second)
    assert event_types(outcome) == ["InfusionDue"]
    order, booking = outcome.commands
    assert isinstance(order, OrderLabs) and order.request.codes == list(PRE_INFUSION_LABS)
    assert order.request.purpose == "pre_infusion_2"
    assert isinstance(booking, BookAppointment) and booking.request.kind is AppointmentKind.INFUSION
    assert booking.request.preferred == second.target_at.date()
    assert second.prepared


def test_no_infusion_beyond_the_protocols_count():
    state = infused_state(infusions_given=3)
    assert infusion.next_infusion(state) is None
    two = DEFAULT_PROTOCOL.model_copy(
        update={"dosing": DEFAULT_PROTOCOL.dosing.model_copy(update={"infusion_count": 2})}
    )
    assert infusion.next_infusion(infused_state(two, infusions_given=2)) is None


def pending_second(state):
    second = infusion.next_infusion(state)
    assert second is not None
    second.prepared = True
    return second


def test_an_unresolved_toxicity_holds_the_infusion_and_its_resolution_releases_it_with_a_new_booking():
    state = infused_state(infusions_given=1)
    second = pending_second(state)
    ae = adverse_event(state, AeCategory.NON_HAEMATOLOGICAL, 2, T0 + timedelta(days=5))
    review = infusion.review_hold(state, at(second.window_start), second)
    assert event_types(review.outcome) == ["InfusionHeld"]
    assert isinstance(review.outcome.commands[0], SendNotification)
    assert review.held and second.hold_reason == f"unresolved grade 2 nausea ({ae.ae_id})"
    assert review.wake_at == second.window_start + timedelta(days=14)
    ae.resolved_at = second.window_start + timedelta(days=3)
    assert infusion.hold_changed(state, second, True, ae.resolved_at)
    released = infusion.review_hold(state, at(ae.resolved_at), second)
    assert event_types(released.outcome) == ["InfusionHoldReleased"]
    assert released.rebooking is not None and released.rebooking.request.earliest == ae.resolved_at.date()
    assert second.window_end == ae.resolved_at + timedelta(days=2) and not released.held


def test_a_grade_2_liver_result_holds_but_a_haematological_toxicity_does_not():
    state = infused_state(infusions_given=1)
    second = pending_second(state)
    adverse_event(state, AeCategory.HAEMATOLOGICAL, 3, T0 + timedelta(days=5))
    assert infusion.review_hold(state, at(second.window_start), second).held is False
    state.labs[LabCode.ALT.value] = lab(LabCode.ALT, 150.0, second.window_start)
    review = infusion.review_hold(state, at(second.window_start), second)
    assert review.held and "alt" in (second.hold_reason or "")


def test_a_hold_past_the_limit_discontinues_infusions():
    state = infused_state(infusions_given=1)
    second = pending_second(state)
    adverse_event(state, AeCategory.NON_HAEMATOLOGICAL, 2, T0 + timedelta(days=5))
    infusion.review_hold(state, at(second.window_start), second)
    review = infusion.review_hold(state, at(second.window_start + timedelta(days=14)), second)
    assert review.discontinued and state.infusions_discontinued
    assert event_types(review.outcome) == ["InfusionsDiscontinued"]
    assert infusion.stopped(state)


def test_a_missed_window_is_a_deviation_escalated_once():
    state = infused_state(infusions_given=1)
    second = pending_second(state)
    after = second.window_end + timedelta(seconds=1)
    review = infusion.review_hold(state, at(after), second)
    assert event_types(review.outcome) == ["ProtocolDeviationRecorded", "EscalationRaised"]
    assert event_types(infusion.review_hold(state, at(after), second).outcome) == []


def test_finishing_sets_the_dlt_window_and_the_response_due_date_from_the_last_infusion():
    state = infused_state(infusions_given=3)
    outcome = infusion.finish(state, at(T0 + timedelta(days=30)))
    last = T0 + timedelta(days=28)
    assert event_types(outcome) == ["StageChanged"]
    assert state.stage is Stage.RESPONSE_ASSESSMENT
    assert state.dlt_window_ends_at == last + timedelta(days=28)
    assert state.response_due_at == last + timedelta(weeks=8)


def test_finishing_without_any_infusion_ends_the_journey_off_study():
    state = infused_state(infusions_given=0)
    state.dlt = True
    outcome = infusion.finish(state, at(T0))
    assert event_types(outcome) == ["InfusionsDiscontinued", "StageChanged", "JourneyEnded"]
    assert state.stage is Stage.OFF_STUDY and state.end_reason == "no infusion given (dose-limiting toxicity)"


def test_an_infusion_after_one_moved_for_a_remade_bag_keeps_the_schedules_interval_after_it():
    """Infusions are given in order (a later one before the one moved would be refused as out of
    order), so the next keeps the protocol's interval after the moved one; otherwise the schedule."""
    state = infused_state(infusions_given=1)
    second = pending_second(state)
    on_schedule = second.target_at
    second.replanned_from, second.target_at = on_schedule, on_schedule + timedelta(days=42)
    second.administered_at = second.target_at
    third = infusion.next_infusion(state)
    gap = DEFAULT_PROTOCOL.infusions.schedule_days[2] - DEFAULT_PROTOCOL.infusions.schedule_days[1]
    assert third is not None and third.target_at == second.target_at + timedelta(days=gap)

    unmoved = infused_state(infusions_given=2)
    third = infusion.next_infusion(unmoved)
    assert third is not None
    assert third.target_at == unmoved.first_infusion_at + timedelta(days=DEFAULT_PROTOCOL.infusions.schedule_days[2])

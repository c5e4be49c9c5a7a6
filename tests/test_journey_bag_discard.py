"""A bag quality discards leads to the supervisor's decision (issue: a discard "leads to the
re-manufacture/re-biopsy decision"), on the time-skipping server: a bag re-made from the banked
iPSC line replaces it, within the protocol's limit; or infusions stop and the response is
assessed from those given. 21 CFR 1271.260(d): corrective action is taken and documented
whenever proper storage conditions are not met, so a bag out of its range is discarded or re-made
only by a decision on record, never silently; 21 CFR 1271.265(c)(2)-(3): a unit in quarantine (on
quality hold) is not made available, and one released under a departure needs a responsible
person's recorded determination."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from journey_harness import (
    SUPERVISOR,
    MockServices,
    advance_to,
    drive_to_infusion,
    give_infusion,
    start_journey,
    toxicity_checks,
    worker_for,
)
from test_journey_custody import quality_decision, refused

from itc.drivers.custody_actions import CRYO_OK, bag, handoff
from itc.models.enums import Stage
from itc.rules import custody as custody_rules
from itc.rules.config import DEFAULT_PROTOCOL

WARM_SHIPPER = {**CRYO_OK, "max_temperature_c": -120.0}


async def discard_on_the_way(j: Any, number: int) -> str:
    """Bag `number` released, warm on its way to the site, and discarded by quality."""
    unit_id = (await bag(j, number)).unit_id
    await handoff(j, unit_id, "released", **CRYO_OK)
    await handoff(j, unit_id, "shipped_to_site", **WARM_SHIPPER)
    await quality_decision(j, unit_id, "discard")
    return unit_id


def decision(kind: str) -> dict[str, Any]:
    return {"actor_id": SUPERVISOR, "decision": kind, "reason": "Discarded bag reviewed with quality"}


async def test_a_discarded_bag_is_remade_from_the_banked_line_then_infusions_stop_after_another(
    workflow_env, task_queue
):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_infusion(j)
        before = (await j.state()).infusions[0].target_at

        u1 = await discard_on_the_way(j, 1)
        state = await j.state()
        assert state.bags_awaiting_decision == [u1] and state.awaiting_supervisor_decision
        assert any(d.action == "supervisor_decision" for d in state.next_due)
        assert ("send_notification", "supervisor:bag_discarded") in services.side_effects()
        # The decisions of a failed manufacturing run are not the ones for a discarded bag.
        await refused(j, "record_supervisor_decision", decision("re_biopsy"), "only possible when manufacturing")

        await j.update("record_supervisor_decision", decision("remanufacture_bag"))
        state = await j.state()
        assert state.bags_awaiting_decision == [] and not state.awaiting_supervisor_decision
        replacement = await bag(j, 1)
        assert replacement.unit_id != u1 and replacement.number == 4 and replacement.for_infusion == 1
        ready = await j.now() + timedelta(days=custody_rules.remanufacture_days(DEFAULT_PROTOCOL.manufacturing))
        moved_to = state.infusions[0].target_at
        assert moved_to > before and abs(moved_to - ready) < timedelta(minutes=1)
        assert "InfusionReplanned" in services.event_types()
        await refused(j, "record_supervisor_decision", decision("remanufacture_bag"), "after quality discarded a bag")

        # Infusion 1 from the re-made bag, in its new window; its pre-infusion labs and chair come again.
        await advance_to(j, moved_to)
        await give_infusion(j, 1)
        assert (await bag(j, 1)).infused_at is not None
        assert (await j.state()).deviations == []
        await toxicity_checks(j)

        # The protocol allows one re-made bag: after a second discard, infusions stop.
        u2 = await discard_on_the_way(j, 2)
        await refused(j, "record_supervisor_decision", decision("remanufacture_bag"), "allows 1 re-made bag")
        await j.update("record_supervisor_decision", decision("stop_infusions"))
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        assert state.infusions_discontinued and state.infusions_given == 1
        stopped = next(e for e in services.events if e.type.value == "InfusionsDiscontinued")
        assert u2 in stopped.payload["reason"]


async def test_a_discarded_first_bag_and_no_remanufacture_allowed_ends_off_study(workflow_env, task_queue):
    """With the protocol allowing no re-made bag, the supervisor may only stop infusions or end the
    participant's study; with no infusion given, stopping them ends the journey off study."""
    services = MockServices()
    protocol = DEFAULT_PROTOCOL.model_copy(
        update={"custody": DEFAULT_PROTOCOL.custody.model_copy(update={"max_bag_remanufactures": 0})}
    )
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services, protocol=protocol)
        await drive_to_infusion(j)
        await discard_on_the_way(j, 1)
        asked = next(n for n in services.notifications if n.kind == "bag_discarded")
        assert asked.body.endswith(
            "decide skip_infusion, stop_infusions or off_study (the protocol allows no further re-made bag)"
        )
        await refused(j, "record_supervisor_decision", decision("remanufacture_bag"), "allows 0 re-made bag")
        await refused(j, "record_supervisor_decision", decision("skip_infusion"), "when it is not the first")
        await j.update("record_supervisor_decision", decision("stop_infusions"))
        state = await j.wait_for_stage(Stage.OFF_STUDY)
        assert state.infusions_given == 0


async def test_going_on_without_a_later_infusion_gives_the_next_one_on_its_schedule(workflow_env, task_queue):
    """Bag 2 discarded and the supervisor goes on without infusion 2: infusion 3 comes on its own
    schedule from bag 3, and the response is assessed with no discontinuation."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_infusion(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await give_infusion(j, 1)
        await toxicity_checks(j)
        u2 = await discard_on_the_way(j, 2)
        await j.update("record_supervisor_decision", decision("skip_infusion"))
        state = await j.state()
        assert [(i.number, i.skipped) for i in state.infusions][:2] == [(1, False), (2, True)]
        skipped = next(e for e in services.events if e.type.value == "InfusionSkipped")
        assert (skipped.payload["infusion_number"], skipped.payload["unit_id"]) == (2, u2)

        for _ in range(50):  # the journey plans infusion 3 once it has looked again
            state = await j.state()
            if len(state.infusions) == 3:
                break
            await j.advance(timedelta(hours=1))
        third = state.infusions[2]
        assert third.target_at == state.infusions[0].administered_at + timedelta(
            days=DEFAULT_PROTOCOL.infusions.schedule_days[2]
        )
        await advance_to(j, third.target_at)
        await give_infusion(j, 3)
        await toxicity_checks(j)
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        assert state.infusions_given == 2 and not state.infusions_discontinued
        assert "InfusionsDiscontinued" not in services.event_types()

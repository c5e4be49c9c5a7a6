"""Chain of identity and custody on the time-skipping server: scans, excursions, quality decisions,
the two-person bedside check (FACT-JACIE product administration: identity of the recipient and the
product verified before administration), one infusion per bag."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from journey_harness import (
    GOOD_RELEASE_QC,
    PRE_INFUSION,
    SAMPLE,
    STAFF,
    SUPERVISOR,
    MockServices,
    advance_to,
    collect_biopsy,
    complete_baseline,
    drive_to_infusion,
    give_infusion,
    pass_screening,
    record_labs,
    record_milestone,
    start_journey,
    worker_for,
)
from temporalio.client import WorkflowUpdateFailedError

from itc.chain.report import chain_report
from itc.drivers.custody_actions import (
    CRYO_OK,
    SECOND_NURSE,
    bag,
    handoff,
    verify_at_bedside,
)
from itc.drivers.staff_actions import MILESTONES
from itc.models.custody import HandoffKind
from itc.models.enums import Stage
from itc.rules.chain_of_identity import coi_from_seed, parse_coi

QUALITY = "qa.moradi"
WARM = {"min_temperature_c": 4.0, "max_temperature_c": 15.0, "minutes_out_of_range": 95, "seal_intact": True}


def full_message(error: BaseException | None) -> str:
    parts = []
    while error is not None:
        parts.append(str(error))
        error = getattr(error, "cause", None) or error.__cause__
    return " <- ".join(parts)


async def refused(j: Any, update: str, body: dict[str, Any], message: str) -> str:
    from itc.drivers.staff_actions import acting_in_role

    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await j.handle.execute_update(update, acting_in_role(update, body))
    await j.settle()
    text = full_message(failure.value)
    assert message in text, text
    return text


async def quality_decision(j: Any, unit_id: str, decision: str) -> None:
    await j.update(
        "record_quality_decision",
        {
            "actor_id": QUALITY,
            "unit_id": unit_id,
            "decision": decision,
            "reason": "Logger trace reviewed with the manufacturer",
        },
    )


def other_coi_unit(suffix: str) -> str:
    return f"{coi_from_seed('another participant')}-{suffix}"


async def test_specimen_excursion_holds_release_and_a_discard_leads_to_the_re_biopsy_decision(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        coi = (await j.state()).chain_of_identity
        assert coi is not None and parse_coi(coi) == coi
        await pass_screening(j)
        await complete_baseline(j)
        await collect_biopsy(j)
        specimen = f"{coi}-S1"
        assert [u.unit_id for u in (await j.state()).units] == [specimen]

        # A misread label (one wrong check character) is refused at the scan, and is no incident.
        misread = coi[:-1] + ("A" if coi[-1] != "A" else "B") + "-S1"
        await refused(
            j,
            "record_custody_handoff",
            {
                "actor_id": STAFF,
                "handoff": "shipped",
                "unit_id": misread,
                "participant_scan": (await j.state()).participant_id,
                "occurred_at": (await j.now()).isoformat(),
            },
            "wrong check character",
        )
        assert "ChainOfIdentityIncident" not in services.event_types()

        await handoff(j, specimen, "shipped", courier="ColdChain Co", shipper_id="SH-12", logger_id="LG-7")
        await j.advance(timedelta(days=1))
        await handoff(j, specimen, "received", actor="lab.tech", **WARM)
        state = await j.state()
        assert state.units[0].on_hold
        assert ("send_notification", "quality:unit_quality_hold") in services.side_effects()

        for milestone, days in MILESTONES[:-1]:
            await j.advance(timedelta(days=days))
            await record_milestone(j, milestone)
        await j.advance(timedelta(days=5))
        await refused(
            j,
            "record_manufacturing_milestone",
            {
                "actor_id": "lab.tech",
                "milestone": "product_release_qc",
                "sample_id": SAMPLE,
                "occurred_at": (await j.now()).isoformat(),
                "release_qc": GOOD_RELEASE_QC,
            },
            f"Specimen {specimen} is on quality hold",
        )

        await quality_decision(j, specimen, "discard")
        state = await j.state()
        assert state.awaiting_supervisor_decision
        assert ("send_notification", "supervisor:manufacturing_failed") in services.side_effects()
        await j.update(
            "record_supervisor_decision",
            {"actor_id": SUPERVISOR, "decision": "re_biopsy", "reason": "Specimen discarded after an excursion"},
        )
        state = await j.wait_for_stage(Stage.BIOPSY)
        assert state.biopsy_attempts == 2


async def test_bedside_two_people_right_bag_once_and_a_bag_excursion_until_quality_releases(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_infusion(j)
        state = await j.state()
        participant = state.participant_id
        bags = [u for u in state.units if u.kind.value == "U"]
        assert [(u.number, u.cell_count, u.volume_ml) for u in bags] == [
            (n, state.dose_plan.cells_per_infusion, 100.0) for n in (1, 2, 3)
        ]
        assert all(u.expires_at is not None for u in bags)

        await advance_to(j, state.infusions[0].target_at)
        await record_labs(j, PRE_INFUSION, ("vital_signs",))
        u1, u2 = (await bag(j, 1)).unit_id, (await bag(j, 2)).unit_id
        await handoff(j, u1, "released", **CRYO_OK)
        await handoff(j, u1, "shipped_to_site", **CRYO_OK)
        # The dry shipper warmed up on the way: the bag is held until quality decides.
        await handoff(j, u1, "pharmacy_received", min_temperature_c=-190.0, max_temperature_c=-120.0)
        assert (await bag(j, 1)).on_hold
        await refused(
            j,
            "record_custody_handoff",
            {
                "actor_id": STAFF,
                "handoff": "thawed",
                "unit_id": u1,
                "participant_scan": participant,
                "occurred_at": (await j.now()).isoformat(),
            },
            "on quality hold",
        )
        dose = state.dose_plan.cells_per_infusion
        infusion_1 = {
            "actor_id": STAFF,
            "infusion_number": 1,
            "cells_administered": dose,
            "product_sample_id": SAMPLE,
        }
        await refused(
            j,
            "record_infusion_administered",
            {**infusion_1, "administered_at": (await j.now()).isoformat()},
            "on quality hold",
        )
        await quality_decision(j, u1, "release_under_deviation")
        await handoff(j, u1, "thawed", actor="pharm.nouri")

        # A bag of another participant, and this participant's bag for another infusion: incidents.
        now = (await j.now()).isoformat()
        check = {"actor_id": STAFF, "infusion_number": 1, "wristband_id": participant, "verified_at": now}
        foreign = other_coi_unit("U1")
        await refused(
            j,
            "record_bedside_verification",
            {**check, "unit_id": foreign},
            f"Bag {foreign} belongs to another participant: stop, do not hand over or infuse it",
        )
        await refused(
            j, "record_bedside_verification", {**check, "unit_id": u2}, f"Bag {u2} is not the bag for infusion 1"
        )
        assert services.event_types().count("ChainOfIdentityIncident") == 2
        effects = services.side_effects()
        assert effects.count(("send_notification", "supervisor:chain_of_identity_incident")) == 2
        assert effects.count(("send_notification", "quality:chain_of_identity_incident")) == 2

        # One person alone is not enough, and the same person twice is still one.
        await verify_at_bedside(j, 1, u1, STAFF)
        await refused(
            j,
            "record_infusion_administered",
            {**infusion_1, "administered_at": (await j.now()).isoformat()},
            "verified at the bedside by 2 different people; 1 did so far",
        )
        await refused(j, "record_bedside_verification", {**check, "unit_id": u1}, "a second, different person")
        await verify_at_bedside(j, 1, u1, SECOND_NURSE)
        await j.update("record_infusion_administered", {**infusion_1, "administered_at": (await j.now()).isoformat()})
        assert (await bag(j, 1)).infused_at is not None

        # Bag 1 is used: it can never be checked for, or given as, another infusion.
        state = await j.state()
        await advance_to(j, state.infusions[1].target_at)
        await refused(
            j,
            "record_bedside_verification",
            {**check, "infusion_number": 2, "unit_id": u1, "verified_at": (await j.now()).isoformat()},
            "already infused",
        )
        await give_infusion(j, 2)
        assert (await bag(j, 2)).infused_at is not None
        assert_chain_report_equals_the_journey(services, await j.state())


def assert_chain_report_equals_the_journey(services: MockServices, state: Any) -> None:
    """The chain report, rebuilt from the stored events alone, holds what the journey holds."""
    report = chain_report(state.participant_id, services.events)
    assert report.chain_of_identity == state.chain_of_identity
    handoffs = {kind.value for kind in HandoffKind}
    assert [
        (
            u.unit_id,
            u.on_hold,
            u.discarded,
            u.released_under_deviation,
            u.infused_at,
            sorted(u.bedside_verifiers),
            [
                (s.sequence, s.step, s.actor, s.min_temperature_c, s.max_temperature_c)
                for s in u.steps
                if s.step in handoffs
            ],
        )
        for u in report.units
    ] == [
        (
            unit.unit_id,
            unit.on_hold,
            unit.discarded,
            unit.released_under_deviation,
            unit.infused_at,
            sorted({check.actor for check in unit.bedside_checks}),
            [(h.sequence, h.handoff.value, h.actor, h.min_temperature_c, h.max_temperature_c) for h in unit.handoffs],
        )
        for unit in state.units
    ]
    assert len(report.incidents) == 2

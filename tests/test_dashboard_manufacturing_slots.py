"""The trial page's manufacturing slots (the weeks ahead, reserved and free) and the queue; the
participant page's slot. The view is pure; the pages are read on the real dev stack."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta

from fixtures_api import Api, eligibility, screening_labs, sign_in
from fixtures_devstack import WAIT_SECONDS, fresh_participant

from itc.api import slot_view
from itc.api.pages.session import SESSION_COOKIE
from itc.models.enums import Stage
from itc.models.roles import Role
from itc.models.slots import ManufacturingSlotState, WeekSlots
from itc.models.state import JourneyStatus

NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
OPS = Api.auth(Role.OPERATIONS)


def status(participant_id: str, stage: Stage, slot: ManufacturingSlotState) -> JourneyStatus:
    return JourneyStatus.model_construct(participant_id=participant_id, stage=stage, manufacturing_slot=slot)


def test_the_queue_lists_the_longest_waiting_first_and_not_who_left() -> None:
    journeys: dict[str, JourneyStatus | None] = {
        "ITC-001": status("ITC-001", Stage.BIOPSY, ManufacturingSlotState(queued_since=NOW - timedelta(days=2))),
        "ITC-002": status("ITC-002", Stage.BIOPSY, ManufacturingSlotState(queued_since=NOW - timedelta(days=9))),
        "ITC-003": status("ITC-003", Stage.WITHDRAWN, ManufacturingSlotState(queued_since=NOW - timedelta(days=20))),
        "ITC-004": status("ITC-004", Stage.BASELINE, ManufacturingSlotState()),
        "ITC-005": None,
    }
    weeks = [WeekSlots(week_start=date(2026, 6, 8), capacity=2, reserved=2)]
    view = slot_view.build(weeks, journeys, NOW)
    assert [(q.participant_id, q.days) for q in view.queue] == [("ITC-002", 9), ("ITC-001", 2)]
    assert [(w.reserved, w.free) for w in view.weeks] == [(2, 0)]


async def test_an_eligible_participant_holds_a_slot_or_queues_and_the_pages_show_it(api: Api) -> None:
    participant = fresh_participant("SLT")
    await api.start(participant)
    for action, body in (("lab-results", screening_labs()), ("eligibility", eligibility())):
        response = await api.http.post(f"/api/journeys/{participant}/{action}", json=body, headers=OPS)
        assert response.status_code == 200, response.text
    await api.wait_for_stage(participant, "baseline")
    # Baseline is entered first; the reservation it asks for follows as an activity.
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        slot = (await api.http.get(f"/api/journeys/{participant}", headers=OPS)).json()["manufacturing_slot"]
        if slot["held"] is not None or slot["queued_since"] is not None or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert slot["adopted"] and (slot["held"] is None) != (slot["queued_since"] is None)

    cookie = {"Cookie": f"{SESSION_COOKIE}={await sign_in(api, Role.SUPERVISOR)}"}
    trial = await api.http.get("/trial", headers=cookie)
    assert trial.status_code == 200, trial.text
    assert "Manufacturing slots" in trial.text and "Waiting for a slot" in trial.text
    page = await api.http.get(f"/participants/{participant}", headers=cookie)
    assert page.status_code == 200, page.text
    if slot["held"] is not None:
        assert "Manufacturing slot: week of" in page.text
        assert trial.text.count("<tr><td>") >= slot_view.WEEKS_AHEAD
    else:
        assert "Waiting for a manufacturing slot" in page.text
        assert f'href="/participants/{participant}"' in trial.text

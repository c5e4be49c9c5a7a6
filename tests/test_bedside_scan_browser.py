"""The bedside check in a real browser, as a handheld scanner fills it: the bag's label text (what
its Code 128 barcode encodes) typed into the dashboard's bag field and ended with Enter. Two
different signed-in people check the right bag and the infusion is accepted; a wrong bag's label
is refused with the stop message. 21 CFR 1271.290(c): each unit carries a distinct identification
code that tracks it from the donor to the recipient, which is what the scan compares; the FACT-JACIE
International Standards for Hematopoietic Cellular Therapy Product Collection, Processing, and
Administration (Clinical Program standards on administration; section number not verified here)
require the recipient's and the product's identity to be verified before administration, which the
two people's checks record. Debian's Chromium through Playwright against the real dev stack, as in
the other browser tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fixtures_api import ADMIN_TOKEN, PASSWORD, PEOPLE, Api
from fixtures_browser import REPORT_CSP_VIOLATIONS, Session, needs_chromium
from fixtures_devstack import WAIT_SECONDS, fresh_participant
from playwright.async_api import Browser, expect
from test_api_signed_release_and_resume import JourneyThroughApi

from itc.chain.labels import barcode_text
from itc.chain.report import ChainReport, UnitChain
from itc.drivers.custody_actions import CRYO_OK
from itc.drivers.staff_actions import PRE_INFUSION, SAMPLE, drive_to_infusion, record_labs
from itc.models.roles import Role

pytestmark = needs_chromium
SECOND_NURSE = "nurse.api"
OPS = Api.auth(Role.OPERATIONS)


@pytest.fixture
async def second_nurse(api: Api, browser: Browser, base_url: str) -> AsyncIterator[Session]:
    """Another person in the operations role, signed in on a browser of her own."""
    person = {"person_id": SECOND_NURSE, "full_name": "Nurse Api", "roles": ["operations"], "password": PASSWORD}
    added = await api.http.post("/api/people", json=person, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert added.status_code in (201, 409), added.text
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    await context.add_init_script(REPORT_CSP_VIOLATIONS)
    session = Session(await context.new_page(), base_url)
    try:
        await sign_in_as(session, SECOND_NURSE)
        yield session
    finally:
        await context.close()
    assert not session.problems, session.problems


async def sign_in_as(session: Session, person_id: str) -> None:
    await session.page.goto(f"{session.base_url}/login")
    await session.page.get_by_label("Person ID").fill(person_id)
    await session.page.get_by_label("Password").fill(PASSWORD)
    await session.page.get_by_role("button", name="Sign in").click()
    await expect(session.page.get_by_role("heading", name="Cohort board")).to_be_visible()


async def bag(api: Api, participant: str, number: int) -> UnitChain:
    """Bag `number` as the chain report (and so its label) shows it, once the event store holds it."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = await api.http.get(f"/api/journeys/{participant}/chain", headers=OPS)
        assert response.status_code == 200, response.text
        report = ChainReport.model_validate(response.json())
        found = next((u for u in report.units if u.kind == "U" and u.number == number), None)
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"bag {number} of {participant} never reached the event store"
        await asyncio.sleep(0.2)


async def thawed_bag(j: JourneyThroughApi, unit_id: str) -> None:
    """Released, shipped, received by the pharmacy and thawed, in range, a few minutes ago."""
    start = datetime.now(UTC) - timedelta(minutes=4)
    for minute, kind in enumerate(("released", "shipped_to_site", "pharmacy_received", "thawed")):
        body: dict[str, Any] = {
            "actor_id": PEOPLE[Role.OPERATIONS],
            "handoff": kind,
            "unit_id": unit_id,
            "participant_scan": j.participant,
            "occurred_at": (start + timedelta(minutes=minute)).isoformat(),
            **({} if kind == "thawed" else CRYO_OK),
        }
        await j.update("record_custody_handoff", body)


async def scan_at_bedside(session: Session, participant: str, label_text: str) -> None:
    """Fill the bedside form, then scan: the scanner types the label's text and presses Enter."""
    page = session.page
    await page.goto(f"{session.base_url}/participants/{participant}")
    form = page.locator("#form-bedside")
    if not await form.is_visible():  # before the infusion's day it is among the other actions
        await page.locator("details.other > summary").click()
    await form.get_by_label("Infusion", exact=True).fill("1")
    await form.get_by_label("Wristband").fill(participant)
    await form.get_by_label("Verified at").fill(datetime.now(UTC).isoformat())
    await form.get_by_label("Bag label").click()
    await page.keyboard.type(label_text)
    await page.keyboard.press("Enter")


async def test_two_people_scan_the_bags_label_into_the_bedside_form_and_a_wrong_bag_is_stopped(
    tab: Session, second_nurse: Session, api: Api
) -> None:
    participant = fresh_participant("BED")
    await api.start(participant)
    j = JourneyThroughApi(api, participant)
    await drive_to_infusion(j)
    first, second = await bag(api, participant, 1), await bag(api, participant, 2)
    label = await api.http.get(f"/api/journeys/{participant}/units/{first.unit_id}/label.pdf", headers=OPS)
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    await thawed_bag(j, first.unit_id)
    await record_labs(j, PRE_INFUSION, ("vital_signs",))

    await tab.sign_in(Role.OPERATIONS)
    await scan_at_bedside(tab, participant, barcode_text(second))
    refused = tab.page.locator("#form-bedside").get_by_role("alert")
    await expect(refused).to_contain_text(f"Bag {second.unit_id} is not the bag for infusion 1")
    await expect(refused).to_contain_text("stop, do not infuse")

    await scan_at_bedside(tab, participant, barcode_text(first))
    await expect(tab.page.locator("#accepted")).to_contain_text(
        f"Bedside check recorded for {first.unit_id}; a second person must verify"
    )
    await scan_at_bedside(second_nurse, participant, barcode_text(first))
    await expect(second_nurse.page.locator("#accepted")).to_contain_text(
        f"Bedside check recorded for {first.unit_id}; the infusion may be recorded"
    )

    state = await j.state()
    assert state.dose_plan is not None
    checked = next(u for u in state.units if u.unit_id == first.unit_id)
    assert checked.verifiers(1) == {PEOPLE[Role.OPERATIONS], SECOND_NURSE}
    await j.update(
        "record_infusion_administered",
        {
            "actor_id": PEOPLE[Role.OPERATIONS],
            "infusion_number": 1,
            "administered_at": datetime.now(UTC).isoformat(),
            "cells_administered": state.dose_plan.cells_per_infusion,
            "product_sample_id": SAMPLE,
        },
    )
    assert next(u for u in (await j.state()).units if u.unit_id == first.unit_id).infused_at is not None

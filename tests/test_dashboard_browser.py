"""The dashboard in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium,
installed by .ci/run; no browser download) against the app served on the real dev stack.

Without Chromium these tests skip locally and fail in CI (CI=true), where a skip would
hide a broken install step.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fixtures_api import PASSWORD, PEOPLE, Api, eligibility, screening_labs
from fixtures_browser import LIVE_TIMEOUT_MS, Session, needs_chromium
from fixtures_devstack import fresh_participant
from playwright.async_api import Page, expect

from itc.api.server import serving
from itc.models.roles import Role

pytestmark = needs_chromium


def stage_cell(page: Page, participant: str) -> Any:
    return page.locator(f'tr[data-participant="{participant}"] td').nth(1)


async def test_cohort_board_lists_every_journey_and_refreshes_live(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    waiting, eligible = fresh_participant("WEB"), fresh_participant("WEB")
    await api.start(waiting)
    await api.start(eligible)
    for action, body in (("lab-results", screening_labs()), ("eligibility", eligibility())):
        response = await api.http.post(
            f"/api/journeys/{eligible}/{action}", json=body, headers=api.auth(Role.OPERATIONS)
        )
        assert response.status_code == 200, response.text
    await api.wait_for_stage(eligible, "baseline")

    await tab.sign_in(Role.SUPERVISOR)
    page = tab.page
    await expect(stage_cell(page, waiting)).to_have_text("Screening")
    await expect(stage_cell(page, eligible)).to_have_text("Baseline", timeout=LIVE_TIMEOUT_MS)
    waiting_row = page.locator(f'tr[data-participant="{waiting}"]')
    await expect(waiting_row).to_contain_text("Screening labs")
    await expect(waiting_row).to_contain_text("0 / 3")
    await expect(page.get_by_role("columnheader", name="Worst AE")).to_be_visible()

    # No reload: htmx polls the rows, so a journey started now appears by itself.
    late = fresh_participant("WEB")
    await api.start(late)
    await expect(page.locator(f'tr[data-participant="{late}"]')).to_be_visible(timeout=LIVE_TIMEOUT_MS)

    await tab.screenshot("cohort-board", capsys)

    await page.get_by_role("link", name="Worklist").click()
    await expect(page.get_by_role("heading", name="Worklist", exact=True)).to_be_visible()


async def fill_consent(page: Page, participant: str) -> None:
    form = page.locator("#form-start")
    await form.get_by_label("Participant study ID").fill(participant)
    await form.get_by_label("Site").fill("SITE-WEB")
    await form.get_by_label("Date of birth").fill("1971-06-02")
    await form.get_by_label("Height (cm)").fill("162")
    await form.get_by_label("Weight (kg)").fill("58")
    for receptor, value in (("ER status", "positive"), ("PR status", "negative"), ("HER2 status", "negative")):
        await form.get_by_label(receptor).select_option(value)
    await form.get_by_role("button", name="Start the journey").click()


async def test_start_a_journey_through_the_form(tab: Session) -> None:
    participant = fresh_participant("WEB")
    await tab.sign_in(Role.OPERATIONS)
    page = tab.page
    await page.get_by_role("link", name="Start a journey").click()
    await fill_consent(page, participant)

    await expect(page).to_have_url(re.compile(f"/participants/{participant}"))
    await expect(page.locator("#accepted")).to_contain_text(f"Journey started (journey-{participant}")
    await expect(page.get_by_test_id("stage")).to_have_text("Screening")
    consent_row = page.locator(".timeline tr", has_text="Consent recorded")
    await expect(consent_row).to_contain_text(PEOPLE[Role.OPERATIONS])
    link = page.get_by_role("link", name="Open the journey in Temporal UI")
    assert (await link.get_attribute("href") or "").endswith(f"/workflows/journey-{participant}")

    # The same participant again is refused on the form, with the reason.
    await page.goto(f"{tab.base_url}/participants/new")
    await fill_consent(page, participant)
    await expect(page.get_by_role("alert")).to_have_text(
        f"Participant {participant} already has a journey (journey-{participant})"
    )


async def test_a_bad_value_is_shown_then_a_lab_result_moves_the_stage(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    participant = fresh_participant("WEB")
    await api.start(participant)
    await tab.sign_in(Role.OPERATIONS)
    page = tab.page
    await page.goto(f"{tab.base_url}/participants/{participant}")

    eligibility_form = page.locator("#form-eligibility")
    for question, answer in (
        ("Advanced breast cancer?", "Yes"),
        ("Progressed on chemotherapy and/or radiotherapy for metastatic disease?", "Yes"),
        ("Metastasis measurable?", "Yes"),
        ("Active uncontrolled infection?", "No"),
        ("Another cancer unrelated to the breast tumour?", "No"),
    ):
        await eligibility_form.get_by_role("group", name=question).get_by_label(answer).check()
    await eligibility_form.get_by_label("Number of metastases").fill("1")
    await eligibility_form.get_by_label("Metastasis site").select_option("lung")
    await eligibility_form.get_by_role("button", name="Record eligibility assessment").click()
    await expect(page.locator("#accepted")).to_contain_text("Eligibility assessment recorded")

    labs = page.locator("#form-lab-results")
    await labs.get_by_label("Creatinine mg/dL", exact=True).fill("99")  # a weight typed into the wrong box
    await labs.get_by_label("SpO₂ %", exact=True).fill("98")
    await labs.get_by_label("ALT U/L", exact=True).fill("30")
    await labs.get_by_label("AST U/L", exact=True).fill("28")
    await labs.get_by_role("button", name="Record lab results and assessments").click()

    error = page.locator("#form-lab-results").get_by_role("alert")
    await expect(error).to_contain_text("Invalid input: 1 problem(s)")
    await expect(error).to_contain_text(
        "Creatinine: creatinine value 99.0 mg/dL is outside the possible range 0.0-30.0 mg/dL; check the units"
    )
    await expect(labs.get_by_label("SpO₂ %", exact=True)).to_have_value("98")  # nothing typed is lost
    await expect(page.get_by_test_id("stage")).to_have_text("Screening")
    await tab.screenshot("lab-result-refused", capsys)

    await labs.get_by_label("Creatinine mg/dL", exact=True).fill("0.8")
    await labs.get_by_role("button", name="Record lab results and assessments").click()
    await expect(page.locator("#accepted")).to_contain_text("Lab results recorded")
    await expect(page.get_by_test_id("stage")).to_have_text("Baseline", timeout=LIVE_TIMEOUT_MS)
    await tab.screenshot("participant-baseline", capsys)


async def test_the_journeys_own_validator_is_shown_on_the_form(tab: Session, api: Api) -> None:
    participant = fresh_participant("WEB")
    await api.start(participant)
    await tab.sign_in(Role.LAB)
    page = tab.page
    await page.goto(f"{tab.base_url}/participants/{participant}")
    labs = page.locator("#form-lab-results")
    await labs.get_by_label("Collected at").fill("2099-01-01T09:00")
    await labs.get_by_label("Creatinine mg/dL", exact=True).fill("0.8")
    await labs.get_by_role("button", name="Record lab results and assessments").click()
    await expect(labs.get_by_role("alert")).to_contain_text(
        "Rejected: creatinine collected_at 2099-01-01T09:00:00+00:00 is in the future"
    )


async def test_each_role_sees_only_its_own_forms_and_is_refused_the_others(tab: Session, api: Api) -> None:
    participant = fresh_participant("WEB")
    await api.start(participant)
    await tab.sign_in(Role.LAB)
    page = tab.page
    await page.goto(f"{tab.base_url}/participants/{participant}")
    await expect(page.locator("#form-lab-results")).to_be_visible()
    assert await page.locator("#form-eligibility").count() == 0
    assert await page.get_by_role("link", name="Start a journey").count() == 0

    # Posting anyway (the cookie and the session's CSRF token go along) is refused by the same
    # permission table as the API.
    csrf = await page.locator("#form-lab-results input[name=csrf_token]").get_attribute("value")
    assert csrf
    refused = await page.request.post(
        f"{tab.base_url}/participants/{participant}/record/eligibility",
        form={"metastasis_count": "1", "csrf_token": csrf},
        headers={"Origin": tab.base_url},
    )
    assert refused.status == 403
    assert "The lab role may not record an eligibility assessment" in await refused.text()


async def test_a_wrong_password_cannot_sign_in(tab: Session) -> None:
    page = tab.page
    await page.goto(f"{tab.base_url}/")
    await expect(page).to_have_url(re.compile("/login"))  # pages need a session
    await page.get_by_label("Person ID").fill("someone")
    await page.get_by_label("Password").fill("not-the-password-at-all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Wrong person ID, password or code")


async def test_the_dashboard_and_the_api_docs_render_under_their_content_security_policy(
    tab: Session, api: Api
) -> None:
    """Any CSP violation or script error on these pages fails the test (the `tab` fixture)."""
    participant = fresh_participant("WEB")
    await api.start(participant)
    await tab.sign_in(Role.SUPERVISOR)
    page = tab.page
    await page.goto(f"{tab.base_url}/participants/{participant}")
    await expect(page.get_by_test_id("stage")).to_have_text("Screening")
    await page.goto(f"{tab.base_url}/due")
    await expect(page.get_by_role("heading", name="Worklist", exact=True)).to_be_visible()
    await page.goto(f"{tab.base_url}/trial")
    await expect(page.get_by_test_id("enrolment")).to_be_visible()

    await page.goto(f"{tab.base_url}/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("iTC journey engine")
    await page.locator(".opblock-summary").first.click()  # opening an operation renders more of the UI
    await expect(page.locator(".opblock-body").first).to_be_visible()

    assert not tab.problems, tab.problems

    # ReDoc renders too; the one thing its policy blocks is the remote "powered by" logo, which
    # would otherwise be fetched from Redocly's CDN: the docs are served offline on purpose.
    tab.expected_blocks = ("https://cdn.redoc.ly/",)
    await page.goto(f"{tab.base_url}/redoc")
    await expect(page.get_by_role("heading", name=re.compile("iTC journey engine"))).to_be_visible()
    for _ in range(50):  # its console report follows the image's (refused) load
        if tab.blocked:
            break
        await page.wait_for_timeout(100)
    assert tab.blocked, "ReDoc's remote logo is blocked"


async def test_a_form_posted_from_another_port_of_this_host_is_refused_and_records_nothing(
    tab: Session, api: Api
) -> None:
    participant = fresh_participant("WEB")
    await api.start(participant)
    await tab.sign_in(Role.LAB)
    before = await staff_entries(api, participant)

    # Another site on this host: the browser sends the dashboard's cookies along with its form.
    forger = FastAPI()

    @forger.get("/")
    async def forging_page() -> HTMLResponse:
        return HTMLResponse(
            f'<form method="post" action="{tab.base_url}/participants/{participant}/record/lab-results">'
            '<input name="collected_at" value="2026-01-06T09:00"><input name="lab.creatinine" value="0.9">'
            '<button type="submit">Win a prize</button></form>'
        )

    async with serving(forger, "127.0.0.1", 0) as forger_url:
        page = tab.page
        await page.goto(forger_url)
        async with page.expect_response(re.compile("/record/lab-results")) as answer:
            await page.get_by_role("button", name="Win a prize").click()
        assert (await answer.value).status == 403
        await expect(page.get_by_role("main")).to_contain_text("sent from another site")

    assert await staff_entries(api, participant) == before


async def staff_entries(api: Api, participant: str) -> list[Any]:
    """The timeline entries staff recorded; the journey's own (labs ordered) come when they come."""
    timeline = await api.http.get(f"/api/journeys/{participant}/timeline", headers=api.auth(Role.SUPERVISOR))
    assert timeline.status_code == 200, timeline.text
    return [entry for entry in timeline.json() if entry["actor"] != "system"]


async def test_a_supervisor_signs_a_decision_and_sees_the_signature_21_cfr_11_50(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    """Signing asks for the password again (11.200(a)); the signature shows the printed name,
    the UTC time and the meaning under the record it signs (11.50)."""
    participant = fresh_participant("WEB")
    await api.start(participant)
    decision = {"actor_id": PEOPLE[Role.SUPERVISOR], "decision": "off_study", "reason": "participant asked to stop"}
    recorded = await api.http.post(
        f"/api/journeys/{participant}/decision", json=decision, headers=api.auth(Role.SUPERVISOR)
    )
    assert recorded.status_code == 200, recorded.text
    sequence = recorded.json()["sequence"]

    await tab.sign_in(Role.SUPERVISOR)
    page = tab.page
    row = page.locator(f"#event-{sequence}")
    for _ in range(50):  # the event store follows the journey by a moment
        await page.goto(f"{tab.base_url}/participants/{participant}/audit")
        if await row.count():
            break
        await page.wait_for_timeout(200)
    await expect(row).to_contain_text("Not yet signed (approved)")

    await row.get_by_label(f"Password to sign #{sequence}").fill("not my password at all")
    await row.get_by_role("button", name=f"Sign #{sequence}").click()
    await expect(page.get_by_text("Wrong person ID, password or code.")).to_be_visible()

    await page.goto(f"{tab.base_url}/participants/{participant}/audit")
    await row.get_by_label(f"Password to sign #{sequence}").fill(PASSWORD)
    await row.get_by_role("button", name=f"Sign #{sequence}").click()
    signature = row.get_by_test_id("signature")
    await expect(signature).to_have_text(
        re.compile(r"^Signed by Sup Api \(sup\.api\), approved, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
    )
    await expect(row.get_by_role("button", name=f"Sign #{sequence}")).to_have_count(0)
    await tab.screenshot("signed-decision", capsys)

"""A coordinator's day in a real browser (Debian's Chromium through Playwright) on the real
dev stack: the trial page and a supervisor's resume with a reason, lab values with their
CTCAE grades, the worklist filtered by site and timing, the CSV downloads, the print view
and a layout that holds at 800 px. Screenshots land in test-artifacts/dashboard/ (and
`python -m docs.screenshots` copies them into docs/)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from fixtures_api import PEOPLE, Api, screening_labs
from fixtures_browser import LIVE_TIMEOUT_MS, Session, needs_chromium
from fixtures_devstack import fresh_participant
from playwright.async_api import Page, expect

from itc.crypto.engine_keys import resolve_engine_keys
from itc.models.roles import Role
from itc.models.trial import RecordDltOutcomeInput, trial_workflow_id
from itc.rules.config import DEFAULT_PROTOCOL
from itc.runtime.temporal_client import connect
from itc.runtime.worker import reporting_client

pytestmark = needs_chromium


async def download_csv(page: Page, link_name: str) -> list[list[str]]:
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=link_name).first.click()
    download = await waiting.value
    path = await download.path()
    assert path is not None
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


# The elements that reach past the right edge (a table inside a scrolling box does not).
WIDER_THAN_VIEWPORT = """() => {
  const edge = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > edge + 0.5 && !e.closest(".table-scroll"))
    .slice(0, 5)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


async def no_horizontal_scroll(page: Page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = await page.evaluate(WIDER_THAN_VIEWPORT)
    assert overflow <= 0, f"the page is {overflow} px wider than the 800 px viewport: {wide}"


async def test_lab_values_show_unit_range_and_ctcae_grade_with_a_trend(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    """CTCAE v5: ALT > ULN to 3 x ULN is grade 1; 90 U/L against a ULN of 40 is 2.25 x ULN."""
    participant = fresh_participant("LAB")
    await api.start(participant)
    later = screening_labs()
    later["results"][2]["value"] = 90  # ALT
    for labs in (screening_labs(at=datetime.now(UTC) - timedelta(hours=30)), later):
        response = await api.http.post(
            f"/api/journeys/{participant}/lab-results", json=labs, headers=api.auth(Role.OPERATIONS)
        )
        assert response.status_code == 200, response.text

    await tab.sign_in(Role.OPERATIONS)
    page = tab.page
    await page.goto(f"{tab.base_url}/participants/{participant}")
    alt = page.locator('tr[data-lab="alt"]')
    await expect(alt.get_by_role("rowheader")).to_have_text("ALT")
    await expect(alt).to_contain_text("90")
    await expect(alt).to_contain_text("U/L")
    await expect(alt).to_contain_text("≤ 40")
    await expect(alt).to_contain_text("grade 1")
    await expect(alt.get_by_role("img", name=re.compile("ALT over time: 30, 90"))).to_be_visible()
    creatinine = page.locator('tr[data-lab="creatinine"]')
    await expect(creatinine).to_contain_text("normal (grade 0)")
    await expect(creatinine).to_contain_text("protocol default")
    # The timeline speaks in words, not in the engine's identifiers.
    timeline = page.locator(".timeline")
    await expect(timeline).to_contain_text("Lab results recorded")
    await expect(timeline).to_contain_text("Creatinine, SpO₂, ALT, AST")
    assert await timeline.get_by_text("LabResultsRecorded").count() == 0
    await tab.screenshot("participant-lab-values", capsys)

    await page.set_viewport_size({"width": 800, "height": 900})
    await no_horizontal_scroll(page)

    await page.get_by_role("link", name="Print view").click()
    await expect(page.locator('tr[data-lab="alt"]')).to_contain_text("grade 1")
    assert await page.locator("form[id^=form-]").count() == 0  # no forms on paper


async def test_the_worklist_filters_by_site_and_timing_and_downloads_as_csv(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    north, south = fresh_participant("WLN"), fresh_participant("WLS")
    await api.start(north, site="SITE-NORTH")
    await api.start(south, site="SITE-SOUTH")
    await tab.sign_in(Role.OPERATIONS)
    page = tab.page
    await page.get_by_role("link", name="Worklist").click()
    await expect(page.get_by_role("heading", name="Worklist", exact=True)).to_be_visible()
    # A new journey's screening visit is two weeks out: beyond this week's list.
    assert await page.locator(f'tr[data-participant="{north}"]').count() == 0

    await page.get_by_label("Ahead").select_option("all")
    await page.get_by_label("Site").select_option("SITE-NORTH")
    await page.get_by_label("Timing").select_option("on time")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile("site=SITE-NORTH"))
    rows = page.locator(f'tr[data-participant="{north}"]')
    await expect(rows.first).to_contain_text("Screening labs: Creatinine, SpO₂, ALT, AST")
    await expect(rows.first).to_contain_text("On time")
    await expect(rows.first).to_contain_text("by ")  # a deadline, not a bare dash
    assert await page.locator(f'tr[data-participant="{south}"]').count() == 0
    await tab.screenshot("worklist", capsys)

    table = await download_csv(page, "Download CSV")
    assert table[0][:4] == ["Participant", "Site", "Kind", "What"]
    assert {row[1] for row in table[1:]} == {"SITE-NORTH"}
    assert any(row[0] == north and row[7] == "On time" for row in table[1:])

    # The cohort and the audit trail download too, in the same words as the pages.
    await page.goto(f"{tab.base_url}/?q={north}")
    await expect(page.locator(f'tr[data-participant="{north}"]')).to_be_visible()
    assert await page.locator(f'tr[data-participant="{south}"]').count() == 0
    cohort = await download_csv(page, "Download CSV")
    assert [row[:3] for row in cohort[1:]] == [[north, "SITE-NORTH", "Screening"]]

    await page.goto(f"{tab.base_url}/participants/{north}/audit")
    audit_table = page.locator("table.audit")
    await expect(audit_table).to_contain_text("Consent recorded")
    await expect(audit_table.locator("tr[data-sequence='1']")).to_contain_text("Operations")  # the role
    audit = await download_csv(page, "Download CSV")
    assert audit[0][4:6] == ["Actor", "Role"]
    assert audit[1][1] == "Consent recorded" and audit[1][5] == "Operations"
    assert "1974-03-14" not in "".join(",".join(row) for row in audit)  # date of birth stays masked


async def pause_trial(api: Api) -> None:
    """Enough DLTs among evaluable participants to meet the boundary: the trial pauses itself.
    Reported as journeys report them, through a worker's client that signs with the signal key."""
    client = reporting_client(await connect(api.stack.settings), resolve_engine_keys(api.stack.settings))
    trial = client.get_workflow_handle(trial_workflow_id(DEFAULT_PROTOCOL.trial_id))
    for _ in range(3):  # BOIN, target 0.3: 3 DLTs among 3 evaluable stop the trial
        await trial.signal("record_dlt_outcome", RecordDltOutcomeInput(
            participant_id=fresh_participant("DLT"), dlt=True, description="test DLT"
        ))  # fmt: skip


async def test_a_supervisor_resumes_a_paused_trial_with_a_reason_on_the_trial_page(
    tab: Session, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    await api.start(fresh_participant("TRL"))  # the trial starts with its first enrolment
    await tab.sign_in(Role.SUPERVISOR)
    page = tab.page
    await page.get_by_role("link", name="Trial", exact=True).click()
    await expect(page.get_by_test_id("enrolment")).to_contain_text(f"of {DEFAULT_PROTOCOL.target_enrolment} enrolled")
    await expect(page.get_by_role("img", name=re.compile("Stopping boundary of the BOIN"))).to_be_visible()

    await pause_trial(api)
    await page.reload()
    await expect(page.get_by_test_id("dlt-tally")).to_contain_text(
        "3 DLT(s) among 3 evaluable", timeout=LIVE_TIMEOUT_MS
    )
    await expect(page.get_by_test_id("dlt-tally")).to_contain_text("boundary reached")
    await expect(page.get_by_test_id("pause-reason")).to_contain_text("Safety stopping boundary met")
    await expect(page.locator("table.boundary td.current").first).to_have_text("3")
    await tab.screenshot("trial-paused", capsys)

    form = page.locator("#form-trial-resume")
    await form.get_by_label("Reason for resuming").fill("ok")  # too short to say why
    await form.get_by_role("button", name="Resume the trial").click()
    await expect(page.get_by_role("alert")).to_contain_text("Say why the trial may resume.")

    reason = "DSMB reviewed the three DLTs: unrelated to the product"
    await page.locator("#form-trial-resume").get_by_label("Reason for resuming").fill(reason)
    await page.locator("#form-trial-resume").get_by_role("button", name="Resume the trial").click()
    await expect(page.locator("#accepted")).to_have_text("Trial resumed")
    assert await page.locator("#form-trial-resume").count() == 0
    decisions = page.locator("section[aria-labelledby=decisions-h] tbody tr").first
    await expect(decisions).to_contain_text("Resume")
    await expect(decisions).to_contain_text(PEOPLE[Role.SUPERVISOR])
    await expect(decisions).to_contain_text(reason)
    await tab.screenshot("trial-page", capsys)

    await page.set_viewport_size({"width": 800, "height": 900})
    await no_horizontal_scroll(page)


async def test_only_a_supervisor_sees_the_resume_form(tab: Session, api: Api) -> None:
    await api.start(fresh_participant("TRL"))
    await tab.sign_in(Role.OPERATIONS)
    page = tab.page
    await page.goto(f"{tab.base_url}/trial")
    await expect(page.get_by_test_id("enrolment")).to_be_visible()
    assert await page.locator("#form-trial-resume").count() == 0
    csrf = await page.locator("form.signout input[name=csrf_token]").get_attribute("value")
    refused = await page.request.post(
        f"{tab.base_url}/trial/resume",
        form={"reason": "not mine to decide", "csrf_token": csrf or ""},
        headers={"Origin": tab.base_url},
    )
    assert refused.status == 403
    assert "The operations role may not resume the trial" in await refused.text()

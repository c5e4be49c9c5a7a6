"""The dashboard's cohort page for immune function and tumour markers, on the real dev stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fixtures_api import PEOPLE, Api, sign_in
from fixtures_devstack import fresh_participant, iso

from itc.api.pages.session import SESSION_COOKIE
from itc.models.roles import Role

OPS = Api.auth(Role.OPERATIONS)


async def test_the_cohort_page_lists_each_marker_at_its_time_point(api: Api) -> None:
    participant = fresh_participant("IMM")
    await api.start(participant)
    at = iso(datetime.now(UTC) - timedelta(hours=1))
    values = {"nk_cd56_cd3neg": 210.0, "il_6": 4.5, "ca15_3": 41.0}
    labs = {
        "actor_id": PEOPLE[Role.OPERATIONS],
        "results": [{"code": code, "value": value, "collected_at": at} for code, value in values.items()],
    }
    recorded = await api.http.post(f"/api/journeys/{participant}/lab-results", json=labs, headers=OPS)
    assert recorded.status_code == 200, recorded.text

    session = await sign_in(api, Role.LAB)
    page = await api.http.get("/outcomes", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert page.status_code == 200, page.text
    html = page.text
    assert "Immune function and tumour markers" in html
    for code in values:
        assert f"<td>{code}</td><td>baseline</td>" in html
    assert 'href="/outcomes"' in html

"""Immune function and tumour markers recorded as values show their change from baseline in the status."""

from __future__ import annotations

from datetime import timedelta

from journey_harness import (
    MockServices,
    advance_to,
    drive_to_infusion,
    give_infusion,
    record_labs,
    start_journey,
    worker_for,
)


async def test_immune_values_show_change_from_baseline(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_infusion(j)  # the baseline stage recorded CA 15-3 40 U/mL and CEA 4 ng/mL
        await record_labs(j, {"nk_cd56_cd3neg": 200.0, "nk_cd56_cd3neg_percent": 10.0, "il_6": 5.0})
        state = await j.state()
        await advance_to(j, state.infusions[0].target_at)
        await give_infusion(j, 1)
        await j.advance(timedelta(days=12))
        await record_labs(j, {"nk_cd56_cd3neg": 300.0, "nk_cd56_cd3neg_percent": 15.0, "il_6": 20.0, "ca15_3": 30.0})
        state = await j.state()
    series = {s.code: s for s in state.outcome_series}
    assert list(series) == ["nk_cd56_cd3neg", "nk_cd56_cd3neg_percent", "il_6", "ca15_3", "cea"]
    nk = series["nk_cd56_cd3neg"]
    assert (nk.unit, nk.baseline) == ("cells/µL", 200.0)
    assert [(p.timepoint, p.value, p.change, p.percent_change) for p in nk.points] == [
        ("baseline", 200.0, 0.0, 0.0),
        ("before infusion 2", 300.0, 100.0, 50.0),
    ]
    assert series["il_6"].points[-1].percent_change == 300.0
    ca15_3 = series["ca15_3"]
    assert (ca15_3.unit, ca15_3.baseline, ca15_3.points[-1].percent_change) == ("U/mL", 40.0, -25.0)
    assert [p.timepoint for p in series["cea"].points] == ["baseline"]

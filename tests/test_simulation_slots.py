"""`itc simulate` with a manufacturing site of one slot a week: three participants eligible in the
same week cannot all have one, so the simulated scheduling service makes some wait, and the
report gives each one's delay from eligibility to biopsy (queueing.csv) and the cohort's median,
longest and how many waited (the summary)."""

from __future__ import annotations

import csv
from collections import Counter

from itc.rules.config import Biopsy, FollowUp, ProtocolConfig
from itc.simulation.parameters import CapacityParameters, load_parameters
from itc.simulation.report import write_report
from itc.simulation.run import run_simulation
from itc.simulation.summary import summary_table

# The biopsy window is the week of eligibility only, so a full week cannot be avoided by booking later.
ONE_WEEK_WINDOW = ProtocolConfig(
    version="itc-1.0-sim-slots", follow_up=FollowUp(duration_months=3), biopsy=Biopsy(book_within_days_of_eligibility=0)
)


def one_slot_parameters():
    params = load_parameters()
    return params.model_copy(
        update={
            "seed": 7,
            "participants": 3,
            "recruitment_weeks": 1,
            "screening": params.screening.model_copy(update={"failure_probability": 0.0, "days_to_results": [1, 1, 1]}),
            "capacity": CapacityParameters(manufacturing_slots=1),
        }
    )


async def test_one_slot_a_week_makes_participants_queue_and_the_report_shows_the_delay(pg_server_dsn, tmp_path):
    run = await run_simulation(one_slot_parameters(), ONE_WEEK_WINDOW, pg_server_dsn)
    report = write_report(run, tmp_path)

    # The capacity held: never two live holds in one week.
    live = Counter(h.week_start for h in run.services.slots.holds if not h.released)
    assert max(live.values(), default=0) <= 1
    queue = report.summary["manufacturing_queue"]
    assert queue["eligible"] == 3
    assert queue["waited_for_a_slot"] >= 1
    assert queue["queue_wait_days"]["max"] > 0
    assert queue["eligibility_to_biopsy_days"]["max"] >= queue["queue_wait_days"]["max"]

    with report.files["queueing"].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    waited = [r for r in rows if r["queued_at"]]
    assert len(waited) == queue["waited_for_a_slot"]
    for row in waited:
        # She was booked only after a slot was found, in its week.
        assert row["slot_reserved_at"] > row["queued_at"]
        assert row["biopsy_collected_at"] == "" or row["biopsy_collected_at"][:10] >= row["slot_week"]
    line = dict(summary_table(report.summary))["Eligibility to biopsy (slot queue)"]
    assert f"{queue['waited_for_a_slot']} of 3 waited for a slot" in line

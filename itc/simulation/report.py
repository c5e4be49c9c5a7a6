"""Everything a run leaves behind in its output folder."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itc.simulation.capacity import weekly_capacity, write_capacity_csv
from itc.simulation.outcome_summary import at_response, cohort_outcome_changes, write_outcome_changes_csv
from itc.simulation.outcomes import Outcome
from itc.simulation.plot_capacity import plot_capacity
from itc.simulation.plot_pfs import plot_pfs
from itc.simulation.plot_swimlane import plot_swimlane
from itc.simulation.queueing import queueing_rows, write_queueing_csv
from itc.simulation.run import SimulationRun
from itc.simulation.summary import outcomes_and_check, summarise

FILES = {
    "summary": "summary.json",
    "participants": "participants.csv",
    "pfs": "pfs_km.png",
    "swimlane": "swimlane.png",
    "capacity_png": "capacity.png",
    "capacity_csv": "capacity.csv",
    "outcome_changes": "outcome_changes.csv",
    "queueing": "queueing.csv",
}


@dataclass
class Report:
    summary: dict[str, Any]
    outcomes: list[Outcome]
    disagreements: list[str]
    capacity: list[dict[str, Any]]
    files: dict[str, Path]


def build_report(run: SimulationRun) -> tuple[dict[str, Any], list[Outcome], list[str]]:
    """The summary (from the event store), per-participant outcomes and the cross-check."""
    outcomes, problems = outcomes_and_check(run.events, run.final)
    summary = summarise(
        run.events,
        participants_planned=run.params.participants,
        enrolment_refused=sum(1 for p in run.participants if p.enrolment_refused),
        paused_by_refusal=any("paused" in r.message.lower() for _, r in run.refusals),
        infusion_count=run.protocol.dosing.infusion_count,
    )
    summary = {
        "seed": run.params.seed,
        "protocol_version": run.protocol.version,
        "trial_start": run.start.date().isoformat(),
        "last_event": max(e["occurred_at"] for e in run.events).date().isoformat() if run.events else None,
        **summary,
        "refused_updates": len(run.refusals),
        # Immune function and tumour markers: the cohort's median change from baseline at response.
        "change_at_response": at_response(cohort_outcome_changes(run.final)),
        "cross_check": problems if problems else "event store and workflow final states agree",
    }
    return summary, outcomes, problems


def write_report(run: SimulationRun, out_dir: Path) -> Report:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {key: out_dir / name for key, name in FILES.items()}
    summary, outcomes, problems = build_report(run)
    files["summary"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    with files["participants"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(outcomes[0].as_row()) if outcomes else ["participant_id"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(o.as_row() for o in outcomes)
    capacity = weekly_capacity(run.events, run.services, run.start.date())
    write_capacity_csv(capacity, files["capacity_csv"])
    write_outcome_changes_csv(cohort_outcome_changes(run.final), files["outcome_changes"])
    write_queueing_csv(queueing_rows(run.events), files["queueing"])
    label = f"iTC simulation, seed {run.params.seed}"
    plot_pfs(run.final, files["pfs"], f"Progression-free survival ({label})")
    plot_swimlane(run.events, files["swimlane"], f"Participant journeys over calendar time ({label})")
    plot_capacity(capacity, run.params.capacity, files["capacity_png"])
    return Report(summary, outcomes, problems, capacity, files)

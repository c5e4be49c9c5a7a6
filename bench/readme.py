"""Puts the summary table of bench/results.json into the README's Performance section.

    python -m bench.readme

Only the text between the two markers changes, so the rest of the README stays as written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.report import summary_table, temporal_cli
from bench.results import JSON_NAME, read_results

REPO = Path(__file__).resolve().parent.parent
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def section_body(results_path: Path) -> str:
    results = read_results(results_path)
    if results["quick"]:
        raise SystemExit(f"{results_path} is from a --quick smoke run; run `python -m bench` first")
    env = results["environment"]
    return "\n".join(
        [
            START,
            f"Measured {env['date'][:10]} on {env['cpu_count']} cores with `{env['command']}` "
            f"(temporalio {env['temporalio']}, {temporal_cli(env)}, PostgreSQL {env['postgresql']}; "
            f"1-minute load average {env.get('load_average_1m_at_start')} at the start; "
            f"details and per-round figures in `bench/RESULTS.md`):",
            "",
            summary_table(results),
            END,
        ]
    )


def update(readme: Path, results_path: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} … {END} block to fill")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(before + section_body(results_path) + after, encoding="utf-8")


def main() -> None:
    update(REPO / "README.md", REPO / "bench" / JSON_NAME)
    print("README.md performance table updated from bench/results.json", file=sys.stderr)


if __name__ == "__main__":
    main()

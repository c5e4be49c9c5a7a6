"""The README's 21 CFR Part 11 and ICH E6(R3) §4.2 tables: every row whose status says "met"
names the tests that show it (issue 14: "each 'met' pointing at its tests"), and every test
file and function a row names exists. A requirement left to the operator's procedure says so
in its status, and one not met says "not met"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
TESTS = Path(__file__).parent


def compliance_rows() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**21 CFR Part 11 §11.10(e)**") :]
    section = section[: section.index("\n## ")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    cells = [[cell.strip() for cell in line.strip().strip("|").split(" | ")] for line in rows]
    return [row for row in cells if row[0] not in ("Requirement", "Element")]


def named_tests(cell: str) -> list[tuple[str, str]]:
    """(file, function) pairs; `::name` continues the file named before it."""
    found: list[tuple[str, str]] = []
    current = ""
    for ref in re.findall(r"`([^`]+)`", cell):
        if ref.startswith("::"):
            found.append((current, ref[2:]))
        elif ref.startswith("tests/") and ".py" in ref:
            current, _, name = ref.partition("::")
            found.append((current, name))
    return found


def test_every_met_row_of_the_part_11_and_ich_tables_names_tests_that_exist() -> None:
    rows = compliance_rows()
    assert len(rows) >= 15, rows
    problems: list[str] = []
    for row in rows:
        requirement, here, status = row[0], " | ".join(row[1:-1]), row[-1]
        named = named_tests(here)
        if status.startswith("met") and not named:
            problems.append(f"met without tests: {requirement[:60]}")
        for file, function in named:
            path = ROOT / file
            if not path.exists():
                problems.append(f"{file} does not exist")
            elif function and not re.search(rf"def {re.escape(function.split('[')[0])}\b", path.read_text()):
                problems.append(f"{file}::{function} does not exist")
    assert problems == []


def test_what_stays_the_operators_is_said_as_such() -> None:
    """Part 11 §11.10(a) validation, (i) training and identity proofing (§11.100(b)) are the
    operator's procedure: the table says so rather than claiming them."""
    statuses = " ".join(row[-1] for row in compliance_rows())
    for procedure in ("validation", "training", "identity proofing"):
        assert re.search(rf"{procedure}[^|]*operator's procedure", statuses), procedure

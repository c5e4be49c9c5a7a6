"""The simulation's capacity figures are not in the protocol (IRCT20200429047241N1 states no
manufacturing, infusion-chair or CT capacity), so the default parameters and the README must
call each one a site assumption rather than let it pass for a sourced number."""

from __future__ import annotations

import re
from pathlib import Path

from readme_commands import section

from itc.simulation.parameters import CapacityParameters

REPO = Path(__file__).resolve().parent.parent
DEFAULTS = REPO / "itc" / "simulation" / "default_parameters.yaml"


def test_every_capacity_default_is_labelled_an_assumption_where_it_is_set() -> None:
    text = DEFAULTS.read_text(encoding="utf-8")
    for field in CapacityParameters.model_fields:
        line = re.search(rf"^\s+{field}: \d+.*$", text, re.MULTILINE)
        assert line is not None, f"{field} is not set in {DEFAULTS.name}"
        assert "# assumption" in line.group(0), f"{field} carries no '# assumption' label"


def test_the_readme_names_every_capacity_figure_as_a_site_assumption() -> None:
    simulation = section((REPO / "README.md").read_text(encoding="utf-8"), "Trial simulation")
    assert "site assumptions, not protocol numbers" in simulation
    for field in CapacityParameters.model_fields:
        assert f"`{field}: " in simulation, f"the README does not name {field}"

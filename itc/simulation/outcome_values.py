"""Simulated immune-function and tumour-marker values, so a run's report has a cohort change from baseline.

A participant's baseline is drawn once; later values follow what the journey lives through:
NK and T cells rise with each infusion of the NK-cell product and stay up with a response,
IFN-γ follows the NK cells, IL-6 jumps after the first infusion, and the tumour markers follow
the target lesions' size against baseline. Every draw comes from the participant's own seeded
streams, so a seed gives the same values whatever order the simulator runs in.
"""

from __future__ import annotations

from itc.simulation.participant import SimParticipant

# Baseline medians (cells/µL or %, pg/mL, U/mL and ng/mL) for a heavily pretreated cohort.
BASELINE = {
    "nk_cd56_cd3neg": 180.0,
    "nk_cd56_cd3neg_percent": 11.0,
    "t_cd3": 1100.0,
    "t_cd3_percent": 68.0,
    "t_cd4": 650.0,
    "t_cd4_percent": 40.0,
    "t_cd8": 400.0,
    "t_cd8_percent": 25.0,
    "b_cd19": 160.0,
    "b_cd19_percent": 10.0,
    "ifn_gamma": 6.0,
    "tnf_alpha": 8.0,
    "il_6": 4.0,
    "il_10": 3.0,
    "ca15_3": 48.0,
    "cea": 5.2,
}
# How far each value moves per unit of immune activation (NK, IFN-γ most; B cells least).
ACTIVATION = {
    "nk_cd56_cd3neg": 0.6,
    "nk_cd56_cd3neg_percent": 0.5,
    "t_cd3": 0.15,
    "t_cd3_percent": 0.05,
    "t_cd4": 0.1,
    "t_cd4_percent": 0.03,
    "t_cd8": 0.25,
    "t_cd8_percent": 0.1,
    "b_cd19": -0.05,
    "b_cd19_percent": -0.05,
    "ifn_gamma": 1.2,
    "tnf_alpha": 0.4,
    "il_6": 0.8,
    "il_10": 0.5,
}
PERCENT_CODES = frozenset(code for code in BASELINE if code.endswith("_percent"))


def values(p: SimParticipant, timepoint: str, activation: float, tumour_ratio: float) -> dict[str, float]:
    """Every code's value at `timepoint`: `activation` 0 at baseline, `tumour_ratio` the lesion size over baseline."""
    dice = p.fate.dice
    found: dict[str, float] = {}
    for code, median in BASELINE.items():
        own = dice.stream(f"outcome/{code}/baseline").lognormvariate(0.0, 0.3)
        noise = dice.stream(f"outcome/{code}/{timepoint}").lognormvariate(0.0, 0.1) if timepoint != "baseline" else 1.0
        if code in ("ca15_3", "cea"):
            value = median * own * noise * max(tumour_ratio, 0.05)
        else:
            value = median * own * noise * max(1.0 + ACTIVATION[code] * activation, 0.05)
        found[code] = round(min(value, 99.0) if code in PERCENT_CODES else value, 1)
    return found

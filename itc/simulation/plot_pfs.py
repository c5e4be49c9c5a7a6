"""Kaplan-Meier curve of progression-free survival (lifelines), from each journey's final
status: PFS from the first infusion to progression or death, censored otherwise.

Censored participants are drawn as tall, dark ticks on the curve, named in the legend with
their count: a reader must be able to count them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itc.models.state import JourneyStatus
from itc.simulation.plotting import pyplot, save

DAYS_PER_MONTH = 30.4375
CENSOR_COLOUR = "#08306b"


def plot_pfs(final: dict[str, JourneyStatus], path: Path, title: str) -> None:
    save(pfs_figure(final, title), path)


def pfs_figure(final: dict[str, JourneyStatus], title: str) -> Any:
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts
    from lifelines.utils import median_survival_times

    plt = pyplot()
    timed = [s.pfs for s in final.values() if s.pfs is not None]
    fig, ax = plt.subplots(figsize=(8, 5.2))
    if not timed:
        ax.text(
            0.5, 0.5, "No participant was infused: no PFS to plot", ha="center", va="center", transform=ax.transAxes
        )
        return fig
    kmf = KaplanMeierFitter(label="PFS")
    kmf.fit([p.days / DAYS_PER_MONTH for p in timed], [p.event for p in timed])
    kmf.plot_survival_function(ax=ax, ci_show=True, show_censors=False, color="#2b8cbe")
    censored = [p.days / DAYS_PER_MONTH for p in timed if not p.event]
    if censored:
        ax.plot(
            censored,
            kmf.survival_function_at_times(censored).to_numpy(),
            linestyle="none",
            marker="|",
            markersize=16,
            markeredgewidth=2.2,
            color=CENSOR_COLOUR,
            label=f"Censored (n = {len(censored)})",
            zorder=4,
        )
    ax.legend(loc="lower left", frameon=False)
    median = kmf.median_survival_time_
    low, high = median_survival_times(kmf.confidence_interval_).iloc[0].tolist()
    if median != float("inf"):
        ax.hlines(0.5, 0, median, linestyles="dashed", colors="#636363", linewidth=0.8)
        ax.vlines(median, 0, 0.5, linestyles="dashed", colors="#636363", linewidth=0.8)

    def months(value: float) -> str:
        return "not reached" if value == float("inf") else f"{value:.1f}"

    ax.text(
        0.98,
        0.95,
        f"Median PFS {months(median)} months\n95% CI {months(low)} to {months(high)}\n(shaded: 95% confidence band)",
        transform=ax.transAxes,
        ha="right",
        va="top",
    )
    ax.set_xlabel("Months from first infusion")
    ax.set_ylabel("Progression-free probability")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    events = sum(1 for p in timed if p.event)
    ax.set_title(f"{title}\nn = {len(timed)} infused, {events} events (progression or death)")
    add_at_risk_counts(kmf, ax=ax, rows_to_show=["At risk"])
    return fig

"""`itc simulate`: the whole trial on the time-skipping server, with seeded randomness."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itc.base.errors import InvalidInput
from itc.base.settings import Settings
from itc.cli.context import load_protocol, load_settings
from itc.cli.errors import fail, fail_with, run_async
from itc.rules.config import ProtocolConfig

if TYPE_CHECKING:
    # Imported when run: matplotlib, lifelines and the workflows stay out of other commands' start-up.
    from itc.simulation.parameters import SimulationParameters
    from itc.simulation.run import SimulationRun

Opt = typer.Option


def simulate(
    parameters: Annotated[
        Path | None,
        Opt("--parameters", help="Simulation parameters, YAML or JSON (default: simulation/default_parameters.yaml)."),
    ] = None,
    seed: Annotated[
        int | None, Opt("--seed", help="Seed for every random draw; overrides the parameters file.")
    ] = None,
    out: Annotated[Path, Opt("--out", help="Folder for the plots, CSVs and summary.json.")] = Path("simulation-output"),
    keep_database: Annotated[
        bool, Opt("--keep-database", help="Keep the run's event-store database and print its DSN.")
    ] = False,
) -> None:
    """Simulate the whole trial: 32 participants through the real workflows and rules, on a
    time-skipping server of its own. Needs Temporal directly: run it on the operator's machine."""
    from itc.simulation.parameters import load_parameters

    settings = load_settings()
    protocol = load_protocol(settings)
    try:
        params = load_parameters(parameters)
    except InvalidInput as error:
        fail_with(error)
    if seed is not None:
        params = params.model_copy(update={"seed": seed})
    typer.echo(
        f"Simulating {params.participants} participants from {params.start_date} (seed {params.seed}, protocol {protocol.version})"
    )
    started = time.monotonic()
    run = run_async(_simulate(settings, params, protocol, keep_database))

    from itc.simulation.report import write_report
    from itc.simulation.summary import summary_table

    typer.echo("Writing plots and tables ...")
    report = write_report(run, out)
    wall = time.monotonic() - started
    typer.echo("")
    width = max(len(label) for label, _ in summary_table(report.summary))
    for label, value in summary_table(report.summary):
        typer.echo(f"  {label:<{width}}  {value}")
    typer.echo("")
    for path in report.files.values():
        typer.echo(f"  wrote {path}")
    if run.database_dsn:
        typer.echo(f"  event store kept at {run.database_dsn}")
    typer.echo(
        f"Simulated {report.summary['trial_start']} to {report.summary['last_event']} in {wall:.0f} s of wall time"
    )
    if report.disagreements:
        fail("The event store and the workflows' final states disagree:", report.disagreements)


async def _simulate(
    settings: Settings, params: SimulationParameters, protocol: ProtocolConfig, keep_database: bool
) -> SimulationRun:
    from itc.runtime.devstack import embedded_postgres
    from itc.simulation.progress import Progress
    from itc.simulation.run import run_simulation

    progress = Progress(typer.echo)
    if settings.database_url:
        return await run_simulation(params, protocol, settings.database_url, progress, keep_database)
    # A fresh database on the embedded server `itc dev` uses (started for the run if needed).
    # The server's superuser: each run creates and drops a database of its own, apart from the trial's.
    async with embedded_postgres(settings) as database:
        return await run_simulation(params, protocol, database.superuser_url, progress, keep_database)

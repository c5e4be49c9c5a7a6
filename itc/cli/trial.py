"""`itc trial status|resume`: the cohort's enrolment, DLT tally, pause state and open SAE clocks.
Both go through the HTTP API as the person signed in with `itc login`, and the status lists
each decision's electronic signatures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from itc.base.errors import InvalidInput, validation_lines
from itc.cli import through_api
from itc.cli.answers import TrialStatusAnswer
from itc.cli.errors import fail_with
from itc.cli.flag_names import name_flags
from itc.cli.render import safe, to_json
from itc.models.roles import Role

if TYPE_CHECKING:
    # The trial's own models reference the input models: `trial status` reads the answer only.
    from itc.models.trial import TrialStatus

app = typer.Typer(help="The trial as a whole: enrolment, safety stopping, pause and resume.", no_args_is_help=True)
AsJson = Annotated[bool, typer.Option("--json", help="Print the raw result as JSON.")]


def trial_text(
    status: TrialStatus | TrialStatusAnswer, signatures: dict[str, list[dict[str, Any]]] | None = None
) -> str:
    # The trial's own model (the dashboard's, the tests') is read as the command reads the API's answer.
    status = TrialStatusAnswer.model_validate(status, from_attributes=True)
    lines = [
        f"Trial              {status.trial_id} (protocol {status.protocol_version})",
        f"Enrolled           {status.enrolled} of {status.target}",
        f"DLT-evaluable      {status.evaluable}, DLTs {status.dlts}",
        f"Stopping rule      {status.stopping_rule}; boundary {status.boundary if status.boundary is not None else 'none yet (fewer than 3 evaluable)'}",
        f"Paused             {'YES: ' + (status.pause_reason or '') if status.paused else 'no'}",
    ]
    if status.open_sae_clocks:
        lines.append("Open SAE clocks")
        lines += [
            f"  {c.participant_id} {c.ae_id} {c.clock}: due {c.due_at:%Y-%m-%d %H:%M} UTC ({c.status})"
            for c in status.open_sae_clocks
        ]
    else:
        lines.append("Open SAE clocks    —")
    for number, decision in enumerate(status.decisions, 1):
        lines.append(
            f"{decision.action.title():<19}{decision.at:%Y-%m-%d %H:%M} by {decision.actor}: {decision.reason}"
        )
        # Numbered as `itc sign trial-decision` takes them.
        lines += [f"  #{number} {s['manifestation']}" for s in (signatures or {}).get(str(number), [])]
    # Pause reasons, actors and decision reasons are stored text: escaped line by line.
    return "\n".join(safe(line) for line in lines)


@app.command("status")
def status(as_json: AsJson = False) -> None:
    """Enrolment against the target, DLTs against the boundary, the pause, open SAE clocks."""
    through_api.signed_in_person()
    answer = through_api.trial_status()
    typer.echo(
        to_json(answer)
        if as_json
        else trial_text(TrialStatusAnswer.model_validate(answer), through_api.trial_signatures())
    )


@app.command("resume")
def resume(
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it is safe to resume (recorded).")],
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            "-a",
            metavar="STAFF-ID",
            help="Your staff ID; default the person signed in (the API refuses another).",
        ),
    ] = None,
    role: Annotated[
        Role | None,
        typer.Option("--role", "-r", envvar="ITC_ROLE", help="The role you act in: only supervisors may resume."),
    ] = None,
) -> None:
    """Resume enrolment and infusions after a safety pause (supervisors)."""
    # Imported here: resuming builds the input model, which reading the trial's status never needs.
    from itc.models.trial import ResumeTrialInput

    signed_in = through_api.signed_in_person()
    actor = actor or signed_in
    try:
        request = ResumeTrialInput(actor_id=actor, role=role or Role.SUPERVISOR, reason=reason)
    except ValidationError as error:
        given = {"actor_id": actor, "role": role, "reason": reason}
        fail_with(name_flags(InvalidInput("Invalid resume", lines=validation_lines(error)), given))
    answer = through_api.resume_trial(request.model_dump(mode="json", exclude_none=True))
    typer.echo(trial_text(TrialStatusAnswer.model_validate(answer)))

"""POST /api/journeys/{participant_id}/<action>: one route per staff Update, each taking
that Update's input model, so the OpenAPI spec documents every field."""

# No `from __future__ import annotations`: each route's body annotation is a loop variable,
# which FastAPI can only see if annotations are evaluated when the function is defined.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from itc.api import operations
from itc.api.auth import Principal, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, Problem
from itc.models.inputs import ActionAccepted
from itc.models.roles import DESCRIPTIONS, RECORD_UPDATES, Action, roles_for
from itc.runtime.journeys import UPDATE_INPUTS

router = APIRouter(prefix="/api/journeys", tags=["records"], responses=ERROR_RESPONSES)

ParticipantPath = Annotated[str, Path(description="Study ID, e.g. ITC-007", examples=["ITC-007"])]


def _add_record_route(action: Action) -> None:
    model: Any = UPDATE_INPUTS[RECORD_UPDATES[action]]

    async def record(
        participant_id: ParticipantPath,
        payload: model,
        principal: Annotated[Principal, Depends(require(action))],
        context: Annotated[ApiContext, Depends(get_context)],
    ) -> ActionAccepted:
        return await operations.record_action(context, principal, action, participant_id, payload)

    roles = ", ".join(role.value for role in roles_for(action))
    router.add_api_route(
        f"/{{participant_id}}/{action.value}",
        record,
        methods=["POST"],
        name=RECORD_UPDATES[action],
        summary=DESCRIPTIONS[action].capitalize(),
        description=(
            f"Sends the `{RECORD_UPDATES[action]}` Update and waits for the journey to accept it. "
            f"A refusal by the journey's validator is a 422 with its message. Roles: {roles}."
        ),
        responses={404: {"model": Problem, "description": "No journey for this participant"}},
    )


for _action in RECORD_UPDATES:
    _add_record_route(_action)

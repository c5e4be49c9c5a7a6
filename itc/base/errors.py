"""Expected failures: each carries the one-line message a person should see and an exit code.

Anything that is not one of these is a bug and is allowed to show a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError


class UserFacingError(Exception):
    exit_code = 1

    def __init__(self, message: str, *, lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.lines = list(lines)


class InvalidInput(UserFacingError):
    exit_code = 2


class JourneyAlreadyExists(UserFacingError):
    pass


class EnrolmentClosed(UserFacingError):
    """The trial refuses new participants: the cap is reached or a safety pause is in force."""


class JourneyNotFound(UserFacingError):
    pass


# How the message of an Update the journey refused begins, whichever way it reaches the person.
REFUSAL_PREFIX = "Rejected: "


class UpdateRejected(UserFacingError):
    pass


class RequestConflict(UpdateRejected):
    """A request ID already used for another action: nothing was recorded, and the earlier event is named."""


class QueryFailed(UserFacingError):
    """The workflow is there but cannot answer, e.g. its task is failing after a bad deploy."""


class NoWorker(UserFacingError):
    exit_code = 3


class TemporalUnreachable(UserFacingError):
    exit_code = 3


class DatabaseUnreachable(UserFacingError):
    exit_code = 3


class DevStackError(UserFacingError):
    exit_code = 3


def validation_lines(error: ValidationError) -> list[str]:
    """'height_cm: Input should be greater than or equal to 100', one per problem."""
    return problem_lines(error.errors(include_url=False))


def problem_lines(problems: Iterable[Mapping[str, Any]]) -> list[str]:
    """The same lines from pydantic's error dicts (e.g. a web framework's request errors)."""
    lines = []
    for problem in problems:
        location = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"]
        # Model validators raise ValueError; pydantic prefixes that, which reads as noise.
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        lines.append(f"{location}: {message}" if location else message)
    return lines


def invalid_from_validation(error: ValidationError, what: str) -> InvalidInput:
    lines = validation_lines(error)
    return InvalidInput(f"Invalid {what}: {len(lines)} problem(s)", lines=lines)

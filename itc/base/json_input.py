"""Reading a JSON object a person gives (a file, or standard input for '-') and validating
it against an input model, each problem a one-line message. Light to import: the command
line checks its input with these before anything connects to a server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from itc.base.errors import InvalidInput, invalid_from_validation

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_text_input(source: str | Path, what: str) -> str:
    """Read a file (or stdin for '-') as UTF-8, turning I/O problems into one-line errors."""
    if str(source) == "-":
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        name = "standard input"
    else:
        name = str(source)
        try:
            raw = Path(source).read_bytes()
        except FileNotFoundError:
            raise InvalidInput(f"Cannot read {what} {name}: no such file") from None
        except IsADirectoryError:
            raise InvalidInput(f"Cannot read {what} {name}: it is a directory") from None
        except OSError as error:
            raise InvalidInput(f"Cannot read {what} {name}: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"Cannot read {what} {name}: not UTF-8 text (bad byte at position {error.start}); save it as UTF-8 JSON"
        ) from None


def parse_json_object(text: str, source: str | Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Cannot read {what} {source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"Cannot read {what} {source}: expected a JSON object {{...}}")
    return data


def load_json_object(source: str | Path, what: str) -> dict[str, Any]:
    return parse_json_object(read_text_input(source, what), source, what)


def validate_model(model: type[ModelT], data: Any, what: str) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_from_validation(error, what) from None

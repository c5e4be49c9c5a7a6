"""Text hygiene for every string a person or system types into the trial.

Control characters break the permanent record in two ways: PostgreSQL refuses NUL in text,
so an event holding one can never be stored, and terminal controls (BEL, CR, escape
sequences) or Unicode bidirectional overrides make an audit trail display something other
than what it holds. Every free-text field of every input model is one of the types below,
so a field cannot forget the check (a test walks the models to make sure).

The check runs before pydantic's own string handling, so it sees the text as sent: a
control character at either end is refused, not silently stripped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

# Unicode bidirectional formatting characters: they reorder how text is shown, so a reason
# could read differently on screen than in the record ("Trojan Source").
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f", "\u061c"]
)
# Newline and tab are the only layout a multi-line field keeps.
MULTI_LINE_LAYOUT = frozenset("\n\t")


def forbidden_character(text: str, *, multi_line: bool = False) -> str | None:
    """The first character a stored text may not hold, or None when it is clean."""
    for char in text:
        code = ord(char)
        if multi_line and char in MULTI_LINE_LAYOUT:
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or char in BIDI_CONTROLS:
            return char
    return None


def describe(char: str) -> str:
    kind = "a bidirectional control character" if char in BIDI_CONTROLS else "a control character"
    return f"{kind} (U+{ord(char):04X})"


@dataclass(frozen=True)
class TextHygiene:
    """Marks a string field as checked; the marker is what the model-walking test looks for."""

    multi_line: bool = False

    def __call__(self, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value  # pydantic's own type check names the problem
        if self.multi_line:
            # A browser's textarea sends CRLF line ends; a lone CR is still refused.
            value = value.replace("\r\n", "\n")
        char = forbidden_character(value, multi_line=self.multi_line)
        if char is not None:
            field = info.field_name or "text"
            raise ValueError(f"{field} contains {describe(char)}; remove it")
        return value


SINGLE_LINE = TextHygiene(multi_line=False)
MULTI_LINE = TextHygiene(multi_line=True)

# One line of text: names, codes, IDs, short labels.
SingleLineText = Annotated[str, BeforeValidator(SINGLE_LINE)]
# Text documented as multi-line (a reason typed in a textarea): newline and tab allowed.
MultiLineText = Annotated[str, BeforeValidator(MULTI_LINE)]


def escape_controls(text: str) -> str:
    """Show stored text safely on a terminal: every character the inputs refuse is shown as
    its escape (\\x07, \\u202e), so text recorded before the check cannot act on the screen."""
    if forbidden_character(text) is None:
        return text
    return "".join(_escape(char) if forbidden_character(char) else char for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

"""The chain-of-identity identifier (COI) and the unit IDs that carry it.

ISBT 128 ST-028 defines a Chain of Identity identifier, but its text is not public, so the
format here is our own, documented, and checked the way ISBT 128 checks its donation
identification numbers: one check character by ISO 7064 mod 37-2 (the JPAC Red Book,
Annex 2, works the algorithm through; `G123498654321` gives `H`).

    COI      ITC-7K3P-Q9XM-H          "ITC", eight base-36 characters, the check character
    unit ID  ITC-7K3P-Q9XM-H-S1       the biopsy specimen of attempt 1
             ITC-7K3P-Q9XM-H-U2       the infusion bag for infusion 2

The check character covers the COI's characters without the hyphens, so a COI typed or
scanned with one character wrong, or two swapped, is refused at entry. Every unit ID begins
with its participant's whole COI, so a scan names both the person and the unit.

Pure computation: the journey derives a COI inside the workflow sandbox.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

# ISO 7064 mod 37-2 values: 0-9, then A-Z as 10-35, and "*" as 36 (a check character only).
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
MODULUS = 37
RADIX = 2
PREFIX = "ITC"
SERIAL_LENGTH = 8

COI_PATTERN = re.compile(r"^ITC-([0-9A-Z]{4})-([0-9A-Z]{4})-([0-9A-Z*])$")
UNIT_PATTERN = re.compile(r"^(ITC-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*])-([SU])([1-9])$")


class UnitKind(StrEnum):
    """What a unit holds; the letter is its suffix in the unit ID."""

    SPECIMEN = "S"
    BAG = "U"

    @property
    def label(self) -> str:
        return "Specimen" if self is UnitKind.SPECIMEN else "Bag"


class IdentifierError(ValueError):
    """A COI or unit ID that is malformed or whose check character is wrong."""


def check_character(characters: str) -> str:
    """The ISO 7064 mod 37-2 check character of `characters` (0-9, A-Z)."""
    total = 0
    for char in characters:
        value = ALPHABET.find(char)
        if value < 0 or value == MODULUS - 1:
            raise IdentifierError(f"{char!r} cannot appear in an identifier; use 0-9 and A-Z")
        total = ((total + value) * RADIX) % MODULUS
    return ALPHABET[(MODULUS + 1 - total) % MODULUS]


def coi_from_seed(seed: str) -> str:
    """A COI derived from `seed` (the trial, the participant and the enrolment time), the same on every replay."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    serial = ""
    for _ in range(SERIAL_LENGTH):
        digest, index = divmod(digest, 36)
        serial += ALPHABET[index]
    return f"{PREFIX}-{serial[:4]}-{serial[4:]}-{check_character(PREFIX + serial)}"


def parse_coi(text: str) -> str:
    """The COI in `text` (spaces and case forgiven), or IdentifierError saying what is wrong."""
    candidate = text.strip().upper()
    match = COI_PATTERN.match(candidate)
    if match is None:
        raise IdentifierError(f"{text!r} is not a chain-of-identity ID; it reads like ITC-7K3P-Q9XM-H")
    body = PREFIX + match.group(1) + match.group(2)
    if check_character(body) != match.group(3):
        raise IdentifierError(
            f"{candidate} has a wrong check character: re-scan or re-type it; do not use this unit until it reads correctly"
        )
    return candidate


@dataclass(frozen=True)
class UnitId:
    coi: str
    kind: UnitKind
    number: int

    def __str__(self) -> str:
        return f"{self.coi}-{self.kind.value}{self.number}"


def unit_id(coi: str, kind: UnitKind, number: int) -> str:
    return str(UnitId(coi, kind, number))


def parse_unit_id(text: str) -> UnitId:
    """The unit in `text`, its COI's check character checked, or IdentifierError."""
    candidate = text.strip().upper()
    match = UNIT_PATTERN.match(candidate)
    if match is None:
        raise IdentifierError(
            f"{text!r} is not a unit ID; it reads like ITC-7K3P-Q9XM-H-U2 (the COI, then S or U and the unit number)"
        )
    return UnitId(parse_coi(match.group(1)), UnitKind(match.group(2)), int(match.group(3)))

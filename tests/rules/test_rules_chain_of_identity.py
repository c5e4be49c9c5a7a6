"""The chain-of-identity identifier and its ISO 7064 mod 37-2 check character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.chain_of_identity import (
    ALPHABET,
    IdentifierError,
    UnitKind,
    check_character,
    coi_from_seed,
    parse_coi,
    parse_unit_id,
    unit_id,
)

SERIAL = st.text(alphabet=ALPHABET[:36], min_size=8, max_size=8)


def test_check_character_matches_the_published_iso_7064_mod_37_2_example():
    """JPAC Red Book, Annex 2 (ISBT 128 check character), Table A2.2: G123 498 654 321 gives H (checksum 17)."""
    assert check_character("G123498654321") == "H"


def test_a_coi_is_derived_the_same_way_every_time_and_reads_back():
    coi = coi_from_seed("run-1")
    assert coi == coi_from_seed("run-1") != coi_from_seed("run-2")
    assert parse_coi(coi) == coi
    assert parse_coi(f"  {coi.lower()} ") == coi


@given(SERIAL, st.integers(min_value=0, max_value=7), st.sampled_from(ALPHABET[:36]))
def test_any_single_wrong_character_is_refused_iso_7064(serial, position, replacement):
    """ISO 7064 pure systems detect every single substitution error."""
    good = f"ITC-{serial[:4]}-{serial[4:]}-{check_character('ITC' + serial)}"
    typo = serial[:position] + replacement + serial[position + 1 :]
    if typo == serial:
        return
    with pytest.raises(IdentifierError, match="wrong check character"):
        parse_coi(f"ITC-{typo[:4]}-{typo[4:]}-{good[-1]}")


@given(SERIAL, st.integers(min_value=0, max_value=6))
def test_two_swapped_neighbours_are_refused_iso_7064(serial, position):
    """ISO 7064 mod 37-2 also detects every transposition of adjacent characters."""
    swapped = serial[:position] + serial[position + 1] + serial[position] + serial[position + 2 :]
    if swapped == serial:
        return
    check = check_character("ITC" + serial)
    with pytest.raises(IdentifierError):
        parse_coi(f"ITC-{swapped[:4]}-{swapped[4:]}-{check}")


def test_a_unit_id_names_its_coi_and_unit():
    coi = coi_from_seed("run-1")
    bag = parse_unit_id(unit_id(coi, UnitKind.BAG, 2))
    assert (bag.coi, bag.kind, bag.number) == (coi, UnitKind.BAG, 2)
    assert str(bag) == f"{coi}-U2"


def test_a_unit_id_with_a_wrong_check_character_is_refused():
    coi = coi_from_seed("run-1")
    wrong = coi[:-1] + ("A" if coi[-1] != "A" else "B")
    with pytest.raises(IdentifierError, match="wrong check character"):
        parse_unit_id(f"{wrong}-U1")
    with pytest.raises(IdentifierError, match="not a unit ID"):
        parse_unit_id(f"{coi}-X1")

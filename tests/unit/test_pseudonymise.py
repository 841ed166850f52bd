"""Pseudonymisation and national-number validation, each on its own."""

from __future__ import annotations

import hmac

import polars as pl
import pytest

from leerwinkels.privacy.pseudonymise import (
    MissingPseudonymKey,
    Pseudonymiser,
    is_valid_national_number,
    key_from_environment,
    normalise_person_name,
)


def _with_check(first9: str, born_2000_or_later: bool = False) -> str:
    base = int(("2" if born_2000_or_later else "") + first9)
    return f"{first9}{97 - base % 97:02d}"


@pytest.mark.parametrize("number", [
    "85.07.30-033.28",           # punctuated, born before 2000
    "85073003328",               # bare
    _with_check("010616400", True),   # born in 2001: the 2 before the nine digits
    _with_check("000222434", True),   # born in 2000
    _with_check("854730033"),    # BIS number: month + 40
    _with_check("852730033"),    # BIS number: month + 20
    " 85 07 30 033 28 ",         # stray spaces
])
def test_valid_national_numbers(number):
    assert is_valid_national_number(number)


@pytest.mark.parametrize("number", [
    "85073003327",               # wrong check digits
    "8507300332",                # ten digits that do not become valid with a leading zero
    "850730033281",              # twelve digits
    _with_check("851330033"),    # month 13
    _with_check("850732033"),    # day 32
    "abcdefghijk", "", None,
])
def test_invalid_national_numbers(number):
    assert not is_valid_national_number(number)


def test_number_that_lost_its_leading_zero_in_a_spreadsheet_is_recovered():
    number = _with_check("010616400", True)
    assert number.startswith("0") and is_valid_national_number(number[1:])


def test_pseudonym_is_hmac_sha256_and_stable_for_the_same_key():
    key = b"a-key-of-sufficient-length"
    p = Pseudonymiser(key)
    assert p.digest("nn:85073003328") == hmac.new(key, b"nn:85073003328", "sha256").hexdigest()
    assert Pseudonymiser(key).digest("nn:85073003328") == p.digest("nn:85073003328")
    long_key = b"k" * 200  # keys longer than the block size are hashed first, as in RFC 2104
    assert Pseudonymiser(long_key).digest("x") == hmac.new(long_key, b"x", "sha256").hexdigest()


def test_another_key_gives_another_pseudonym():
    assert Pseudonymiser(b"first-key-0123456789").digest("nn:85073003328") != Pseudonymiser(b"second-key-0123456789").digest("nn:85073003328")


def test_series_pseudonymises_each_value_and_keeps_nulls():
    p = Pseudonymiser(b"a-key-of-sufficient-length")
    out = p.series(pl.Series(["a", None, "a", "b"]))
    assert out[0] == out[2] == p.digest("a") and out[1] is None and out[3] == p.digest("b")


@pytest.mark.parametrize("values", [
    ["a", "b", None, "c"],                      # all distinct: hashed in order
    ["a", None, "a", "b", None, "é€", ""],     # repeated: each distinct once
    [None, None],
    [],
])
def test_series_equals_hmac_per_value(values):
    key = b"a-key-of-sufficient-length"
    out = Pseudonymiser(key).series(pl.Series("m", values, dtype=pl.String))
    assert out.name == "m" and out.dtype == pl.String
    assert out.to_list() == [None if v is None else hmac.new(key, v.encode(), "sha256").hexdigest() for v in values]


def test_national_number_digits_restores_a_lost_leading_zero():
    from leerwinkels.privacy.pseudonymise import national_number_digits

    frame = pl.DataFrame({"v": ["1.06.16-400.12", "85.07.30-033.28", " - ", None, "123"]})
    assert frame.select(national_number_digits(pl.col("v"))).to_series().to_list() == [
        "01061640012", "85073003328", None, None, "123"]


def test_pseudonymiser_never_shows_its_key():
    assert "secret" not in repr(Pseudonymiser(b"secret-key-0123456789"))


def test_missing_or_short_key_is_refused_with_instructions():
    with pytest.raises(MissingPseudonymKey, match="export LEERWINKELS_PSEUDONYM_KEY"):
        key_from_environment({})
    with pytest.raises(MissingPseudonymKey, match="too short"):
        key_from_environment({"LEERWINKELS_PSEUDONYM_KEY": "short"})
    assert key_from_environment({"LEERWINKELS_PSEUDONYM_KEY": "long-enough-key-0123"}) == b"long-enough-key-0123"


def test_mechelen_names_are_normalised_before_hashing():
    names = pl.Series(["  Amélie   Maës ", "AMELIE MAES", "Jan Peeters"])
    assert pl.select(normalise_person_name(pl.lit(names))).to_series().to_list() == ["amelie maes", "amelie maes", "jan peeters"]

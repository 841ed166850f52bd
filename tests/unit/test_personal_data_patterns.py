"""The personal-data shapes are written once (privacy/patterns.py); the scan of tables and the
masking of what is shown must agree on them."""

import polars as pl
import pytest

from leerwinkels.privacy.personal_data import personal_data_hits
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.privacy.shown_values import scrub, shown_name

NATIONAL_NUMBERS = ["85073112345", "85.07.31-123.45", "850731-123.45", "850731 123 45", "85.07.31.123.45"]
EMAILS = ["jan.peeters@example.org", "a+b@mail.example.be"]
PHONES = ["0470 12 34 56", "0470/12.34.56", "+32 470 12 34 56", "09 123 45 67", "02/123.45.67"]
PERSONAL = [("national_number", v) for v in NATIONAL_NUMBERS] + [("email", v) for v in EMAILS] + [("phone", v) for v in PHONES]


def _scan(value: str) -> set[str]:
    """The patterns the scan reports for one cell holding ``value`` in a sentence."""
    hits = personal_data_hits(pl.DataFrame({"text": [f"see {value} here"]}))
    return {key.split(":")[1] for key in hits}


@pytest.mark.parametrize(("shape", "value"), PERSONAL, ids=[v for _, v in PERSONAL])
def test_scan_and_messages_agree_on_personal_values(shape, value):
    assert shape in _scan(value)
    message = scrub(f"could not read {value} in column X")
    assert value not in message and "<masked>" in message


@pytest.mark.parametrize("value", NATIONAL_NUMBERS)
def test_names_mask_national_numbers_even_between_letters(value):
    shown = shown_name(f"klant_{value}_export.xlsx")
    assert value not in shown and shown.startswith("klant_") and shown.endswith("_export.xlsx")


@pytest.mark.parametrize("value", EMAILS)
def test_names_mask_addresses(value):
    assert value not in shown_name(f"van {value}.xlsx")


@pytest.mark.parametrize("value", ["2024-01-15", "9000", "Werkend", "16-24", "12.5", "ingest failed: 3 of 120 rows"])
def test_ordinary_values_are_not_personal(value):
    assert _scan(value) == set()


def test_digits_inside_a_pseudonym_are_no_national_number():
    pseudonyms = Pseudonymiser(b"k" * 32).series(pl.Series([f"client-{i}" for i in range(2000)]))
    with_long_digit_runs = pseudonyms.filter(pseudonyms.str.contains(r"\d{11}"))
    assert with_long_digit_runs.len() > 0  # the case the word boundaries are for does occur
    assert personal_data_hits(pl.DataFrame({"client": pseudonyms})) == {}


def test_file_names_keep_their_dates():
    # (the scan skips file-name columns: to the phone shape this date is a number, see personal_data.py)
    assert shown_name("dossiers 01.11.2026.xlsx") == "dossiers 01.11.2026.xlsx"


def test_an_amount_in_a_number_column_is_no_national_number_but_a_planted_one_is_found():
    # a network of a million trajectories costs hundreds of millions of euros: "123456789.01"
    # has the digits of a punctuated national number (850731123.45) but is an amount
    published = pl.DataFrame({"cost_eur": ["123456789.01", "85073112345", "85073112345.0", None], "label": ["a", "b", "c", "d"]})
    assert personal_data_hits(published, numbers={"cost_eur"}) == {"cost_eur:national_number": 2}
    # read as text without knowing it is a number column, the amount still counts (the strict default)
    assert personal_data_hits(published) == {"cost_eur:national_number": 3}
    # a text column keeps the full scan, even where the name says number
    assert personal_data_hits(pl.DataFrame({"label": ["850731123.45"]}), numbers={"cost_eur"}) == {"label:national_number": 1}


def test_a_national_number_in_a_number_column_is_found_as_polars_writes_it(tmp_path):
    # what write_csv emits for an 11-digit number: "85073112345" (Int64), "85073112345.0" and
    # "-85073112345.0" (Float64; exponent notation only from 1e16 on): the integer part keeps it
    planted = pl.DataFrame({"count": [85073112345, -85073112345, 3], "share": [85073112345.0, -85073112345.0, 0.85073112345]})
    planted.write_csv(tmp_path / "t.csv")
    published = pl.read_csv(tmp_path / "t.csv", infer_schema_length=0)
    assert published["share"].to_list()[:2] == ["85073112345.0", "-85073112345.0"]
    assert personal_data_hits(published, numbers={"count", "share"}) == {"count:national_number": 2, "share:national_number": 2}

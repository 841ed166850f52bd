"""Parsing, mapping and derived fields, each on its own."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.ingest import parsing as p


def _one(expr: pl.Expr, value):
    return pl.select(expr.alias("v")).item() if value is None else pl.DataFrame({"x": [value]}).select(expr).item()


@pytest.mark.parametrize("text,serial,expected", [
    ("2023-02-20 00:00:00", False, date(2023, 2, 20)),   # a real Excel date, read as text
    ("2023-02-20T10:30:00", False, date(2023, 2, 20)),   # ISO datetime (Gent)
    ("05/02/2022", False, date(2022, 2, 5)),             # dd/mm/yyyy text
    ("5/2/2022", False, date(2022, 2, 5)),
    ("31/02/2023", False, None),                         # not a date
    ("44711", True, date(2022, 5, 30)),                  # Excel serial (West-Vlaanderen)
    ("33419.0", True, date(1991, 6, 30)),
    ("44711", False, None),                              # serials only where a source declares them
    ("nog lopend", False, None),
    ("  ", False, None),
    ("1850-01-01", False, None),                          # outside the plausible range
])
def test_parse_date(text, serial, expected):
    assert _one(p.parse_date(pl.col("x"), serial), text) == expected


@pytest.mark.parametrize("text,comma,expected", [("0,75", True, 0.75), ("1.234,5", True, 1234.5), ("90", False, 90.0), ("x", False, None), ("", False, None)])
def test_parse_number(text, comma, expected):
    assert _one(p.parse_number(pl.col("x"), comma), text) == expected


def test_labels_are_compared_trimmed_and_case_insensitively():
    mapping = {"Vrouw": "female", "Werkzoekend / Demandeur d'emploi": "jobseeker"}
    values = pl.DataFrame({"x": ["Vrouw ", " vrouw", "VROUW", "werkzoekend  /  demandeur d'emploi", "Zelfstandige", None]})
    assert values.select(p.map_code(pl.col("x"), mapping)).to_series().to_list() == ["female", "female", "female", "jobseeker", None, None]


@pytest.mark.parametrize("born,on,years", [
    (date(1990, 5, 10), date(2020, 5, 9), 29),
    (date(1990, 5, 10), date(2020, 5, 10), 30),
    (date(2000, 2, 29), date(2021, 2, 28), 20),
])
def test_whole_years_between(born, on, years):
    frame = pl.DataFrame({"b": [born], "o": [on]})
    assert frame.select(p.whole_years_between(pl.col("b"), pl.col("o"))).item() == years


@pytest.mark.parametrize("age,band", [(16, "16-24"), (24, "16-24"), (25, "25-34"), (54, "45-54"), (55, "55+"), (100, "55+"), (None, "unknown")])
def test_age_band(age, band):
    assert pl.DataFrame({"a": [age]}, schema={"a": pl.Int32}).select(p.age_band(pl.col("a"))).item() == band


def test_postcode_keeps_four_digits_only():
    values = pl.DataFrame({"x": ["1190", "1190.0", "119", "B-1000", None]})
    assert values.select(p.postcode(pl.col("x"))).to_series().to_list() == ["1190", "1190", None, None, None]


def test_scrub_masks_personal_shapes_in_messages():
    message = p.scrub("cell 85.07.30-033.28 near jan@example.be and 0485 67 70 93")
    assert "85.07" not in message and "example.be" not in message and "0485" not in message


@pytest.mark.parametrize("values", [
    ["2024-01-02", None, " 02/01/2024 ", "2024-01-02", "", "nonsense", None, "2024-01-02"],  # few distinct: mapped back
    ["2024-01-02", None, "03/01/2024", "x"],  # mostly distinct: evaluated at once
    [],
])
def test_by_distinct_gives_what_the_expression_gives(values):
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    for fn, dtype in [
        (p.parse_date, pl.Date),
        (lambda e: pl.coalesce(p.map_code(e, {"2024-01-02": "a"}), pl.lit("unknown")), pl.String),
        (p.label_key, pl.String),
    ]:
        direct = frame.select(fn(pl.col("x")).alias("y"))
        once = frame.select(p.by_distinct(pl.col("x"), fn, dtype).alias("y"))
        assert once.equals(direct) and once.schema == direct.schema


def test_clean_text_trims_and_makes_blanks_null():
    frame = pl.DataFrame({"x": [" a ", "", "  ", None, "\u00a0b\t"]})
    assert frame.select(p.clean_text(pl.col("x"))).to_series().to_list() == ["a", None, None, None, "b"]


# ---------------------------------------------------------------- values that never become an error or a table value


def test_numbers_of_national_number_size_are_no_numbers_and_no_cast_error():
    values = pl.DataFrame({"x": ["85073112305", "7", "1e12", "12,5"]})
    assert values.select(p.parse_int(pl.col("x"), pl.Int32)).to_series().to_list() == [None, 7, None, None]
    assert values.select(p.parse_number(pl.col("x"))).to_series().to_list() == [None, 7.0, None, None]


def test_an_excel_serial_far_out_of_range_is_no_date_and_no_panic():
    assert _one(p.parse_date(pl.col("x"), excel_serial=True), "85073112305") is None


def test_control_characters_are_removed_and_counted_tab_and_line_breaks_kept():
    frame = pl.DataFrame({"a": ["x\x00y", "t\tab", "l\nm", None], "b": ["_x0007_q", "ok", "\x1f", "\r\n"], "n": [1, 2, 3, 4]})
    cleaned, removed = p.without_control_chars(frame)
    assert removed == 3
    assert cleaned.to_dict(as_series=False) == {"a": ["xy", "t\tab", "l\nm", None], "b": ["q", "ok", "", "\r\n"], "n": [1, 2, 3, 4]}
    clean = pl.DataFrame({"a": ["plain", "text"]})
    assert p.without_control_chars(clean) == (clean, 0)


@pytest.mark.parametrize("values,month_first", [
    (["12/31/2025", "01/13/2024", "02/02/2024", "05/28/2023"], True),  # days 13-31 in front
    (["31/12/2025", "13/01/2024", "02/02/2024", "28/05/2023"], False),  # day-first as declared
    (["31/12/2025", "05/13/2024"] + ["01/02/2024"] * 10, False),  # one typo is no month-first file
    (["2025-12-31", "2024-01-13"], False),  # no dd/mm/yyyy at all
])
def test_month_first_dates_are_recognised(values, month_first):
    assert p.looks_month_first(*p.month_first_dates(pl.Series(values))) is month_first


def test_labels_compare_after_nfc():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Heroriëntering")
    assert decomposed != "Heroriëntering"
    assert _one(p.map_code(pl.col("x"), {"heroriëntering": "reorientation"}), decomposed) == "reorientation"


def test_masked_labels_and_shown_file_names():
    from leerwinkels.privacy.shown_values import mask_label, shown_name

    assert mask_label("Jan Peeters") == "J…(11)"
    assert shown_name("Leerwinkel Leuven dossiers 01.11.2026.xlsx") == "Leerwinkel Leuven dossiers 01.11.2026.xlsx"
    assert shown_name("klanten_20261120.csv") == "klanten_20261120.csv"
    for planted in ("85073112305", "85.07.31-123.05", "850731 123 05"):
        assert shown_name(f"klanten_{planted}.csv") == f"klanten_{mask_label(planted)}.csv"
    # an e-mail address runs on over the word characters around it: masked with them
    assert "peeters" not in shown_name("klanten_jan.peeters@example.org.csv")

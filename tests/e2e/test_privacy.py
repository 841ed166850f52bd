"""No client exposed: no personal value of the samples occurs in any warehouse table, any file
the run wrote (staging, publication, database), or the run's log."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from leerwinkels.privacy.personal_data import personal_data_hits


def _needles(personal_values: list[str]) -> list[str]:
    needles = set()
    for value in personal_values:
        needles.add(value.lower())
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) >= 9:  # national and phone numbers, however punctuated
            needles.add(digits)
    return sorted(needles)


def _text_cells(frame: pl.DataFrame) -> list[str]:
    cols = [c for c, t in frame.schema.items() if t == pl.String]
    return [v for c in cols for v in frame[c].drop_nulls().to_list()]


def test_no_personal_value_in_any_warehouse_table(sample_run, personal_values):
    needles = _needles(personal_values)
    for name, frame in sample_run.tables.items():
        for cell in _text_cells(frame):
            low = cell.lower()
            assert not any(n in low for n in needles if not n.isdigit()), f"personal value in table {name}"
            digits = "".join(ch for ch in cell if ch.isdigit())
            if len(cell) < 64:  # pseudonyms are 64 hex characters; their digits are not numbers
                assert not any(n in digits for n in needles if n.isdigit()), f"personal number in table {name}"


def test_no_personal_value_in_any_file_the_run_wrote(sample_run, personal_values):
    words = [n for n in _needles(personal_values) if not n.isdigit()]
    numbers = [n for n in _needles(personal_values) if n.isdigit()]
    written = [p for p in Path(sample_run.root).rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in written) and any(p.suffix == ".xlsx" for p in written)
    for path in written:
        if path.suffix == ".parquet":
            text = " ".join(_text_cells(pl.read_parquet(path))).lower()
        elif path.suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True)
            text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None).lower()
        else:
            text = path.read_bytes().decode("utf-8", "ignore").lower()
        for word in words:
            assert word not in text, f"personal value in {path.name}"
        runs = set(re.findall(r"\d+", text))
        for number in numbers:
            assert number not in runs, f"personal number in {path.name}"


def test_no_personal_value_in_the_run_log(sample_run, personal_values):
    log = sample_run.log.lower()
    assert len(log) > 1000  # the log really was captured
    runs = set(re.findall(r"\d+", log))
    for needle in _needles(personal_values):
        if needle.isdigit():
            assert needle not in runs, "personal number in the run's log"
        else:
            assert needle not in log, "personal value in the run's log"


def test_no_table_has_text_shaped_like_personal_data(sample_run):
    for name, frame in sample_run.tables.items():
        assert personal_data_hits(frame) == {}, name


def test_personal_pattern_scan_finds_planted_values():
    frame = pl.DataFrame({"a": ["ok", "mail jan.peeters@example.be", "85.07.30-033.28", "0485 67 70 93", "x" * 64]})
    hits = personal_data_hits(frame)
    assert hits == {"a:email": 1, "a:national_number": 1, "a:phone": 1}


def test_a_name_typed_into_a_code_column_is_hidden_in_the_unmapped_report(tmp_path):
    """dq_unmapped_values reports labels outside the mapping; a client's name typed into a
    code column must not become such a label (the e-mail/phone/number scrub cannot see it)."""
    import shutil
    from datetime import date

    from leerwinkels.ingest.source_specs import all_specs
    from leerwinkels.ingest.staging import stage_source
    from leerwinkels.privacy.pseudonymise import Pseudonymiser
    from tests.conftest import AS_OF, SAMPLES, TEST_KEY

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "genk", landing / "genk")
    (csv_path,) = (landing / "genk").glob("klanten_*.csv")
    frame = pl.read_csv(csv_path, separator=";", encoding="windows-1252", infer_schema=False)
    surname, first = [part.strip() for part in frame["Naam"][1].split(",")]
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(f"{first} {surname.upper()}"))  # the client's own name
        .when(pl.int_range(pl.len()).is_between(2, 4)).then(pl.lit("Interimkantoor"))  # a real new label, in 3 rows
        .otherwise(pl.col("Arbeidssituatie")).alias("Arbeidssituatie")
    )
    csv_path.write_bytes(frame.write_csv(separator=";").encode("cp1252"))

    staged = stage_source(all_specs()["genk"], landing, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")
    labour = staged["unmapped"].filter(pl.col("column") == "labour_status")
    values = labour["value"].to_list()
    assert "Interimkantoor" in values
    # the name is shown masked (first letter, length), with the line to find it at
    masked = labour.filter(pl.col("value") == f"{first[0]}…({len(first) + 1 + len(surname)})")
    assert masked.height == 1 and masked["rows_at"][0] == f"{csv_path.name} line 3", masked
    assert not any(surname.lower() in v.lower() or first.lower() in v.lower() for v in values)

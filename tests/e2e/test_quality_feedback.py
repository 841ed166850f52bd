"""Issue 20 end to end: the scorecard and the six feedback workbooks of a real consolidation
(the samples through the whole Dagster graph), scanned for personal values and for another
Leerwinkel's rows; the completeness shares recounted directly in the warehouse; and a late
contact found across two deliveries."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import openpyxl
import polars as pl
import pytest

from leerwinkels.ingest.source_specs import LEERWINKELS
from leerwinkels.privacy.personal_data import personal_data_hits
from leerwinkels.quality.feedback_workbook import SHEETS
from leerwinkels.quality.scorecard import COMPLETENESS
from leerwinkels.run.runner import consolidate
from tests.conftest import AS_OF
from tests.factories import genk_rows


def _workbooks(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in (root / "publication" / "feedback").glob("*.xlsx")}


def _sheet_rows(path: Path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    return [dict(zip(header, row, strict=False)) for row in rows[2:]]


def _all_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_six_feedback_workbooks_beside_the_publication_not_in_it(sample_run):
    books = _workbooks(sample_run.root)
    assert sorted(books) == sorted(LEERWINKELS)
    for path in books.values():
        assert openpyxl.load_workbook(path, read_only=True).sheetnames == [*SHEETS, "Toelichting"]
    # no feedback in the public files: the CSVs and the publication workbook are the published tables only
    public = {p.name for p in (sample_run.root / "publication").iterdir() if p.is_file()}
    assert not any(code in name for code in LEERWINKELS for name in public)


def test_the_feedback_workbooks_hold_no_personal_value(sample_run, personal_values):
    needles = {v.lower() for v in personal_values}
    numbers = {d for v in personal_values if len(d := "".join(ch for ch in v if ch.isdigit())) >= 9}
    for code, path in _workbooks(sample_run.root).items():
        text = _all_text(path).lower()
        assert not [n for n in needles if n in text], f"personal value in feedback/{code}.xlsx"
        assert not numbers & set(re.findall(r"\d+", text)), f"personal number in feedback/{code}.xlsx"
        for sheet, (_, _, columns) in SHEETS.items():
            rows = _sheet_rows(path, sheet)
            frame = pl.DataFrame([{k: (None if v is None else str(v)) for k, v in r.items()} for r in rows],
                                 schema=dict.fromkeys([h for _, h in columns], pl.String))
            assert personal_data_hits(frame) == {}, f"personal-data shape in feedback/{code}.xlsx [{sheet}]"


def test_a_feedback_workbook_holds_only_its_own_leerwinkel(sample_run):
    tables = sample_run.tables
    files = tables["dq_source_files"]
    quarantine = tables["dq_quarantine"]
    for code, path in _workbooks(sample_run.root).items():
        own_files = set(files.filter(pl.col("leerwinkel") == code).get_column("file_name").to_list())
        others = set(files.filter(pl.col("leerwinkel") != code).get_column("file_name").to_list()) - own_files
        text = _all_text(path)
        assert not [name for name in others if name in text], f"another Leerwinkel's file in feedback/{code}.xlsx"
        rows = _sheet_rows(path, "Quarantaine")
        assert {r["Bestand"] for r in rows} <= own_files
        own = quarantine.filter(pl.col("leerwinkel") == code)
        assert sorted((r["Bestand"], r["Blad"] or "", r["Rij"]) for r in rows) == sorted(
            (f, s or "", n) for f, s, n in own.select("file_name", "sheet", "row_number").iter_rows())
        for sheet in ("Vergeten dossiers", "Late registraties"):
            assert {r["Bestand"] for r in _sheet_rows(path, sheet)} <= own_files
        # of the others only the network median: the scorecard sheet has one row per measure
        assert len(_sheet_rows(path, "Scorekaart")) == 15


def test_scorecard_completeness_equals_a_direct_count_in_the_warehouse(sample_run):
    """The shares recounted with SQL on `trajectories`, independently of the polars code."""
    path = sample_run.database_url.removeprefix("sqlite:///")
    card = sample_run.tables["dq_scorecard"]
    sql = {
        "missing_gender": "gender IS NULL OR gender = 'unknown'",
        "missing_age": "age_at_intake IS NULL",
        "missing_education_level": "education_level IS NULL OR education_level = 'unknown'",
        "missing_dutch_level": "dutch_level IS NULL OR dutch_level = 'unknown'",
        "missing_labour_status": "labour_status IS NULL OR labour_status = 'unknown'",
        "missing_inflow_channel": "inflow_channel IS NULL OR inflow_channel = 'unknown'",
        "missing_learning_question": "learning_question IS NULL OR learning_question = 'unknown'",
    }
    with sqlite3.connect(path) as db:
        for measure, where in sql.items():
            counted = dict(db.execute(f"SELECT leerwinkel, AVG(CASE WHEN {where} THEN 1.0 ELSE 0.0 END) FROM trajectories GROUP BY leerwinkel").fetchall())
            for row in card.iter_rows(named=True):
                if row[measure] is not None:
                    assert row[measure] == pytest.approx(counted[row["leerwinkel"]]), (measure, row["leerwinkel"])
    assert set(sql) | {"missing_postcode", "missing_national_number"} == set(COMPLETENESS)


def test_one_scorecard_row_per_leerwinkel_and_run(sample_run):
    card = sample_run.tables["dq_scorecard"]
    assert sorted(card.get_column("leerwinkel").to_list()) == sorted(LEERWINKELS) and card.get_column("run_id").n_unique() == 1
    assert set(card.get_column("status").to_list()) <= {"green", "orange", "red"}
    assert card.get_column("targets_version").unique().to_list() == ["2026.1"]


def _open_genk_trajectory(lines: list[str]) -> str:
    header = lines[0].split(";")
    for line in lines[1:]:
        cells = line.split(";")
        if len(cells) == len(header) and not cells[header.index("Afsluitdatum")].strip() and cells[0].strip():
            return cells[0]
    raise AssertionError("no open Genk trajectory in the samples")


def test_a_contact_that_first_appears_in_a_later_delivery_is_late(sample_landing, tmp_path, sample_run, after_sample_run):
    run = {"sources": sample_landing, "database_url": f"sqlite:///{tmp_path / 'warehouse.sqlite'}", "as_of": AS_OF,
               "staging_dir": tmp_path / "staging", "publication_dir": tmp_path / "publication"}
    instance = dg.DagsterInstance.ephemeral()
    try:
        first = sample_run.result  # the first delivery: the clean sample run, copied into tmp_path
        assert first.success, first.error
        _, lines = genk_rows(sample_landing)
        dossier = _open_genk_trajectory(lines)
        (contacts_file,) = (sample_landing / "genk").glob("contacten_*.csv")
        dated = date.fromisoformat(AS_OF) - timedelta(days=45)
        text = contacts_file.read_bytes().decode("cp1252").rstrip("\r\n")
        contacts_file.write_bytes((text + f"\r\n{dossier};{dated:%d/%m/%Y};gesprek;1\r\n").encode("cp1252"))
        second = consolidate(**run, instance=instance)
        assert second.success, second.error
    finally:
        instance.dispose()
    with sqlite3.connect(tmp_path / "warehouse.sqlite") as db:
        rows = db.execute("SELECT run_id, judged_contacts, late_contacts FROM dq_scorecard WHERE leerwinkel = 'genk' ORDER BY measured_at").fetchall()
    assert len(rows) == 2  # history: one row per run
    assert rows[0][1:] == (0, 0)  # the first delivery is the baseline: nothing judged
    assert rows[1][1:] == (1, 1)
    late = _sheet_rows(tmp_path / "publication" / "feedback" / "genk.xlsx", "Late registraties")
    assert len(late) == 1 and late[0]["Soort"] == "contact" and late[0]["Bestand"].startswith("klanten_")
    assert late[0]["Dagen tussen datum en levering"] == 45
    assert not _sheet_rows(tmp_path / "publication" / "feedback" / "gent.xlsx", "Late registraties")

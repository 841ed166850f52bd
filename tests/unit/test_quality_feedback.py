"""The feedback workbook and what staging keeps for it: each trajectory's place in the delivery
(file, sheet, row as the Leerwinkel sees it) and whether its national number was valid; a
workbook holds only its own Leerwinkel's rows and, of the others, the network's median."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import openpyxl
import polars as pl
import pytest

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.ingest.source_specs import LEERWINKELS, all_specs
from leerwinkels.ingest.staging import stage_source
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.quality.feedback import RULE_ADVICE_NL, feedback_frames
from leerwinkels.quality.feedback_workbook import EXCEL_ROWS, SHEETS, write_feedback_workbooks
from leerwinkels.quality.scorecard import build_scorecard, delivered_fields
from leerwinkels.quality.targets import DEFAULT_TARGETS, load_targets
from tests.conftest import AS_OF, SAMPLES, TEST_KEY
from tests.factories import trajectories, trajectory

TARGETS = load_targets(DEFAULT_TARGETS)
TODAY = date(2026, 6, 30)


@pytest.mark.parametrize("code", ["genk", "gent", "mechelen", "west_vlaanderen"])
def test_staging_keeps_each_trajectorys_place_and_national_number_validity(code):
    staged = stage_source(all_specs()[code], SAMPLES / "landing", Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")
    places, trajs = staged["trajectory_places"], staged["trajectories"]
    assert places.height == trajs.height and set(places.get_column("trajectory_key")) == set(trajs.get_column("trajectory_key"))
    assert places.get_column("row_number").min() >= 2  # below the header, as Excel or the CSV shows it
    files = set(staged["source_files"].get_column("file_name"))
    assert set(places.get_column("file_name")) <= files
    valid = places.get_column("national_number_valid")
    if "national_number" in delivered_fields(all_specs()[code]):
        assert valid.null_count() == 0 and valid.any()
    else:
        assert valid.null_count() == places.height  # Mechelen registers no national numbers


def _frames():
    rows = [trajectory("g1", "c1", "genk", TODAY - timedelta(days=400)), trajectory("g2", "c2", "genk", TODAY - timedelta(days=20)),
            trajectory("n1", "c3", "gent", TODAY - timedelta(days=400), gender="unknown")]
    trajs = trajectories(*rows)
    contacts = pl.DataFrame(schema=BY_NAME["contacts"].schema)
    places = pl.DataFrame({"trajectory_key": ["g1", "g2", "n1"], "file_name": ["klanten_1.csv", "klanten_1.csv", "export_1.csv"],
                           "sheet": ["", "", ""], "row_number": [5, 6, 9], "national_number_valid": [True, False, True]})
    ledger = pl.DataFrame({"kind": ["contact", "closing"], "trajectory_key": ["g1", "n1"],
                           "event_date": [TODAY - timedelta(days=90), TODAY - timedelta(days=70)], "contact_type": ["phone", ""],
                           "occurrence": [0, 0], "first_delivered": [TODAY, TODAY], "baseline": [False, False],
                           "leerwinkel": ["genk", "gent"]}).cast({"occurrence": pl.Int64})
    quarantine = pl.DataFrame({"leerwinkel": ["genk", "gent", "netwerk"], "file_name": ["klanten_1.csv", "export_1.csv", "enquete.xlsx"],
                               "sheet": ["", "", "Blad1"], "row_number": [7, 3, 4], "rule": ["bad_date", "orphan", "unlinked"],
                               "column": ["Aanmelddatum", "dossier_id", "Dossiernummer"], "message": ["m", "m", "m"]})
    unmapped = pl.DataFrame({"leerwinkel": ["gent"], "column": ["gender"], "value": ["Q…(4)"], "rows": [1], "rows_at": ["export_1.csv line 9"]},
                            schema=BY_NAME["dq_unmapped_values"].schema)
    card = build_scorecard(trajs, contacts, places, ledger, pl.DataFrame(schema=BY_NAME["dq_source_files"].schema), unmapped,
                           {code: delivered_fields(spec) for code, spec in all_specs().items() if code in LEERWINKELS}, TARGETS,
                           as_of=TODAY, run_id="r", measured_at=datetime(2026, 6, 30, tzinfo=UTC))
    return feedback_frames(card, quarantine, unmapped, trajs, contacts, places, ledger, TARGETS, TODAY)


def _rows(path, sheet):
    rows = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[1], r, strict=False)) for r in rows[2:]]


def test_each_workbook_holds_its_own_rows_only(tmp_path):
    written = write_feedback_workbooks(_frames(), tmp_path)
    assert sorted(p.stem for p in written) == sorted(LEERWINKELS)
    genk, gent = tmp_path / "genk.xlsx", tmp_path / "gent.xlsx"
    assert openpyxl.load_workbook(genk).sheetnames == [*SHEETS, "Toelichting"]
    assert [(r["Bestand"], r["Rij"], r["Wat te doen"]) for r in _rows(genk, "Quarantaine")] == [("klanten_1.csv", 7, RULE_ADVICE_NL["bad_date"])]
    assert [(r["Bestand"], r["Rij"]) for r in _rows(gent, "Quarantaine")] == [("export_1.csv", 3)]
    assert not _rows(genk, "Onbekende labels") and _rows(gent, "Onbekende labels")[0]["Rijen"] == 1
    # g1: open, intake 400 days ago, no contact since: forgotten; g2 is recent
    assert [(r["Bestand"], r["Rij"], r["Dagen zonder contact"]) for r in _rows(genk, "Vergeten dossiers")] == [("klanten_1.csv", 5, 400)]
    late = _rows(genk, "Late registraties")
    assert [(r["Rij van het dossier"], r["Soort"], r["Dagen tussen datum en levering"]) for r in late] == [(5, "contact", 90)]
    assert [(r["Rij van het dossier"], r["Soort"]) for r in _rows(gent, "Late registraties")] == [(9, "afsluiting")]
    for path, other in ((genk, "export_1.csv"), (gent, "klanten_1.csv")):
        wb = openpyxl.load_workbook(path, read_only=True)
        text = " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
        assert other not in text and "enquete" not in text


def test_the_scorecard_sheet_shows_the_network_median_and_dutch_statuses(tmp_path):
    write_feedback_workbooks(_frames(), tmp_path)
    rows = {r["Maatstaf"]: r for r in _rows(tmp_path / "gent.xlsx", "Scorekaart")}
    gender = rows["Geslacht ontbreekt"]
    # gent 1 of 1 missing, genk 0 of 2: the median of the two Leerwinkels with a value
    assert gender["Uw waarde"] == 1.0 and gender["Mediaan netwerk"] == 0.5 and gender["Status"] == "rood"
    assert rows["Geen geldig rijksregisternummer"]["Status"] == "groen"
    assert rows["Contacten laat geregistreerd"]["Status"] == "niet gemeten"  # gent had no judged contact
    assert {r["Bron van het doel"] for r in rows.values()} == {"assumption"}


def test_workbook_cells_keep_their_type_and_a_delivered_formula_stays_text(tmp_path):
    frames = _frames()
    # a label a Leerwinkel typed as a formula or a link: shown as the text it is, never evaluated
    frames["unmapped"] = frames["unmapped"].with_columns(pl.lit('=HYPERLINK("http://x.invalid","klik")').alias("value"))
    write_feedback_workbooks(frames, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "gent.xlsx")
    label = wb["Onbekende labels"]["B3"]
    assert label.data_type == "s" and label.value.startswith("=HYPERLINK") and label.hyperlink is None
    assert label.number_format == "General"  # a label, not a share
    forgotten = openpyxl.load_workbook(tmp_path / "genk.xlsx")["Vergeten dossiers"]
    intake = forgotten["D3"]
    assert intake.is_date and intake.number_format == "yyyy-mm-dd"
    assert forgotten.freeze_panes == "A3" and forgotten["A2"].font.b
    card = wb["Scorekaart"]
    statuses = {card.cell(row=r, column=6).value: card.cell(row=r, column=6).fill.fgColor.rgb for r in range(3, card.max_row + 1)}
    assert statuses["rood"].endswith("FFC7CE") and statuses["groen"].endswith("C6EFCE")
    assert card.cell(row=3, column=2).number_format == "0.000"


def test_excels_row_limit_is_xlsxwriters(tmp_path):
    import xlsxwriter

    # XlsxWriter ignores a row past Excel's last one without a word (write_row returns -1): the cap's reason
    wb = xlsxwriter.Workbook(str(tmp_path / "limit.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    assert ws.write_row(EXCEL_ROWS - 1, 0, ["last"]) == 0 and ws.write_row(EXCEL_ROWS, 0, ["past"]) == -1
    wb.close()


def test_a_sheet_past_excels_row_limit_says_how_many_rows_it_leaves_out(tmp_path, monkeypatch):
    # the cap's logic on a sheet of 60 rows, as if Excel held 50 (writing 1,048,576 real rows took ~70 s)
    import leerwinkels.quality.feedback_workbook as workbook

    monkeypatch.setattr(workbook, "EXCEL_ROWS", 50)
    frames = _frames()
    n = 60
    frames["quarantine"] = pl.DataFrame({"leerwinkel": "genk", "file_name": "klanten_1.csv", "sheet": "", "row_number": pl.int_range(n, eager=True),
                                         "column": "Aanmelddatum", "rule": "bad_date", "advice": "a"}).cast({"row_number": pl.Int64})
    write_feedback_workbooks(frames, tmp_path)
    rows = list(openpyxl.load_workbook(tmp_path / "genk.xlsx", read_only=True)["Quarantaine"].iter_rows(values_only=True))
    assert len(rows) == 50
    shown = rows[2:-1]
    assert [r[2] for r in shown[:2]] == [0, 1] and shown[-1][2] == len(shown) - 1
    left_out = n - len(shown)
    assert left_out == 13 and "13 rijen niet getoond" in rows[-1][0] and all(v is None for v in rows[-1][1:])
    assert "niet alle rijen getoond" in rows[0][0]
    # below the limit nothing is said
    monkeypatch.setattr(workbook, "EXCEL_ROWS", 1_000)
    write_feedback_workbooks(frames, tmp_path)
    rows = list(openpyxl.load_workbook(tmp_path / "genk.xlsx", read_only=True)["Quarantaine"].iter_rows(values_only=True))
    assert len(rows) == n + 2 and "niet alle rijen" not in rows[0][0]

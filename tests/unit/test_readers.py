"""Unit tests of src/leerwinkels/ingest/readers.py: row numbers as a person sees them, finding the header,
required and repeated columns, CSV line numbers, encodings, and which delivery is current."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC
from pathlib import Path

import openpyxl
import pytest

from leerwinkels.ingest.readers import (
    ROW,
    FileProblem,
    decode_csv,
    describe_content,
    find_deliveries,
    read_csv,
    read_delivery,
    read_xlsx,
    scan_sheet_xml,
    xlsx_first_used_row,
)
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec

COLUMNS = {"trajectory_id": "Dossier", "intake_date": "Start", "gender": "Geslacht"}


def _xlsx_spec(header_row: int = 1, sheet: str = "Data", columns: dict | None = None) -> FileSpec:
    return FileSpec("*.xlsx", "xlsx", (SheetSpec(role="trajectories", columns=columns or COLUMNS, sheet=sheet, header_row=header_row),))


def _csv_spec(separator: str = ";", encoding: str = "utf-8") -> FileSpec:
    return FileSpec("*.csv", "csv", (SheetSpec(role="trajectories", columns=COLUMNS),), encoding=encoding, separator=separator)


def _workbook(path: Path, cells: dict[str, object], sheet: str = "Data") -> Path:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for ref, value in cells.items():
        ws[ref] = value
    workbook.save(path)
    return path


def _frame(path: Path, spec: FileSpec):
    sheets = read_xlsx(path, spec)
    assert len(sheets) == 1
    return sheets[0][1].frame


HEADER = {"A1": "Dossier", "B1": "Start", "C1": "Geslacht"}


# ---------------------------------------------------------------- xlsx row numbers and header


def test_leading_empty_rows_and_columns_keep_excel_row_numbers(tmp_path):
    # calamine starts a sheet at its first used row and column: rows 1-3 and column A are empty
    path = _workbook(tmp_path / "a.xlsx", {
        "B4": "Dossier", "C4": "Start", "D4": "Geslacht",
        "B5": "D-1", "C5": "2024-01-02", "D5": "V",
        "B7": "D-2", "C7": "2024-02-03", "D7": "M",
    })
    assert xlsx_first_used_row(path, "Data") == 4
    frame = _frame(path, _xlsx_spec(header_row=4))
    assert frame.columns[:3] == ["Dossier", "Start", "Geslacht"]
    assert dict(zip(frame["Dossier"].to_list(), frame[ROW].to_list(), strict=False)) == {"D-1": 5, None: 6, "D-2": 7}


def test_leading_rows_without_values_do_not_count_as_used(tmp_path):
    """Styled empty cells and formulas without a calculated value (openpyxl's ``<v/>``) are no
    values to calamine, so they must not shift the row numbers either."""
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "Data"
    ws["A1"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    ws["B2"] = "=1+1"  # no cached value: not a value to calamine
    ws.row_dimensions[3].height = 40
    for ref, value in {"A4": "Dossier", "B4": "Start", "C4": "Geslacht", "A5": "D-1", "B5": "2024-01-02"}.items():
        ws[ref] = value
    path = tmp_path / "b.xlsx"
    workbook.save(path)
    assert xlsx_first_used_row(path, "Data") == 4
    frame = _frame(path, _xlsx_spec(header_row=4))
    assert frame[ROW].to_list() == [5]


def test_header_found_on_the_declared_row(tmp_path):
    path = _workbook(tmp_path / "c.xlsx", {
        "A1": "Registratie 2024", "A2": "export 01/12/2024",
        "A3": "Dossier", "B3": "Start", "C3": "Geslacht", "D3": "Opmerkingen",
        "A4": "D-1", "B4": "2024-01-02", "C4": "X",
    })
    frame = _frame(path, _xlsx_spec(header_row=3))
    assert frame.columns == ["Dossier", "Start", "Geslacht", "Opmerkingen", ROW]
    assert frame.row(0) == ("D-1", "2024-01-02", "X", None, 4)


def test_header_on_another_row_within_the_first_rows_is_still_found(tmp_path):
    # declared on row 1, but the delivery gained two title rows
    path = _workbook(tmp_path / "d.xlsx", {
        "A1": "Leerwinkel export", "A3": "Dossier", "B3": "Start", "C3": "Geslacht", "A4": "D-1", "B4": "2024-01-02",
    })
    frame = _frame(path, _xlsx_spec(header_row=1))
    assert frame["Dossier"].to_list() == ["D-1"] and frame[ROW].to_list() == [4]


def test_header_beyond_the_search_window_is_not_found(tmp_path):
    cells = {f"A{r}": f"titel {r}" for r in range(1, 41)}
    cells.update({"A41": "Dossier", "B41": "Start", "C41": "Geslacht", "A42": "D-1"})
    path = _workbook(tmp_path / "e.xlsx", cells)
    with pytest.raises(FileProblem, match="lacks required column"):
        read_xlsx(path, _xlsx_spec())


def test_missing_required_column_names_the_column_and_sheet(tmp_path):
    path = _workbook(tmp_path / "f.xlsx", {"A1": "Dossier", "B1": "Begin", "C1": "Geslacht", "A2": "D-1"})
    with pytest.raises(FileProblem) as caught:
        read_xlsx(path, _xlsx_spec())
    assert caught.value.file_name == "f.xlsx"
    assert "sheet 'Data'" in caught.value.problem and "'Start'" in caught.value.problem
    assert "'Dossier'" not in caught.value.problem and "'Geslacht'" not in caught.value.problem


def test_missing_sheet_names_the_sheets_there_are(tmp_path):
    path = _workbook(tmp_path / "g.xlsx", HEADER, sheet="Blad1")
    with pytest.raises(FileProblem, match=r"has no sheet 'Data' \(sheets: 'Blad1'\)"):
        read_xlsx(path, _xlsx_spec())


def test_header_matching_ignores_case_and_spaces(tmp_path):
    path = _workbook(tmp_path / "h.xlsx", {"A1": " dossier", "B1": "START ", "C1": "Geslacht", "A2": "D-1"})
    frame = _frame(path, _xlsx_spec())
    assert frame.height == 1


# ---------------------------------------------------------------- repeated header names


def test_repeated_header_names_keep_the_first_and_rename_the_later(tmp_path):
    path = _workbook(tmp_path / "i.xlsx", {
        "A1": "Dossier", "B1": "Start", "C1": "Geslacht", "D1": "Opmerking", "E1": "Opmerking", "F1": "Opmerking (5)", "G1": None, "H1": "x",
        "A2": "D-1", "B2": "2024-01-02", "C2": "V", "D2": "een", "E2": "twee", "F2": "drie", "G2": "vier", "H2": "vijf",
    })
    frame = _frame(path, _xlsx_spec())
    assert frame.columns == ["Dossier", "Start", "Geslacht", "Opmerking", "Opmerking (5)", "Opmerking (5) (6)", "__column_7", "x", ROW]
    assert frame.row(0)[3:8] == ("een", "twee", "drie", "vier", "vijf")


def test_a_required_column_twice_with_the_same_contents_uses_the_first(tmp_path):
    path = _workbook(tmp_path / "j.xlsx", {**HEADER, "D1": "Start", "A2": "D-1", "B2": "2024-01-02", "D2": "2024-01-02"})
    frame = _frame(path, _xlsx_spec())
    assert frame["Start"].to_list() == ["2024-01-02"]


def test_a_required_column_twice_with_other_contents_is_refused(tmp_path):
    path = _workbook(tmp_path / "k.xlsx", {**HEADER, "D1": "start", "A2": "D-1", "B2": "2024-01-02", "D2": "2023-05-06"})
    with pytest.raises(FileProblem, match=r"column 'Start' more than once \(at positions 2, 4\)"):
        read_xlsx(path, _xlsx_spec())


def test_repeated_header_in_a_csv(tmp_path):
    data = b"Dossier;Start;Geslacht;Naam;Naam\r\nD-1;2024-01-02;V;Jan;Peeters\r\n"
    frame = read_csv(tmp_path / "x.csv", _csv_spec(), data)[0][1].frame
    assert frame.columns == ["Dossier", "Start", "Geslacht", "Naam", "Naam (5)", ROW]


# ---------------------------------------------------------------- CSV line numbers


def test_csv_blank_lines_keep_line_numbers(tmp_path):
    data = b"Dossier;Start;Geslacht\r\nD-1;2024-01-02;V\r\n\r\nD-2;2024-01-03;M\r\n\r\n\r\n;;\r\nD-3;2024-01-04;X\r\n"
    frame = read_csv(tmp_path / "x.csv", _csv_spec(), data)[0][1].frame
    lines = {d: r for d, r in zip(frame["Dossier"].to_list(), frame[ROW].to_list(), strict=False) if d}
    assert lines == {"D-1": 2, "D-2": 4, "D-3": 8}
    assert frame[ROW].to_list() == [2, 3, 4, 5, 6, 7, 8]


def test_csv_line_break_inside_a_quoted_value_moves_later_line_numbers(tmp_path):
    data = b'Dossier;Start;Geslacht;Notitie\nD-1;2024-01-02;V;"eerste regel\ntweede regel\nderde"\nD-2;2024-01-03;M;\n'
    frame = read_csv(tmp_path / "x.csv", _csv_spec(), data)[0][1].frame
    assert dict(zip(frame["Dossier"].to_list(), frame[ROW].to_list(), strict=False)) == {"D-1": 2, "D-2": 5}


def test_csv_line_numbers_without_a_final_line_break(tmp_path):
    # a line break in the last record of a file that does not end with one
    data = b'Dossier;Start;Geslacht;Notitie\nD-1;2024-01-02;V;x\nD-2;2024-01-03;M;"een\ntwee"'
    frame = read_csv(tmp_path / "x.csv", _csv_spec(), data)[0][1].frame
    assert dict(zip(frame["Dossier"].to_list(), frame[ROW].to_list(), strict=False)) == {"D-1": 2, "D-2": 3}
    data = "\ufeffDossier;Start;Geslacht\r\nD-1;2024-01-02;V\r\nD-2;2024-01-03;M".encode()  # BOM, plain lines
    frame = read_csv(tmp_path / "x.csv", _csv_spec(encoding="utf-8"), data)[0][1].frame
    assert frame.columns[0] == "Dossier" and frame[ROW].to_list() == [2, 3]


def test_a_csv_record_with_more_fields_than_the_header_is_refused_naming_its_line(tmp_path):
    # a ';' inside an unquoted note shifts every later value of that record: refused, not truncated
    data = b'Dossier;Start;Geslacht;Notitie\nD-1;2024-01-02;V;"a; b"\nD-2;2024-01-03;M;zie mail; bel terug\nD-3;2024-01-04;X;\n'
    with pytest.raises(FileProblem, match=r"line\(s\) 3 have more fields than the header \(4\): a ';' inside a value without quotes"):
        read_csv(tmp_path / "x.csv", _csv_spec(), data)


def test_a_csv_with_a_trailing_separator_on_every_line_is_read(tmp_path):
    data = b"Dossier;Start;Geslacht\r\nD-1;2024-01-02;V;\r\nD-2;2024-01-03;M;\r\n"
    frame = read_csv(tmp_path / "x.csv", _csv_spec(), data)[0][1].frame
    assert frame["Dossier"].to_list() == ["D-1", "D-2"] and frame[ROW].to_list() == [2, 3]
    assert frame.columns == ["Dossier", "Start", "Geslacht", ROW]


def test_csv_header_lacking_a_column(tmp_path):
    with pytest.raises(FileProblem, match=r"header lacks required column\(s\) 'Geslacht', 'Start'"):
        read_csv(tmp_path / "x.csv", _csv_spec(), b"Dossier;Begin\r\nD-1;2024-01-02\r\n")


# ---------------------------------------------------------------- encodings


TEXT = "Dossier;Start;Geslacht\r\nD-1;2024-01-02;V\r\nD-2;heroriëntering;Müller\r\n"


def test_decode_csv_declared_windows_1252_refuses_utf8():
    with pytest.raises(FileProblem, match=r"is UTF-8 encoded, but this delivery is declared Windows-1252"):
        decode_csv(TEXT.encode("utf-8"), "k.csv", "windows-1252")
    with pytest.raises(FileProblem, match=r"is UTF-8 encoded"):
        decode_csv(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "k.csv", "windows-1252")


def test_decode_csv_declared_utf8_refuses_windows_1252_naming_the_line():
    with pytest.raises(FileProblem) as caught:
        decode_csv(TEXT.encode("cp1252"), "e.csv", "utf-8-sig")
    assert "is not valid UTF-8 text" in caught.value.problem and "line 3" in caught.value.problem
    assert "Windows-1252" in caught.value.problem


def test_decode_csv_accepts_the_declared_encoding_and_strips_the_bom():
    assert decode_csv(TEXT.encode("cp1252"), "k.csv", "windows-1252") == TEXT
    assert decode_csv(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "e.csv", "utf-8-sig") == TEXT
    assert decode_csv(TEXT.encode("utf-8"), "e.csv", "utf-8") == TEXT
    ascii_only = b"Dossier;Start\r\nD-1;2024-01-02\r\n"
    assert decode_csv(ascii_only, "k.csv", "windows-1252") == decode_csv(ascii_only, "e.csv", "utf-8") == ascii_only.decode()


def test_decode_csv_utf16_empty_and_unknown_encoding():
    with pytest.raises(FileProblem, match="UTF-16"):
        decode_csv(TEXT.encode("utf-16"), "e.csv", "utf-8")
    with pytest.raises(FileProblem, match=r"is empty \(0 bytes\)"):
        decode_csv(b"", "e.csv", "utf-8")
    with pytest.raises(FileProblem, match="is empty"):
        decode_csv(b"\xef\xbb\xbf\r\n", "e.csv", "utf-8")
    with pytest.raises(FileProblem, match="unknown encoding"):
        decode_csv(b"a;b\n", "e.csv", "klingon-8")


# ---------------------------------------------------------------- which delivery is current


def test_find_deliveries_newest_by_mtime_wins_and_the_older_are_listed(tmp_path):
    spec = _csv_spec()
    folder = tmp_path / "genk"
    folder.mkdir()
    now = time.time()
    # the name sorts last but the file is the oldest: modification time decides
    for name, age_days in {"zz_oldest.csv": 60, "b_newest.csv": 1, "m_middle.csv": 30}.items():
        (folder / name).write_text("x")
        os.utime(folder / name, (now - age_days * 86400, now - age_days * 86400))
    (folder / "~$b_newest.csv").write_text("lock file of an open workbook")
    (folder / "notes.txt").write_text("other pattern")
    (delivery,) = find_deliveries(folder, (spec,))
    assert delivery.path.name == "b_newest.csv" and delivery.file_name == "b_newest.csv"
    assert [p.name for p in delivery.ignored] == ["m_middle.csv", "zz_oldest.csv"]
    assert abs(delivery.modified.replace(tzinfo=UTC).timestamp() - (now - 86400)) < 2  # naive UTC


def test_find_deliveries_for_a_missing_folder_or_pattern(tmp_path):
    specs = (FileSpec("klanten_*.csv", "csv", _csv_spec().sheets), FileSpec("contacten_*.csv", "csv", _csv_spec().sheets))
    assert [d.path for d in find_deliveries(tmp_path / "nowhere", specs)] == [None, None]
    (tmp_path / "klanten_1.csv").write_text("x")
    found = find_deliveries(tmp_path, specs)
    assert found[0].path.name == "klanten_1.csv" and found[1].path is None and found[1].ignored == ()


# ---------------------------------------------------------------- sheet XML scan, content sniffing


def test_scan_sheet_xml_finds_formulas_without_a_calculated_value():
    xml = (
        b'<worksheet><sheetData>'
        b'<row r="2"><c r="B2" s="1"/></row>'
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>Dossier</t></is></c><c r="B3"><f>1+1</f><v /></c></row>'
        b'<row r="4"><c r="A4"><f>DATE(2024,1,2)</f><v>45293</v></c><c r="B4" t="str"><f>""</f><v></v></c>'
        b'<c r="C4"><f t="shared" si="0"/><v/></c><c r="D4"><f>X</f></c></row>'
        b'</sheetData></worksheet>'
    )
    scan = scan_sheet_xml(io.BytesIO(xml), chunk_size=37)  # tiny chunks: rows split across reads
    assert scan.first_row == 3
    assert scan.used_columns[3] == [1] and scan.used_columns[4] == [1, 2]
    assert {c: v[0] for c, v in scan.formulas_without_value.items()} == {2: 1, 3: 1, 4: 1}
    assert scan.formula_rows_after(2, 3) == (0, None) and scan.formula_rows_after(3, 3) == (1, 4)


def test_formula_search_equals_the_substring_search():
    import random

    from leerwinkels.ingest import readers

    rng = random.Random(7)
    for _ in range(20000):
        segment = bytes(rng.choice(b"<:fax> ") for _ in range(rng.randint(0, 12)))
        assert readers._may_hold_formula(segment) == (b"<f" in segment or b":f" in segment), segment
    many = b"f" * (readers._F_CHECKS * 3)  # past the budget: the substring search decides
    assert not readers._may_hold_formula(many) and readers._may_hold_formula(many + b"<x:f>")


@pytest.mark.parametrize("data,kind", [
    (b"%PDF-1.4\n", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n....", "a PNG image"),
    (b"\xff\xd8\xff\xe0", "a JPEG image"),
    (b"PK\x03\x04rest", "a zip archive (an .xlsx or another Office file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "a password-protected (encrypted) Office file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "an old Excel 97-2003 workbook (.xls)"),
    (b"Dossier;Start\r\n", None),
])
def test_describe_content(data, kind):
    assert describe_content(data) == kind


def test_read_delivery_refuses_a_file_with_only_a_header(tmp_path):
    path = tmp_path / "klanten_1.csv"
    path.write_bytes(b"Dossier;Start;Geslacht\r\n;;\r\n   ;  ;\r\n")
    with pytest.raises(FileProblem, match="has a header but no data rows"):
        read_delivery(path, _csv_spec())


def test_file_problem_messages_are_scrubbed_and_capped():
    problem = FileProblem("x.csv", "value 85.07.30-033.28 of jan@example.org " + "y" * 100_000)
    assert "85.07.30" not in problem.problem and "jan@example.org" not in problem.problem
    assert len(problem.problem) <= 501 and str(problem).startswith("x.csv: ")

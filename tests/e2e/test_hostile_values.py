"""Values that must never leave ingest (issue 13, DELIVERIES.md "Errors that never carry a
value" and "Values that may be shown to a steward").

The main test plants a national number, an e-mail address and a person's name in every
column of every file of a generated landing folder (ids, dates, numbers, codes, survey
scores, names), in extra sheet names and in file names, runs ``leerwinkels consolidate`` as
a process with its own DAGSTER_HOME (runs, event logs and compute logs recorded), and looks
for them everywhere the run wrote: the warehouse, the staging Parquet, the publication, its
output and every file of the Dagster instance.

The other tests cover one behaviour each: control characters, masked labels, and the
messages of broken CSV files and month-first dates.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from leerwinkels.ingest.readers import FileProblem
from leerwinkels.ingest.source_specs import all_specs
from leerwinkels.ingest.staging import stage_source
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.privacy.shown_values import mask_label
from tests.conftest import AS_OF, SAMPLES, TEST_KEY, read_warehouse
from tests.factories import (
    consolidate_control_chars,
    genk_clients,
    genk_rows,
    nul_in_genk,
    set_cell,
    write_genk,
    x0000_in_brussel,
)

FIRST9 = "850731123"
NATIONAL_NUMBER = FIRST9 + f"{97 - int(FIRST9) % 97:02d}"  # a valid one (mod 97)
NN_FORMS = [
    NATIONAL_NUMBER,
    f"{NATIONAL_NUMBER[:2]}.{NATIONAL_NUMBER[2:4]}.{NATIONAL_NUMBER[4:6]}-{NATIONAL_NUMBER[6:9]}.{NATIONAL_NUMBER[9:]}",
    f"{NATIONAL_NUMBER[:6]}-{NATIONAL_NUMBER[6:9]}.{NATIONAL_NUMBER[9:]}",
    f"{NATIONAL_NUMBER[:6]} {NATIONAL_NUMBER[6:9]} {NATIONAL_NUMBER[9:]}",
]
EMAIL = "quirijntje.zwartbroek@example.org"
NAME = "Quirijntje Zwartbroek"
PLANTED = [NN_FORMS[1], EMAIL, NAME, NN_FORMS[0]]
# what must not be found anywhere (compared case-insensitively)
NEEDLES = [*NN_FORMS, EMAIL, "quirijntje", "zwartbroek"]


# ---------------------------------------------------------------- planting


def _spec_of(relative: Path):
    """(FileSpec) of a landing file by its folder and name pattern."""
    for spec in all_specs().values():
        if spec.folder == relative.parts[0]:
            for file_spec in spec.files:
                if fnmatch.fnmatch(relative.name.lower(), file_spec.pattern.lower()):
                    return file_spec
    return None


def _cells_to_plant(columns: int, data_rows: list[int]) -> list[tuple[int, int, str]]:
    """(row, column, value): every planted value in every column, in rows spread over the data."""
    cells = []
    for column in range(columns):
        for k, value in enumerate(PLANTED):
            row = data_rows[(len(PLANTED) * column + k) % len(data_rows)]
            cells.append((row, column, value))
    return cells


def _plant_xlsx(path: Path, file_spec) -> None:
    workbook = openpyxl.load_workbook(path)
    for sheet in list(workbook.worksheets):
        sheet_spec = next((s for s in file_spec.sheets if s.matches(sheet.title)), None)
        if sheet_spec is None or sheet.max_row <= sheet_spec.header_row:
            continue
        rows = list(range(sheet_spec.header_row + 1, sheet.max_row + 1))
        for row, column, value in _cells_to_plant(sheet.max_column, rows):
            sheet.cell(row=row, column=column + 1, value=value)
    for value in PLANTED[:3]:  # sheets named after a person, holding them too
        extra = workbook.create_sheet(value[:31].replace("@", "@"))
        extra.append(["Naam", "E-mail", "Rijksregisternummer"])
        extra.append([NAME, EMAIL, NN_FORMS[1]])
    workbook.save(path)


def _plant_csv(path: Path, file_spec) -> None:
    text = path.read_bytes().decode(file_spec.encoding)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=file_spec.separator))
    header, body = records[0], records[1:]
    for row, column, value in _cells_to_plant(len(header), list(range(len(body)))):
        body[row][column] = value
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=file_spec.separator, lineterminator="\r\n").writerows([header, *body])
    path.write_bytes(out.getvalue().encode(file_spec.encoding))


def plant_personal_values(landing: Path) -> None:
    """Overwrite cells of every delivered file with the planted values; rename some files to
    hold them, and leave older copies named after them (ignored deliveries)."""
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    for index, path in enumerate(files):
        file_spec = _spec_of(path.relative_to(landing))
        if file_spec is None:
            continue
        if file_spec.format == "csv":
            _plant_csv(path, file_spec)
        else:
            _plant_xlsx(path, file_spec)
        # the file name: the part the pattern's '*' stands for becomes a planted value
        if "*" in file_spec.pattern:
            prefix, suffix = file_spec.pattern.split("*", 1)
            planted = PLANTED[index % 3]
            renamed = path.with_name(f"{prefix}{planted}{suffix}")
            path.rename(renamed)
            older = renamed.with_name(f"{prefix}{PLANTED[(index + 1) % 3]}{suffix}")
            shutil.copyfile(renamed, older)
            os.utime(older, (1_600_000_000, 1_600_000_000))


# ---------------------------------------------------------------- scanning


def _sqlite_text(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def _texts_of(path: Path) -> list[str]:
    """What a file holds, as text: Parquet values, zip members, SQLite dumps, else its bytes."""
    data = path.read_bytes()
    texts = [data.decode("utf-8", errors="replace")]
    if data.startswith(b"PAR1"):
        frame = pl.read_parquet(path)
        texts.append(str(frame.cast(dict.fromkeys(frame.columns, pl.String), strict=False).to_dicts()))
    elif data.startswith(b"PK"):
        with zipfile.ZipFile(path) as archive:
            texts += [archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist()]
    elif data.startswith(b"SQLite format 3"):
        texts.append(_sqlite_text(path))
    return texts


def _found(texts: dict[str, list[str]]) -> list[tuple[str, str]]:
    hits = []
    for where, parts in texts.items():
        for text in parts:
            lowered = text.lower()
            hits += [(where, needle) for needle in NEEDLES if needle.lower() in lowered]
    return sorted(set(hits))


def _context(parts: list[str], needle: str) -> str:
    for text in parts:
        at = text.lower().find(needle.lower())
        if at >= 0:
            return repr(text[max(0, at - 150): at + 60])
    return ""


def test_planted_personal_values_reach_no_table_file_log_or_message(tmp_path):
    landing = tmp_path / "landing"
    cli = Path(sys.executable).parent / "leerwinkels"
    subprocess.run([str(cli), "demo-data", str(landing), "--trajectories", "240", "--seed", "13"], check=True, capture_output=True)
    plant_personal_values(landing)
    names = [p.name for p in landing.rglob("*")]
    assert any(EMAIL in n for n in names) and any(NN_FORMS[1] in n for n in names) and any(NAME in n for n in names)

    home = tmp_path / "dagster_home"
    home.mkdir()
    # the CLI as a steward runs it (files read ahead in the background); freshly written files are no "arriving" ones
    env = {**os.environ, "DAGSTER_HOME": str(home), "LEERWINKELS_PSEUDONYM_KEY": TEST_KEY, "LEERWINKELS_SETTLE_SECONDS": "0",
           "LEERWINKELS_REPORT_PDF": "1"}  # the impact report and its PDF are scanned too
    env.pop("LEERWINKELS_READ_AHEAD", None)
    database = tmp_path / "warehouse.sqlite"
    result = subprocess.run(
        [str(cli), "consolidate", "--sources", str(landing), "--database", f"sqlite:///{database}", "--as-of", AS_OF,
         "--staging", str(tmp_path / "staging"), "--publication", str(tmp_path / "publication")],
        env=env, capture_output=True, text=True, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode in (0, 3), output[-3000:]
    assert "Traceback" not in output, output[-3000:]

    texts: dict[str, list[str]] = {"stdout+stderr": [output]}
    tables = read_warehouse(f"sqlite:///{database}")
    assert tables["trajectories"].height > 0
    for name, frame in tables.items():
        texts[f"warehouse {name}"] = [str(frame.cast(dict.fromkeys(frame.columns, pl.String), strict=False).to_dicts())]
    for folder in (tmp_path / "staging", tmp_path / "publication", home):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            texts[str(path.relative_to(tmp_path))] = _texts_of(path)
    texts["warehouse file"] = _texts_of(database)
    assert len(texts) > 20  # the run wrote its tables, staging, publication and instance
    assert any(p.suffix == ".db" for p in home.rglob("*")), "the run was not recorded in DAGSTER_HOME"
    hits = _found(texts)
    assert not hits, "planted values found:\n" + "\n".join(f"{where}: {needle} ... {_context(texts[where], needle)}" for where, needle in hits)
    # the planted labels were seen and reported masked, with the rows where they are
    unmapped = tables["dq_unmapped_values"]
    assert unmapped.filter(pl.col("value") == mask_label(NAME)).height > 0
    assert unmapped.filter(pl.col("value") == mask_label(NAME))["rows_at"].str.contains(r"\d").all()


# ---------------------------------------------------------------- quick cases through stage_source


def _stage(landing: Path, code: str) -> dict[str, pl.DataFrame]:
    return stage_source(all_specs()[code], landing, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")


def _problem(landing: Path, code: str) -> str:
    with pytest.raises(FileProblem) as caught:
        _stage(landing, code)
    message = str(caught.value)
    assert "Traceback" not in message and "\n" not in message, message
    return message


@pytest.fixture
def genk(tmp_path) -> Path:
    """A private, writable copy of the samples' Genk folder."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "genk", landing / "genk")
    for path in [landing / "genk", *(landing / "genk").iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return landing


def test_a_national_number_in_a_survey_score_is_no_error_and_no_value(tmp_path):
    """A number above 2^31 in a score made a polars cast error quoting it (and failed the run)."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "netwerk", landing / "netwerk")
    (path,) = (landing / "netwerk").glob("nazorgenquete_*.xlsx")
    path.chmod(0o644)
    (landing / "netwerk").chmod(0o755)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for column, name in enumerate(header, start=1):
        if name and any(word in str(name).lower() for word in ("tevreden", "inzicht", "jaar")):
            sheet.cell(row=3, column=column, value=int(NATIONAL_NUMBER))
    workbook.save(path)
    staged = _stage(landing, "netwerk")
    survey = staged["survey"]
    assert survey.height > 0 and survey.filter(pl.col("row_number") == 3)["satisfaction"].to_list() == [None]
    dumped = str({name: frame.to_dicts() for name, frame in staged.items()})
    assert NATIONAL_NUMBER not in dumped
    # the score that is none is counted for the steward, not shown
    assert staged["source_files"].filter(pl.col("file_name") == path.name)["values_ignored"].to_list() == [1]


def test_any_library_error_in_staging_becomes_a_file_problem_without_its_text(genk, monkeypatch):
    """Whatever a library raises while the rows are staged leaves as a FileProblem naming the
    files and the step; the library's text (here a planted value) is not in it."""
    import leerwinkels.ingest.staging as staging

    def broken(*args, **kwargs):
        raise pl.exceptions.InvalidOperationError(f"conversion failed for value {NATIONAL_NUMBER}")

    monkeypatch.setitem(staging.STAGERS, "trajectories", broken)
    message = _problem(genk, "genk")
    assert genk_clients(genk).name in message and "InvalidOperationError" in message
    assert NATIONAL_NUMBER not in message and "conversion failed" not in message


# ---------------------------------------------------------------- control characters


def test_control_characters_are_removed_at_read_and_counted(genk):
    path = nul_in_genk(genk)
    staged = _stage(genk, "genk")
    files = staged["source_files"]
    assert files.filter(pl.col("file_name") == path.name)["control_chars_removed"].to_list() == [3]
    assert files.filter(pl.col("file_name") != path.name)["control_chars_removed"].to_list() == [0]
    # the value without its NUL maps as any other ("HSO")
    assert staged["unmapped"].height == 0


def test_nul_and_x0000_load_into_sqlite(tmp_path):
    consolidate_control_chars(tmp_path, f"sqlite:///{tmp_path / 'w.sqlite'}")


def test_x0000_is_what_calamine_decodes_to_a_nul(tmp_path):
    from leerwinkels.ingest.readers import read_delivery

    landing = tmp_path / "landing"
    path = x0000_in_brussel(landing)
    file_spec = _spec_of(path.relative_to(landing))
    _, sheets = read_delivery(path, file_spec)
    assert sum(raw.control_chars_removed for _, raw in sheets) == 1
    for _, raw in sheets:
        for column in raw.frame.columns:
            if raw.frame.schema[column] == pl.String:
                assert not raw.frame.get_column(column).str.contains("\x00", literal=True).any()


# ---------------------------------------------------------------- masked labels


def _loaded_lines(landing: Path) -> list[int]:
    """Indexes into the Genk client file's lines of rows that load (the samples quarantine some)."""
    quarantined = set(_stage(landing, "genk")["quarantine"]["row_number"].to_list())
    _, lines = genk_rows(landing)
    return [i for i in range(1, len(lines)) if lines[i] and i + 1 not in quarantined]


def test_labels_are_shown_only_in_3_rows_without_digit_or_name(genk):
    path, lines = genk_rows(genk)
    header = lines[0]
    names = header.split(";").index("Naam")
    loaded = _loaded_lines(genk)
    client = lines[loaded[12]].split(";")[names]
    surname = client.split(",")[0].strip()
    labels = ["Interim"] * 3 + ["Freelance"] * 2 + ["Artikel 60"] * 3 + [f"bij {surname}"] * 3
    # 3 rows, no digit, no name: shown; 2 rows: masked; a digit: masked; a client's name: masked
    plan = dict(zip(loaded, labels, strict=False))
    for row, label in plan.items():
        lines[row] = set_cell(lines[row], header, "Arbeidssituatie", label)
    write_genk(path, lines)
    unmapped = _stage(genk, "genk")["unmapped"].filter(pl.col("column") == "labour_status")
    shown = {r["value"]: (r["rows"], r["rows_at"]) for r in unmapped.iter_rows(named=True)}
    at = lambda *rows: ", ".join(f"{path.name} line {r + 1}" for r in rows)
    assert shown == {
        "Interim": (3, at(*loaded[0:3])),
        "F…(9)": (2, at(*loaded[3:5])),
        "A…(10)": (3, at(*loaded[5:8])),
        mask_label(f"bij {surname}"): (3, at(*loaded[8:11])),
    }
    assert not any(surname.lower() in v.lower() for v in shown)


def test_rows_at_lists_a_few_rows_and_counts_the_rest(genk):
    path, lines = genk_rows(genk)
    header = lines[0]
    loaded = _loaded_lines(genk)[:8]
    for row in loaded:
        lines[row] = set_cell(lines[row], header, "Arbeidssituatie", "Interim 2")
    write_genk(path, lines)
    (row,) = _stage(genk, "genk")["unmapped"].filter(pl.col("column") == "labour_status").iter_rows(named=True)
    assert row["value"] == "I…(9)" and row["rows"] == 8
    assert row["rows_at"] == ", ".join(f"{path.name} line {r + 1}" for r in loaded[:5]) + " and 3 more"


# ---------------------------------------------------------------- file names


def test_a_date_in_a_file_name_is_no_personal_data_and_a_number_in_it_is_masked(tmp_path):
    from leerwinkels.privacy.personal_data import personal_data_hits

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "genk", landing / "genk")
    (landing / "genk").chmod(0o755)
    clients = genk_clients(landing)
    clients.chmod(0o644)
    dated = clients.rename(clients.with_name("klanten_dossiers 01.11.2026.csv"))
    older = dated.with_name(f"klanten_{NN_FORMS[1]}.csv")
    shutil.copyfile(dated, older)
    os.utime(older, (1_600_000_000, 1_600_000_000))
    staged = _stage(landing, "genk")
    for table in ("source_files", "deliveries"):
        assert personal_data_hits(staged[table]) == {}, (table, staged[table])
    dumped = str({name: frame.to_dicts() for name, frame in staged.items()})
    assert NN_FORMS[1] not in dumped
    assert dated.name in staged["source_files"]["file_name"].to_list()
    assert f"klanten_{mask_label(NN_FORMS[1])}.csv" in staged["deliveries"]["file_name"].to_list()


# ---------------------------------------------------------------- messages that name the file and line


def test_an_unclosed_quote_names_the_line_where_it_starts(genk):
    path, lines = genk_rows(genk)
    lines[5] = set_cell(lines[5], lines[0], "Gemeente", '"Genk')
    write_genk(path, lines)
    message = _problem(genk, "genk")
    assert path.name in message and "never closed" in message and "line 6" in message, message


def test_a_csv_cut_off_inside_a_quoted_value_is_truncated(genk):
    path, lines = genk_rows(genk)
    lines[-2] = set_cell(lines[-2], lines[0], "Gemeente", '"Genk')
    write_genk(path, lines[:-1])  # no line end after it: cut off
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b'"') + 3])
    message = _problem(genk, "genk")
    assert path.name in message and f"ends inside a record at line {len(lines) - 1}" in message and "cut off" in message, message


def test_a_csv_cut_off_in_its_last_line_is_truncated_not_loaded_in_part(genk):
    path, lines = genk_rows(genk)
    while not lines[-1]:
        lines.pop()
    data = "\r\n".join(lines).encode("cp1252")
    path.write_bytes(data[: int(len(data) * 0.6)])
    cut_line = path.read_bytes().count(b"\n") + 1
    message = _problem(genk, "genk")
    assert path.name in message and f"ends inside a record at line {cut_line}" in message and "deliver it again" in message, message


def test_a_complete_csv_without_a_final_line_end_loads(genk):
    path, lines = genk_rows(genk)
    while not lines[-1]:
        lines.pop()
    write_genk(path, lines)
    assert _stage(genk, "genk")["trajectories"].height == 27


def test_lone_carriage_returns_are_named(genk):
    path = genk_clients(genk)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r"))
    message = _problem(genk, "genk")
    assert path.name in message and "lone carriage returns" in message and "old Mac" in message and "line 1" in message, message


def test_a_title_line_above_the_header_is_read_and_named_when_wrong(genk):
    path, lines = genk_rows(genk)
    write_genk(path, ["Export klanten Leerwinkel Genk", *lines])
    assert _stage(genk, "genk")["trajectories"].height == 27
    # a title line and a header without a required column: the header was expected on line 1
    write_genk(path, ["Export klanten Leerwinkel Genk", lines[0].replace("Aanmelddatum", "Datum"), *lines[1:]])
    message = _problem(genk, "genk")
    assert path.name in message and "'Aanmelddatum'" in message and "expected on line 1" in message, message
    assert "more fields" not in message


def test_an_unreadable_leerwinkel_folder_is_a_file_problem(genk):
    if os.geteuid() == 0:
        pytest.skip("root reads any folder")
    (genk / "genk").chmod(0)
    try:
        message = _problem(genk, "genk")
    finally:
        (genk / "genk").chmod(0o755)
    assert "folder genk/" in message and "cannot be read" in message, message


def test_an_unreadable_leerwinkel_folder_is_missing_as_any_user(genk, monkeypatch):
    """(As root chmod 000 does not stop reading: the same OSError, raised by the listing.)
    DELIVERIES.md: a folder that cannot be read is a `missing` delivery, never a traceback."""
    from pathlib import Path

    from leerwinkels.ingest.delivery_files import find_deliveries
    from leerwinkels.ingest.delivery_guard import STATE_MISSING, unusable_before_reading
    from leerwinkels.ingest.source_specs import all_specs

    listing = Path.iterdir

    def denied(self):
        if self.name == "genk":
            raise PermissionError(13, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", denied)
    spec = all_specs()["genk"]
    problem = unusable_before_reading("genk", find_deliveries(genk / "genk", spec.files, landing_root=genk))
    assert problem.state == STATE_MISSING and "genk/: folder cannot be read (permission denied)" in problem.message, problem.message


def test_month_first_dates_refuse_the_file(genk):
    path, lines = genk_rows(genk)
    header = lines[0]
    column = header.split(";").index("Aanmelddatum")
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split(";")
        if len(cells) > column and cells[column].count("/") == 2:
            day, month, year = cells[column].split("/")
            cells[column] = f"{month}/{day}/{year}"
            lines[i] = ";".join(cells)
    write_genk(path, lines)
    message = _problem(genk, "genk")
    assert path.name in message and "'Aanmelddatum'" in message and "month-first" in message, message


def test_a_few_impossible_day_first_dates_are_quarantined_not_a_month_first_file(genk):
    path, lines = genk_rows(genk)
    lines[3] = set_cell(lines[3], lines[0], "Aanmelddatum", "05/13/2025")
    write_genk(path, lines)
    staged = _stage(genk, "genk")
    assert staged["quarantine"].filter(pl.col("rule") == "bad_date").height >= 1


# ---------------------------------------------------------------- NFC


def test_a_workbook_saved_on_a_mac_nfd_reads_like_any_other(tmp_path):
    import unicodedata

    from leerwinkels.ingest.parsing import label_key_py
    from leerwinkels.ingest.readers import normalise_header

    assert normalise_header(unicodedata.normalize("NFD", "Heroriëntering ")) == normalise_header("heroriëntering")
    assert label_key_py(unicodedata.normalize("NFD", "heroriëntering")) == label_key_py("heroriëntering")
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "genk", landing / "genk")
    for path in [landing / "genk", *(landing / "genk").iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    before = _stage(landing, "genk")
    path = genk_clients(landing)
    path.write_bytes(unicodedata.normalize("NFD", path.read_bytes().decode("cp1252")).encode("utf-8"))
    spec = all_specs()["genk"]
    # the same file in NFD, declared UTF-8 for this test (cp1252 cannot hold combining accents)
    files = tuple(f if not f.pattern.startswith("klanten") else type(f)(**{**f.__dict__, "encoding": "utf-8"}) for f in spec.files)
    nfd_spec = type(spec)(**{**spec.__dict__, "files": files})
    after = stage_source(nfd_spec, landing, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")
    assert after["trajectories"].drop("trajectory_key", "client_key", "link_key").equals(before["trajectories"].drop("trajectory_key", "client_key", "link_key"))
    assert after["unmapped"].height == before["unmapped"].height


def test_dates_in_file_names_do_not_trip_the_blocking_personal_data_checks(tmp_path, sample_landing):
    """`… dossiers 01.11.2026.xlsx` (also as an older, ignored copy) looked like a phone
    number to the blocking check on dq_source_files/dq_deliveries: the run failed."""
    from leerwinkels.run.runner import consolidate

    folder = sample_landing / "leuven"
    folder.chmod(0o755)
    (path,) = folder.glob("*.xlsx")
    path.chmod(0o644)
    current = path.rename(folder / "Leerwinkel Leuven dossiers 01.11.2026.xlsx")
    older = folder / "Leerwinkel Leuven dossiers 03.10.2026.xlsx"
    shutil.copyfile(current, older)
    os.utime(older, (1_600_000_000, 1_600_000_000))
    database = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = consolidate(sources=sample_landing, database_url=database, as_of=AS_OF, staging_dir=tmp_path / "staging",
                         publication_dir=tmp_path / "publication", quiet=True)
    assert result.success and not result.failed_partitions, (result.error, result.failed_partitions)
    tables = read_warehouse(database)
    assert current.name in tables["dq_source_files"]["file_name"].to_list()
    assert older.name in tables["dq_deliveries"]["file_name"].to_list()


def test_a_workbook_with_decomposed_accents_in_sheet_names_and_cells_reads_like_any_other(tmp_path):
    """West-Vlaanderen's sheet `Cliënten`, its headers and labels, saved decomposed (NFD)."""
    import unicodedata

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "west_vlaanderen", landing / "west_vlaanderen")
    (landing / "west_vlaanderen").chmod(0o755)
    (path,) = (landing / "west_vlaanderen").glob("*.xlsx")
    path.chmod(0o644)
    before = _stage(landing, "west_vlaanderen")
    workbook = openpyxl.load_workbook(path)
    changed = 0
    for sheet in workbook.worksheets:
        sheet.title = unicodedata.normalize("NFD", sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and unicodedata.normalize("NFD", cell.value) != cell.value:
                    cell.value = unicodedata.normalize("NFD", cell.value)
                    changed += 1
    workbook.save(path)
    assert changed > 0 and "Cliënten" not in openpyxl.load_workbook(path).sheetnames
    after = _stage(landing, "west_vlaanderen")
    assert after["trajectories"].equals(before["trajectories"])
    assert after["unmapped"].equals(before["unmapped"])

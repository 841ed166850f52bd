"""Hostile deliveries (issue 7, item 4): files that are broken, disguised, in the wrong
encoding, empty, formula-laden, huge in one cell or a million rows long.

Each must give a clear message naming the file and the problem (no traceback, no personal
value), leave the other Leerwinkels consolidated, and lose nothing in the files that could be
read. The quick cases run through ``stage_source``; the main ones through ``consolidate``.

Hostile files are built inside a private copy of the samples (``sample_landing``). Where
openpyxl cannot write what a real tool writes (cached formula values, cells over Excel's
32,767 characters, a million styled rows in seconds), the sheet XML inside the .xlsx is
patched directly.
"""

from __future__ import annotations

import io
import random
import re
import struct
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from leerwinkels.ingest.readers import ROW, FileProblem, read_delivery
from leerwinkels.ingest.source_specs import LEERWINKELS, all_specs
from leerwinkels.ingest.staging import stage_source
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.run.runner import consolidate
from tests.conftest import AS_OF, TEST_KEY, read_warehouse
from tests.factories import FIXTURES

CLEAN = {"brussel": 27, "genk": 27, "mechelen": 28, "gent": 33, "west_vlaanderen": 29, "leuven": 25}
BRUSSEL = "brussel/Leerwinkel_Brussel_2026-11-20.xlsx"
GENK_CLIENTS = "genk/klanten_20261120.csv"
GENK_CONTACTS = "genk/contacten_20261120.csv"
GENT = "gent/export_registraties_2026-11-20.csv"
LEUVEN = "leuven/Leerwinkel Leuven dossiers 2026-11.xlsx"
MECHELEN = "mechelen/Registratie Leerwinkel Regio Mechelen.xlsx"
WEST = "west_vlaanderen/HVHL_leerloopbaan_2026-11.xlsx"
SURVEY = "netwerk/nazorgenquete_2026-11-20.xlsx"


# ---------------------------------------------------------------- helpers


def _writable(landing: Path, relative: str) -> Path:
    """The samples are read-only; a test that breaks a file makes its copy writable first."""
    path = landing / relative
    path.parent.chmod(0o755)
    if path.exists():
        path.chmod(0o644)
    return path


def _stage(landing: Path, code: str) -> dict[str, pl.DataFrame]:
    return stage_source(all_specs()[code], landing, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")


def _problem(landing: Path, code: str) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        _stage(landing, code)
    return caught.value


def _assert_message(message: str, file_name: str, *phrases: str, personal_values: list[str] = ()) -> None:
    """Names the file and the problem, reads as a sentence, holds no personal value."""
    assert file_name in message, message
    for phrase in phrases:
        assert phrase.lower() in message.lower(), (phrase, message)
    assert "Traceback" not in message and 'File "' not in message and "\n" not in message.strip(), message
    assert len(message) < 800, message
    for value in personal_values:
        assert value not in message, "a personal value leaked into the message"


def _run(tmp_path: Path, landing: Path, name: str = "run"):
    root = tmp_path / name
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    started = time.perf_counter()
    result = consolidate(
        sources=landing, database_url=url, as_of=AS_OF, staging_dir=tmp_path / "staging",
        publication_dir=root / "publication", quiet=True,
    )
    seconds = time.perf_counter() - started
    assert result.success, result.error
    return result, read_warehouse(url), seconds


def _assert_others_intact(tables: dict[str, pl.DataFrame], expected: dict, failed: set[str], kept: dict[str, int] | None = None):
    """Every Leerwinkel that did not fail has all its trajectories, and every file that could
    be read is accounted exactly as in a clean run (rows read = loaded + quarantined + duplicate)."""
    per_lw = dict(tables["trajectories"].group_by("leerwinkel").len().iter_rows())
    for code, count in CLEAN.items():
        want = (kept or {}).get(code, 0) if code in failed else count
        assert per_lw.get(code, 0) == want, (code, per_lw)
    files = tables["dq_source_files"]
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_quarantined"] + files["rows_duplicate"]).all()
    folders = {code: all_specs()[code].folder for code in (*LEERWINKELS, "netwerk")}
    for r in files.iter_rows(named=True):
        key = f"{folders[r['leerwinkel']]}/{r['file_name']}|{r['sheet'] or ''}"
        if r["leerwinkel"] in failed or key.startswith("netwerk/nazorgenquete"):
            continue  # the survey's links depend on which Leerwinkels loaded
        got = {k: r[k] for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")}
        want = {k: expected["files"][key][k] for k in got}
        assert got == want, (key, got, want)
    read_ok = {folders[r["leerwinkel"]] for r in files.iter_rows(named=True)}
    assert read_ok >= {folders[c] for c in CLEAN if c not in failed}


def _failure(result, code: str) -> str:
    assert code in result.failed_partitions, result.failed_partitions
    return result.failed_partitions[code]


def _rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one part of an .xlsx (zip) with ``change(text) -> text``."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def _sheet_member(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    rel = re.search(rf'<sheet\b[^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'<Relationship\b[^>]*Id="{rel}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="{rel}"', rels)
    target = target.group(1)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _header_only_csv(path: Path, newline: bytes) -> None:
    path.write_bytes(path.read_bytes().split(newline)[0] + newline)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but structurally valid OLE2 compound file (MS-CFB version 3, 512-byte sectors)
    holding ``streams`` in its root storage. Every stream is padded to at least 4,096 bytes so
    that it lives in regular sectors (no mini stream needed).

    ``msoffcrypto-tool`` is not installed; this is what Office writes around a password-
    protected workbook, minus the ``\\x06DataSpaces`` storage: ``EncryptionInfo`` (here the
    agile-encryption header and XML descriptor) and ``EncryptedPackage`` (size + ciphertext).
    """
    sector, end, free, fat_mark, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    datas = [s.ljust(max(4096, -(-len(s) // sector) * sector), b"\0") for s in streams.values()]
    fat = [fat_mark, end]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for data in datas:
        count = len(data) // sector
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [end]
    assert len(fat) <= sector // 4, "keep the streams small: one FAT sector"
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, color: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, color, left, right, child)
                + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<IQ", start, size))

    # Root's children form a red-black tree ordered by name length, then name: a line of
    # right siblings with a black top and red below is enough for two or three streams.
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    entries = [entry("Root Entry", 5, 1, nostream, nostream, order[0] + 1, end, 0)]
    for i, name in enumerate(names):
        position = order.index(i)
        right = order[position + 1] + 1 if position + 1 < len(order) else nostream
        entries.append(entry(name, 2, 1 if position == 0 else 0, nostream, right, nostream, starts[i], len(streams[name])))
    while len(entries) % 4:
        entries.append(entry("", 0, 0, nostream, nostream, nostream, 0, 0))
    assert len(entries) == 4, "one directory sector"
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0) + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    return header + struct.pack(f"<{len(fat)}I", *fat) + b"".join(entries) + b"".join(datas)


def encrypted_workbook() -> bytes:
    descriptor = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://leerwinkels.model.microsoft.com/office/2006/encryption" '
        b'xmlns:p="http://leerwinkels.model.microsoft.com/office/2006/keyEncryptor/password">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b'<keyEncryptors><keyEncryptor uri="http://leerwinkels.model.microsoft.com/office/2006/keyEncryptor/password">'
        b'<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"/>'
        b"</keyEncryptor></keyEncryptors></encryption>"
    )
    rng = random.Random(7)
    package = struct.pack("<Q", 9149) + rng.randbytes(9152)
    return compound_file({"EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + descriptor, "EncryptedPackage": package})


def _zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ---------------------------------------------------------------- a truncated xlsx


def test_truncated_xlsx_fails_only_brussel_which_keeps_its_last_good_data(tmp_path, sample_landing, expected, personal_values, after_sample_run):
    before = read_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")  # a clean run of the samples, copied
    assert before["trajectories"].filter(pl.col("leerwinkel") == "brussel").height == 27
    path = _writable(sample_landing, BRUSSEL)
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    result, tables, _ = _run(tmp_path, sample_landing, "truncated")
    message = _failure(result, "brussel")
    _assert_message(message, path.name, "truncated or damaged", "deliver it again", personal_values=personal_values)
    assert set(result.failed_partitions) == {"brussel"}
    # Brussel is still in the model, on the last good (staged) data, flagged stale with the reason
    _assert_others_intact(tables, expected, {"brussel"}, kept={"brussel": 27})
    brussel = tables["dq_deliveries"].filter(pl.col("leerwinkel") == "brussel")
    assert brussel["stale"].all() and all(path.name in r and "truncated" in r for r in brussel["stale_reason"])


@pytest.mark.parametrize("keep", [0.99, 0.5, 0.05])
def test_truncated_xlsx_anywhere_gives_the_same_message(sample_landing, keep):
    path = _writable(sample_landing, LEUVEN)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    message = str(_problem(sample_landing, "leuven"))
    _assert_message(message, path.name, "truncated or damaged")


def test_xlsx_with_a_damaged_sheet_inside_an_intact_zip(sample_landing):
    path = _writable(sample_landing, LEUVEN)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[start: start + 16] = bytes(b ^ 0xFF for b in data[start: start + 16])
    path.write_bytes(bytes(data))
    _assert_message(str(_problem(sample_landing, "leuven")), path.name, "is damaged", "sheet 'Dossiers'")


# ---------------------------------------------------------------- encrypted / OLE


def test_compound_file_builder_writes_a_well_formed_directory():
    data = encrypted_workbook()
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and len(data) % 512 == 0
    sector_shift, = struct.unpack_from("<H", data, 30)
    first_dir, = struct.unpack_from("<I", data, 48)
    directory = data[512 * (first_dir + 1): 512 * (first_dir + 2)]
    names = [directory[i: i + 64].decode("utf-16-le").split("\0")[0] for i in range(0, 512, 128)]
    assert sector_shift == 9 and names[:3] == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
    start, size = struct.unpack_from("<IQ", directory, 2 * 128 + 116)
    package = data[512 * (start + 1): 512 * (start + 1) + size]
    assert struct.unpack_from("<Q", package)[0] == 9149


def test_encrypted_xlsx_fails_only_leuven_with_a_message_that_says_so(tmp_path, sample_landing, expected, personal_values):
    path = _writable(sample_landing, LEUVEN)
    path.write_bytes(encrypted_workbook())
    result, tables, _ = _run(tmp_path, sample_landing)
    message = _failure(result, "leuven")
    _assert_message(message, path.name, "password-protected (encrypted)", "remove the password", personal_values=personal_values)
    assert set(result.failed_partitions) == {"leuven"}
    _assert_others_intact(tables, expected, {"leuven"})


def test_old_xls_renamed_to_xlsx(sample_landing):
    path = _writable(sample_landing, MECHELEN)
    path.write_bytes(compound_file({"Workbook": b"\x09\x08\x10\x00" + b"\0" * 600, "\x05SummaryInformation": b"\xfe\xff" + b"\0" * 200}))
    _assert_message(str(_problem(sample_landing, "mechelen")), path.name, "old Excel 97-2003 workbook (.xls)", "save it as")


# ---------------------------------------------------------------- another encoding than declared


def test_csv_in_another_encoding_than_declared_fails_genk_and_gent_only(tmp_path, sample_landing, expected, personal_values):
    genk = _writable(sample_landing, GENK_CLIENTS)
    genk.write_bytes(genk.read_bytes().decode("cp1252").encode("utf-8"))  # declared Windows-1252
    gent = _writable(sample_landing, GENT)
    # declared UTF-8: Excel's plain "CSV" export writes Windows-1252 (unmappable letters as '?')
    gent.write_bytes(gent.read_bytes().decode("utf-8-sig").encode("cp1252", errors="replace"))
    result, tables, _ = _run(tmp_path, sample_landing)
    assert set(result.failed_partitions) == {"genk", "gent"}
    _assert_message(_failure(result, "genk"), genk.name, "is UTF-8 encoded", "declared Windows-1252", personal_values=personal_values)
    _assert_message(_failure(result, "gent"), gent.name, "is not valid UTF-8 text", "line ", "Windows-1252", personal_values=personal_values)
    _assert_others_intact(tables, expected, {"genk", "gent"})


def test_utf8_with_bom_where_windows_1252_is_declared(sample_landing):
    path = _writable(sample_landing, GENK_CLIENTS)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().decode("cp1252").encode("utf-8"))
    _assert_message(str(_problem(sample_landing, "genk")), path.name, "UTF-8", "Windows-1252")


def test_pure_ascii_file_is_the_same_in_both_encodings_and_loads(sample_landing, expected):
    path = _writable(sample_landing, GENK_CONTACTS)
    assert path.read_bytes().isascii()
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    staged = _stage(sample_landing, "genk")
    assert staged["trajectories"].height == 27
    contacts = staged["source_files"].filter(pl.col("file_name") == path.name)
    assert contacts["rows_loaded"].item() == expected["files"][GENK_CONTACTS + "|"]["rows_loaded"]


def test_utf16_csv(sample_landing):
    path = _writable(sample_landing, GENT)
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("utf-16"))
    _assert_message(str(_problem(sample_landing, "gent")), path.name, "UTF-16")


# ---------------------------------------------------------------- empty, header only


@pytest.mark.parametrize("relative,code", [(BRUSSEL, "brussel"), (GENK_CLIENTS, "genk"), (GENT, "gent"), (SURVEY, "netwerk")])
def test_empty_file_of_0_bytes(sample_landing, relative, code):
    path = _writable(sample_landing, relative)
    path.write_bytes(b"")
    _assert_message(str(_problem(sample_landing, code)), path.name, "is empty (0 bytes)")


def test_csv_of_blank_lines_only(sample_landing):
    path = _writable(sample_landing, GENK_CLIENTS)
    path.write_bytes(b"\r\n\r\n  \r\n")
    _assert_message(str(_problem(sample_landing, "genk")), path.name, "is empty")


def test_header_only_files_fail_their_leerwinkel_the_others_are_consolidated(tmp_path, sample_landing, expected, personal_values):
    gent = _writable(sample_landing, GENT)
    _header_only_csv(gent, b"\n")
    west = _writable(sample_landing, WEST)
    workbook = openpyxl.load_workbook(west)
    for sheet in workbook.worksheets:  # title rows and the header on row 4 stay, the data goes
        sheet.delete_rows(5, sheet.max_row)
    workbook.save(west)
    result, tables, _ = _run(tmp_path, sample_landing)
    assert set(result.failed_partitions) == {"gent", "west_vlaanderen"}
    _assert_message(_failure(result, "gent"), gent.name, "has a header but no data rows", personal_values=personal_values)
    _assert_message(_failure(result, "west_vlaanderen"), west.name, "has a header but no data rows", "Trajecten", personal_values=personal_values)
    _assert_others_intact(tables, expected, {"gent", "west_vlaanderen"})


def test_header_only_xlsx_and_csv_at_stage_level(sample_landing):
    genk = _writable(sample_landing, GENK_CONTACTS)
    _header_only_csv(genk, b"\r\n")
    _assert_message(str(_problem(sample_landing, "genk")), genk.name, "no data rows")
    leuven = _writable(sample_landing, LEUVEN)
    workbook = openpyxl.load_workbook(leuven)
    workbook["Dossiers"].delete_rows(2, 100)
    workbook.save(leuven)
    _assert_message(str(_problem(sample_landing, "leuven")), leuven.name, "no data rows", "'Dossiers'")


def test_one_empty_sheet_of_a_workbook_is_fine_and_listed_with_zero_rows(sample_landing, expected):
    west = _writable(sample_landing, WEST)
    workbook = openpyxl.load_workbook(west)
    workbook["Doorverwijzingen"].delete_rows(5, 1000)
    workbook.save(west)
    staged = _stage(sample_landing, "west_vlaanderen")
    assert staged["trajectories"].height == 29 and staged["referrals"].height == 0
    files = {r["sheet"]: r for r in staged["source_files"].iter_rows(named=True)}
    assert files["Doorverwijzingen"]["rows_read"] == 0 and files["Doorverwijzingen"]["rows_loaded"] == 0
    assert files["Contacten"]["rows_loaded"] == expected["files"][WEST + "|Contacten"]["rows_loaded"]


def test_a_completely_empty_sheet(sample_landing):
    path = _writable(sample_landing, LEUVEN)
    workbook = openpyxl.load_workbook(path)
    workbook["Dossiers"].delete_rows(1, 100)
    workbook.save(path)
    _assert_message(str(_problem(sample_landing, "leuven")), path.name, "sheet 'Dossiers' is empty")


# ---------------------------------------------------------------- a header without a required column


def test_csv_header_without_a_required_column_names_it(sample_landing, personal_values):
    path = _writable(sample_landing, GENK_CLIENTS)
    text = path.read_bytes().decode("cp1252")
    header, rest = text.split("\r\n", 1)
    path.write_bytes((header.replace("Aanmelddatum", "Datum aanmelding") + "\r\n" + rest).encode("cp1252"))
    _assert_message(str(_problem(sample_landing, "genk")), path.name, "lacks required column(s) 'Aanmelddatum'", personal_values=personal_values)


def test_xlsx_sheet_without_a_required_column_names_sheet_and_column(sample_landing):
    path = _writable(sample_landing, BRUSSEL)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Contacten - Contacts"]
    for cell in sheet[1]:
        if cell.value == "Type":
            cell.value = None
    workbook.save(path)
    message = str(_problem(sample_landing, "brussel"))
    _assert_message(message, path.name, "sheet 'Contacten - Contacts'", "header row 1", "'Type'")


def test_many_missing_columns_are_summarised(sample_landing):
    path = _writable(sample_landing, LEUVEN)
    workbook = openpyxl.load_workbook(path)
    for cell in workbook["Dossiers"][1]:
        cell.value = f"kolom {cell.column}"
    workbook.save(path)
    message = str(_problem(sample_landing, "leuven"))
    _assert_message(message, path.name, "lacks required column(s)", "more")


# ---------------------------------------------------------------- formulas


def _leuven_columns(path: Path) -> dict[str, str]:
    workbook = openpyxl.load_workbook(path)
    return {cell.value: cell.column_letter for cell in workbook["Dossiers"][1]}


def test_formulas_without_calculated_value_in_read_columns_refuse_the_file(tmp_path, sample_landing, expected, personal_values):
    """openpyxl writes ``=...`` with an empty <v/>: the value was never calculated. Loading it as
    an empty cell would quarantine the row as "missing intake date" (misleading) or map the
    gender to unknown without a word, so the file is refused with the cells named."""
    path = _writable(sample_landing, LEUVEN)
    columns = _leuven_columns(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Dossiers"]
    sheet[f"{columns['Start']}4"] = "=DATE(2024,3,5)"
    sheet[f"{columns['Geslacht']}5"] = '=UPPER("v")'
    sheet[f"{columns['Geslacht']}6"] = '=UPPER("m")'
    workbook.save(path)
    result, tables, _ = _run(tmp_path, sample_landing)
    message = _failure(result, "leuven")
    _assert_message(message, path.name, "3 formula cell(s)", "no calculated value", f"'Start': 1 from cell {columns['Start']}4",
                    f"'Geslacht': 2 from cell {columns['Geslacht']}5", "open and save it in Excel", personal_values=personal_values)
    assert set(result.failed_partitions) == {"leuven"}
    _assert_others_intact(tables, expected, {"leuven"})


def test_formulas_with_a_cached_value_load_that_value(sample_landing, expected):
    path = _writable(sample_landing, LEUVEN)
    columns = _leuven_columns(path)
    before = _stage(sample_landing, "leuven")["trajectories"].sort("trajectory_key")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Dossiers"]
    start, gender = sheet[f"{columns['Start']}4"], sheet[f"{columns['Geslacht']}4"]
    serial = (start.value.date() - date(1899, 12, 30)).days
    start.value, gender_text = f"=DATE({start.value.year},{start.value.month},{start.value.day})", gender.value
    gender.value = f'=UPPER("{gender_text.lower()}")'
    workbook.save(path)
    member = _sheet_member(path, "Dossiers")

    def cache(xml: str) -> str:  # what Excel stores: the formula and its last calculated value
        xml = re.sub(rf'(<c r="{columns["Start"]}4"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\1\2<v>{serial}</v>", xml)
        return re.sub(rf'<c r="{columns["Geslacht"]}4"([^>]*)>(<f>[^<]*</f>)<v\s*/>',
                      rf'<c r="{columns["Geslacht"]}4" t="str"\1>\2<v>{gender_text}</v>', xml)

    _rewrite_member(path, member, cache)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(member).decode()
    assert xml.count("<f>") == 2 and "<v />" not in xml and "<v/>" not in xml
    after = _stage(sample_landing, "leuven")
    assert after["trajectories"].sort("trajectory_key").equals(before)
    row = after["source_files"].row(0, named=True)
    want = expected["files"][LEUVEN + "|Dossiers"]
    assert (row["rows_read"], row["rows_loaded"], row["rows_quarantined"]) == (want["rows_read"], want["rows_loaded"], want["rows_quarantined"])


def test_formulas_without_value_in_columns_not_read_are_ignored(sample_landing):
    path = _writable(sample_landing, LEUVEN)
    columns = _leuven_columns(path)
    workbook = openpyxl.load_workbook(path)
    workbook["Dossiers"][f"{columns['Notities']}3"] = '=CONCATENATE("zie ", "dossier")'
    workbook["Dossiers"]["AB1"] = '="Export "&TODAY()'  # beside the table, not under a header
    workbook.save(path)
    assert _stage(sample_landing, "leuven")["trajectories"].height == 25


# ---------------------------------------------------------------- 100,000 characters in a cell


def _tables_size(tables: dict[str, pl.DataFrame], prefix: str) -> int:
    return sum(
        int(frame.select(pl.col(c).cast(pl.String).str.len_chars().fill_null(0).sum()).item())
        for name, frame in tables.items() if name.startswith(prefix) for c in frame.columns
    )


def test_cells_of_100000_characters_do_not_crash_or_bloat_the_quality_tables(tmp_path, sample_landing, expected, personal_values):
    # a free-text slip into a code column; scrub masks contact data and numbers (not names)
    long_code = "bel 0470 12 34 56 of mail naar klant@example.org " + "zelfstandige " * 7700  # 100,149 characters
    long_id = "G-" + "9" * 100_000
    genk = _writable(sample_landing, GENK_CLIENTS)
    lines = genk.read_bytes().decode("cp1252").split("\r\n")
    header = lines[0].split(";")
    first = lines[1].split(";")  # a loaded row: its inflow channel becomes a 100k-character label
    first[header.index("Aanmelder")] = long_code
    lines[1] = ";".join(first)
    other = lines[-3].split(";")  # and a (unique) id becomes 100,002 characters
    assert other[0] == "G-004032"
    other[header.index("KlantID")] = long_id
    lines[-3] = ";".join(other)
    genk.write_bytes("\r\n".join(lines).encode("cp1252"))
    # xlsx: Excel caps a cell at 32,767 characters, a generator need not: patch the XML
    leuven = _writable(sample_landing, LEUVEN)
    columns = _leuven_columns(leuven)

    def inline(xml: str, ref: str, text: str) -> str:
        return re.sub(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>', xml, count=1, flags=re.S)

    _rewrite_member(leuven, _sheet_member(leuven, "Dossiers"),
                    lambda xml: inline(inline(xml, f"{columns['Situatie']}3", "x" * 100_000), f"{columns['Dossier']}4", "LV/" + "7" * 100_000))
    started = time.perf_counter()
    result, tables, seconds = _run(tmp_path, sample_landing)
    assert not result.failed_partitions
    per_lw = dict(tables["trajectories"].group_by("leerwinkel").len().iter_rows())
    assert per_lw == CLEAN, per_lw  # the long ids are loaded like any other id
    files = tables["dq_source_files"]
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_quarantined"] + files["rows_duplicate"]).all()
    assert files.filter(pl.col("file_name") == Path(GENK_CLIENTS).name)["rows_loaded"].item() == 27
    unmapped = tables["dq_unmapped_values"]
    # a label in one row is shown masked: first character, length, and where it is
    long_values = unmapped.filter(pl.col("value").is_in([f"b…({len(long_code.strip())})", "x…(100000)"]))
    assert set(long_values["column"]) == {"inflow_channel", "labour_status"}, unmapped
    assert set(long_values["rows_at"]) == {f"{Path(GENK_CLIENTS).name} line 2", "Dossiers!3"}
    assert _tables_size(tables, "dq_") < 60_000
    dumped = "\n".join(str(frame.to_dicts()) for name, frame in tables.items() if name.startswith("dq_"))
    for value in [*personal_values, "0470 12 34 56", "klant@example.org"]:
        assert value not in dumped
    assert seconds < 120, f"consolidation took {seconds:.1f}s"
    print(f"\n100k-character cells: consolidation {time.perf_counter() - started:.1f}s")


@pytest.mark.parametrize("run", ["x" * 100_000, "9" * 100_000, "a.b" * 33_334])
def test_a_100000_character_run_without_spaces_in_a_code_column_is_quick(sample_landing, run):
    """``parsing.scrub`` is quadratic on long runs without spaces (20 s for 100,000 x's, 100 s
    for ``a.b.a.b…``); the unmapped-value report scrubs only the part it shows."""
    path = _writable(sample_landing, LEUVEN)
    column = _leuven_columns(path)["Situatie"]  # row 3 is a loaded row
    _rewrite_member(path, _sheet_member(path, "Dossiers"), lambda xml: re.sub(
        rf'<c r="{column}3"[^>]*?(?:/>|>.*?</c>)', f'<c r="{column}3" t="inlineStr"><is><t>{run}</t></is></c>', xml, count=1, flags=re.S))
    started = time.perf_counter()
    staged = _stage(sample_landing, "leuven")
    seconds = time.perf_counter() - started
    assert staged["trajectories"].height == 25
    (value,) = staged["unmapped"].filter(pl.col("column") == "labour_status")["value"].to_list()
    assert value == f"{run[0]}…({len(run)})"
    assert seconds < 10, f"staging took {seconds:.1f}s"


# ---------------------------------------------------------------- a million formatted empty rows


def _million_styled_rows(path: Path, sheet: str) -> float:
    """Style empty cells down to row 1,048,576 as Excel does when a whole column is formatted.
    openpyxl takes ~25 s to style a million cells; writing the XML directly takes ~2 s."""
    started = time.perf_counter()

    def extend(xml: str) -> str:
        last = max(int(n) for n in re.findall(r'<row r="(\d+)"', xml))
        rows = "".join(f'<row r="{n}" s="1" customFormat="1"><c r="A{n}" s="1"/><c r="L{n}" s="1"/></row>' for n in range(last + 1, 1_048_577))
        xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:Y1048576"', xml)
        return xml.replace("</sheetData>", rows + "</sheetData>")

    _rewrite_member(path, _sheet_member(path, sheet), extend)
    return time.perf_counter() - started


def test_a_million_formatted_empty_rows_read_in_seconds_and_are_not_data(tmp_path, sample_landing, expected):
    path = _writable(sample_landing, LEUVEN)
    built = _million_styled_rows(path, "Dossiers")
    with zipfile.ZipFile(path) as archive:
        assert "r=\"1048576\"" in archive.read(_sheet_member(path, "Dossiers")).decode()[-400:]
    started = time.perf_counter()
    _, sheets = read_delivery(path, all_specs()["leuven"].files[0])
    read_seconds = time.perf_counter() - started
    frame = sheets[0][1].frame
    assert frame.height < 100 and frame[ROW].max() == 33
    result, tables, seconds = _run(tmp_path, sample_landing)
    assert not result.failed_partitions
    _assert_others_intact(tables, expected, set())
    assert read_seconds < 15, f"reading took {read_seconds:.1f}s"
    print(f"\nmillion formatted rows: built {built:.1f}s, read_delivery {read_seconds:.2f}s, consolidation {seconds:.1f}s")


def test_a_row_dimension_far_down_and_whitespace_cells_below_the_data(sample_landing, expected):
    path = _writable(sample_landing, LEUVEN)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Dossiers"]
    sheet.row_dimensions[1_048_576].height = 30
    for row in range(40, 60):
        sheet.cell(row, 3).value = "   "  # blanks typed below the table
    workbook.save(path)
    started = time.perf_counter()
    staged = _stage(sample_landing, "leuven")
    assert time.perf_counter() - started < 10
    row = staged["source_files"].row(0, named=True)
    assert row["rows_read"] == expected["files"][LEUVEN + "|Dossiers"]["rows_read"]
    assert staged["trajectories"].height == 25


# ---------------------------------------------------------------- not what the extension says


NOT_XLSX = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n", "is a PDF document"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "is a PNG image"),
    "text": (b"KlantID;Naam\nG-1;Jan Peeters\n", "is a text file"),
    "word": (_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), "is a Word document (.docx)"),
    "ods": (_zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office/>"}), "OpenDocument spreadsheet (.ods)"),
    "zip": (_zip({"export/dossiers.csv": "Dossier;Start\n", "leesmij.txt": "zie bijlage"}), "zip archive (2 file(s)) without an Excel workbook"),
}


@pytest.mark.parametrize("kind", sorted(NOT_XLSX))
def test_file_that_is_not_what_its_extension_says(sample_landing, kind, personal_values):
    data, phrase = NOT_XLSX[kind]
    path = _writable(sample_landing, LEUVEN)
    path.write_bytes(data)
    message = str(_problem(sample_landing, "leuven"))
    _assert_message(message, path.name, phrase, "not an Excel .xlsx workbook", personal_values=personal_values)
    assert "Peeters" not in message


def test_pdf_renamed_xlsx_through_the_whole_run(tmp_path, sample_landing, expected):
    path = _writable(sample_landing, MECHELEN)
    path.write_bytes(NOT_XLSX["pdf"][0])
    result, tables, _ = _run(tmp_path, sample_landing)
    assert set(result.failed_partitions) == {"mechelen"}
    _assert_message(_failure(result, "mechelen"), path.name, "is a PDF document")
    _assert_others_intact(tables, expected, {"mechelen"})


def test_workbook_delivered_as_csv(sample_landing):
    path = _writable(sample_landing, GENK_CLIENTS)
    path.write_bytes((FIXTURES / "samples" / "landing" / LEUVEN).read_bytes())
    _assert_message(str(_problem(sample_landing, "genk")), path.name, "zip archive", "not a text (CSV) file")


# ---------------------------------------------------------------- cut off, old Mac line ends (issue 13)


def test_a_cut_off_csv_and_old_mac_line_ends_fail_only_their_leerwinkels(tmp_path, sample_landing, expected, personal_values):
    """A 60 % copy loaded 60 % of Genk's trajectories (the cut line as one bad_date row); Gent's
    export with lone carriage returns gave a raw _csv.Error. Each is now a message naming the
    file and the line, and the others are consolidated as in a clean run."""
    genk = _writable(sample_landing, GENK_CLIENTS)
    data = genk.read_bytes().rstrip(b"\r\n")
    genk.write_bytes(data[: int(len(data) * 0.6)])
    cut_line = genk.read_bytes().count(b"\n") + 1
    gent = _writable(sample_landing, GENT)
    gent.write_bytes(gent.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    result, tables, _ = _run(tmp_path, sample_landing)
    _assert_message(_failure(result, "genk"), genk.name, f"ends inside a record at line {cut_line}", "cut off",
                    personal_values=personal_values)
    _assert_message(_failure(result, "gent"), gent.name, "lone carriage returns", "line 1", personal_values=personal_values)
    _assert_others_intact(tables, expected, {"genk", "gent"})

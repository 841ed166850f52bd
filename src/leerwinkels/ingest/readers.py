"""Reading delivered files into raw text frames, once, with row numbers as a person sees them.

Every cell is read as text: type inference would silently turn a cell it cannot parse into
null, and a bad cell must be quarantined with its row number, not lost.

A file that cannot be used raises :class:`FileProblem` with a message a data steward can act
on: what the file is (a PDF, an encrypted workbook, a truncated zip, UTF-8 where Windows-1252
was declared, ...) and what to do. Messages never quote cell contents: they name files,
sheets, columns and cells, and go through :func:`parsing.scrub` besides.

Hostile deliveries and what happens to them (tests/test_hostile_deliveries.py):

- empty (0 bytes), blank, or a header without any data row: refused. A delivery is a
  complete export, so an empty one would wipe that Leerwinkel's figures; the partition fails
  and the last good data stays in use. (One empty sheet of a multi-sheet workbook is fine.)
- not what the extension says (PDF, image, text, Word/OpenDocument/other zip, an old .xls,
  a password-protected workbook, a truncated or damaged zip): refused, saying what it is.
- CSV in another encoding than declared (UTF-8 or UTF-16 where Windows-1252 is declared,
  Windows-1252 where UTF-8 is declared): refused, naming both encodings and the line.
- a required column missing from the header: refused, naming the column(s); a required
  column that occurs twice with different contents: refused (which one holds the data?).
- formulas: a formula with a calculated (cached) value loads that value, as Excel shows it.
  A formula *without* a calculated value (written by a program that does not calculate, such
  as openpyxl) in a column the pipeline reads: refused, naming sheet, column and first cell,
  because loading it as empty would quarantine rows as "missing" or map codes to unknown
  while the cell is not empty at all. Such cells in columns the pipeline does not read
  (names, notes) are ignored: those columns are dropped anyway.
- very long cells: read as they are (xlsx caps a cell at 32,767 characters); the quality
  report only ever holds a scrubbed, capped form of an unmapped label (see staging).
- formatted but empty rows down to row 1,048,576: not data rows; read in well under a second
  (calamine skips cells without a value, trailing blank rows are dropped).

Issue 13 (tests/test_hostile_values.py): never a value in a message, and specific messages.

- a CSV that ends inside a record (an open quote at the end, or a last line with fewer
  fields than the header): refused as cut off, naming the line, never loaded in part; a
  quote that is never closed: refused, naming the line where its record starts; lone
  carriage returns (old Mac line ends): refused, saying so; a title line above the header:
  read (the header is found on a later line), and messages say on which line it is.
- control characters (NUL and the other C0 except tab and line breaks; ``_x0000_`` in a
  workbook) are removed from the cells and counted (``RawSheet.control_chars_removed``).
- headers are compared after NFC (a workbook saved on a Mac).
- a library's error is reduced to its kind (its text may quote a cell); sheets the pipeline
  does not read are named masked unless they carry a default name (``Blad1``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from leerwinkels.ingest.delivery_files import Delivery, find_deliveries  # noqa: F401 - where they used to live
from leerwinkels.ingest.parsing import without_control_chars
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec
from leerwinkels.privacy.shown_values import library_failure, scrub, shown_name, shown_sheet_name

ROW = "_row"  # Excel row number, or 1-based CSV line number (header = line 1)
HEADER_SEARCH_ROWS = 30


class FileProblem(Exception):
    """A delivered file that cannot be used, with a message a data steward can act on."""

    def __init__(self, file_name: str, problem: str):
        # a file name is no client data, but a part shaped like a national number or an
        # e-mail address in it is masked (DELIVERIES.md)
        self.file_name = shown_name(file_name)
        # cap before scrubbing: scrub's patterns are slow on very long text
        self.problem = scrub(problem[:2000], limit=500)
        super().__init__(f"{self.file_name}: {self.problem}")


def file_identity(path: Path) -> tuple | None:
    """(device, inode, size, modification time) of a file or folder, None if it is gone:
    equal only while it is the very same, unchanged one."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class RawSheet:
    file_name: str
    sheet: str  # "" for CSV
    frame: pl.DataFrame  # one String column per source header, plus ROW
    control_chars_removed: int = 0  # NUL and other C0 characters taken out of its cells


def normalise_header(value: object) -> str:
    """A header as compared: NFC (a workbook saved on a Mac has its accents decomposed),
    single spaces, trimmed, lower case."""
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    return re.sub(r"\s+", " ", text).strip().lower()


def _quoted_list(names: list[str], at_most: int = 6) -> str:
    shown = ", ".join(repr(n[:80]) for n in names[:at_most])
    return shown + (f" and {len(names) - at_most} more" if len(names) > at_most else "")


def _header_index(rows: list[list[object]], declared: int, required: list[str]) -> tuple[int | None, list[str]]:
    """Index of the header row in ``rows``: the declared one, else the first row holding every
    required column (a delivery with an extra title row is still readable)."""
    wanted = {normalise_header(c) for c in required}
    if 0 <= declared < len(rows):
        present = {normalise_header(v) for v in rows[declared]}
        if wanted <= present:
            return declared, []
        missing = sorted(c for c in required if normalise_header(c) not in present)
    else:
        missing = sorted(required)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if wanted <= {normalise_header(v) for v in row}:
            return index, []
    return None, missing


def _column_names(header: list[object]) -> list[str]:
    """Column names from a header row: empty cells get ``__column_<n>``; a repeated name keeps
    its first column and the later ones become ``<name> (<n>)`` (n = 1-based position)."""
    names: list[str] = []
    taken: set[str] = set()
    for i, value in enumerate(header):
        name = str(value).strip() if value is not None else ""
        name = name or f"__column_{i + 1}"
        candidate, n = name, 0
        while normalise_header(candidate) in taken or candidate == ROW:
            n += 1
            candidate = f"{name} ({i + 1})" if n == 1 else f"{name} ({i + 1}.{n})"
        taken.add(normalise_header(candidate))
        names.append(candidate)
    return names


def _check_repeated_required(names: list[str], header: list[object], data: pl.DataFrame, required: list[str],
                             file_name: str, where: str) -> None:
    """A required column that occurs twice with different contents is ambiguous: refuse it.
    (Twice with the same contents is harmless: the first is used.)"""
    wanted = {normalise_header(c) for c in required}
    positions: dict[str, list[int]] = {}
    for i, value in enumerate(header):
        key = normalise_header(value)
        if key in wanted:
            positions.setdefault(key, []).append(i)
    for where_found in positions.values():
        if len(where_found) < 2:
            continue
        first = data.get_column(names[where_found[0]])
        for other in where_found[1:]:
            if not first.equals(data.get_column(names[other])):
                columns = ", ".join(str(i + 1) for i in where_found)
                raise FileProblem(
                    file_name,
                    f"{where}has column {str(header[where_found[0]]).strip()[:80]!r} more than once (at positions {columns}) "
                    "with different contents: the pipeline cannot tell which one holds the data; keep one",
                )


def _frame_with_header(body: pl.DataFrame, header_index: int, file_name: str, sheet: str,
                       required: list[str] | None = None) -> pl.DataFrame:
    """Name the columns by the header row; keep the data rows below it with their ROW numbers.

    ``body`` holds the raw String columns plus ROW (the row number a person sees)."""
    values = body.drop(ROW)
    header = list(values.row(header_index)) if values.width else []
    names = _column_names(header)
    data = values.slice(header_index + 1)
    data.columns = names
    if required:
        _check_repeated_required(names, header, data, required, file_name, f"sheet {sheet!r} " if sheet else "")
    return data.with_columns(body.get_column(ROW).slice(header_index + 1).cast(pl.Int64).alias(ROW))


def _has_data_rows(frame: pl.DataFrame) -> bool:
    values = [c for c in frame.columns if c != ROW]
    if not values or frame.height == 0:
        return False
    non_blank = pl.any_horizontal([pl.col(c).str.strip_chars().str.len_bytes() > 0 for c in values])
    # the first rows settle it for any real delivery; only a (nearly) blank one is searched through
    return any(bool(part.select(non_blank.fill_null(False).any()).item()) for part in (frame.head(1000), frame.slice(1000)))


# ---------------------------------------------------------------- what a file really is


def _ole_kind(data: bytes) -> str:
    """What an OLE2 compound file holds, by the stream names in its directory (UTF-16LE)."""
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    # a search of the whole file, not a parse of the directory: good enough to name the
    # problem, and the file is refused whichever it is
    if has("EncryptedPackage") or has("EncryptionInfo"):
        return "encrypted"
    if has("WordDocument"):
        return "doc"
    if has("Workbook") or has("Book"):
        return "xls"
    return "ole"


def describe_content(data: bytes) -> str | None:
    """A name for well-known non-spreadsheet, non-text content by its first bytes, else None."""
    head = data[:16]
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return {
            "encrypted": "a password-protected (encrypted) Office file",
            "xls": "an old Excel 97-2003 workbook (.xls)",
            "doc": "an old Word document (.doc)",
            "ole": "an OLE compound file (an old Office format)",
        }[_ole_kind(data)]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "a zip archive (an .xlsx or another Office file)"
    if head.startswith((b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        return "a compressed archive"
    return None


def _open_xlsx_zip(data: bytes, file_name: str) -> zipfile.ZipFile:
    """The delivery as a zip archive that holds an Excel workbook, else a FileProblem saying what it is."""
    kind = describe_content(data)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        ole = _ole_kind(data)
        if ole == "encrypted":
            raise FileProblem(file_name, "is password-protected (encrypted); the pipeline cannot open it. "
                              "Remove the password (save it without 'Encrypt with password') and deliver it again")
        if ole == "xls":
            raise FileProblem(file_name, "is an old Excel 97-2003 workbook (.xls) renamed to .xlsx; "
                              "save it as 'Excel Workbook (.xlsx)' and deliver it again")
        raise FileProblem(file_name, f"is {kind}, not an Excel .xlsx workbook; check the export format")
    if data[:2] != b"PK":
        what = f"is {kind}" if kind else "is a text file" if _looks_like_text(data) else "is not a zip archive"
        raise FileProblem(file_name, f"{what}, not an Excel .xlsx workbook (an .xlsx is a zip archive); check the export format")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileProblem(file_name, "is truncated or damaged: its zip structure is incomplete (was the upload or "
                          "copy interrupted?); deliver it again") from None
    members = {name.lower() for name in archive.namelist()}
    if "xl/workbook.xml" not in members and "xl/workbook.bin" not in members:
        if any(m.startswith("word/") for m in members):
            what = "a Word document (.docx)"
        elif any(m.startswith("ppt/") for m in members):
            what = "a PowerPoint presentation (.pptx)"
        elif "mimetype" in members and b"opendocument.spreadsheet" in archive.read(
                next(n for n in archive.namelist() if n.lower() == "mimetype"))[:100]:
            what = "an OpenDocument spreadsheet (.ods)"
        elif "mimetype" in members:
            what = "an OpenDocument file"
        else:
            what = f"a zip archive ({len(members)} file(s)) without an Excel workbook in it"
        raise FileProblem(file_name, f"is {what}, not an Excel .xlsx workbook; check the export format")
    if "xl/workbook.bin" in members and "xl/workbook.xml" not in members:
        raise FileProblem(file_name, "is a binary Excel workbook (.xlsb) renamed to .xlsx; save it as 'Excel Workbook (.xlsx)'")
    return archive


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" not in sample and sum(b < 9 or 13 < b < 32 for b in sample) == 0


def _library_error(exc: Exception, path: Path) -> str:
    """A reading library's error as its kind only: its text may quote a cell's value."""
    return f"{type(exc).__name__}"


# ---------------------------------------------------------------- the sheet XML


def _column_index(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class SheetScan:
    """What one pass over a sheet's XML tells that calamine does not.

    - ``first_row``: Excel row number of the first row holding a value (calamine starts there);
    - ``used_columns``: per row of the first rows, the column numbers of cells holding a value
      (to line frame columns up with Excel column letters);
    - ``formulas_without_value``: per column number, [count, first rows...] of formula cells that
      have no calculated (cached) value; key 0 when a cell has no reference.
    """

    first_row: int | None = None
    used_columns: dict[int, list[int]] = field(default_factory=dict)
    formulas_without_value: dict[int, list[int]] = field(default_factory=dict)

    FIRST_ROWS_KEPT = 64

    def formula_rows_after(self, column: int, header_row: int) -> tuple[int, int | None]:
        """How many formula cells without value lie below ``header_row`` in ``column``, and the first."""
        entry = self.formulas_without_value.get(column)
        if not entry:
            return 0, None
        total, rows = entry[0], entry[1:]
        above = sum(1 for r in rows if r <= header_row)
        below = [r for r in rows if r > header_row]
        return total - above, (below[0] if below else None)


_ROW_RE = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_START_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_CELL_END_RE = re.compile(rb"</(?:\w+:)?c>")
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_REF_RE = re.compile(rb'\br="\$?([A-Za-z]{1,3})\$?(\d+)"')
_ROW_NUMBER_RE = re.compile(rb'\br="(\d+)"')
_TYPE_RE = re.compile(rb'\bt="(\w+)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>[^<]")
_INLINE_RE = re.compile(rb"<(?:\w+:)?is\b")
_HAS_V_RE = re.compile(rb"<(?:\w+:)?v\b")


def _cell_has_value(attrs: bytes, content: bytes | None) -> bool:
    """As calamine sees it: a non-empty <v>, an inline string (even empty), or a string-typed
    formula result (even empty). ``<v/>`` in a number cell (openpyxl's formulas) is no value."""
    if not content:
        return False
    if _VALUE_RE.search(content) or _INLINE_RE.search(content):
        return True
    kind = _TYPE_RE.search(attrs)
    return bool(kind and kind.group(1) == b"str" and _HAS_V_RE.search(content))


def _scan_rows(segment: bytes, scan: SheetScan, state: dict) -> bool:
    """First used row and the used columns of the first rows; False once enough is known."""
    for row in _ROW_RE.finditer(segment):
        number = _ROW_NUMBER_RE.search(row.group(1))
        state["row"] = int(number.group(1)) if number else state["row"] + 1
        if scan.first_row is not None and state["row"] >= scan.first_row + HEADER_SEARCH_ROWS + 1:
            return False
        columns, position = [], 0
        for cell in _CELL_RE.finditer(row.group(2) or b""):
            ref = _REF_RE.search(cell.group(1))
            position = _column_index(ref.group(1)) if ref else position + 1
            if _cell_has_value(cell.group(1), cell.group(2)):
                columns.append(position)
        if columns:
            if scan.first_row is None:
                scan.first_row = state["row"]
            scan.used_columns[state["row"]] = columns
    return True


# Per segment, how many "f" bytes _may_hold_formula looks at one by one before it searches
# for "<f" and ":f" instead (a text full of f's must not make the scan slow).
_F_CHECKS = 4096


def _may_hold_formula(segment: bytes) -> bool:
    """Whether ``segment`` contains ``<f`` or ``:f`` (a formula element, maybe with a prefix).

    Equals ``b"<f" in segment or b":f" in segment``, about four times faster: "f" is rare in
    sheet XML outside formulas, so the "f"s are found with memchr and their preceding byte
    checked, where each two-byte search would stop at every "<"."""
    find = segment.find
    at = find(b"f", 1)
    for _ in range(_F_CHECKS):
        if at < 0:
            return False
        if segment[at - 1] in b"<:":
            return True
        at = find(b"f", at + 1)
    return b"<f" in segment or b":f" in segment


def _scan_formulas(segment: bytes, scan: SheetScan) -> None:
    """Formula cells without a calculated value, by column (only where a segment has formulas)."""
    if not _may_hold_formula(segment):
        return
    for match in _FORMULA_RE.finditer(segment):
        start = segment.rfind(b"<", 0, match.start())  # <f> is the first child of its <c>
        tag = _CELL_START_RE.match(segment, start) if start >= 0 else None
        end = _CELL_END_RE.search(segment, match.end())
        content = segment[match.start(): end.start() if end else len(segment)]
        attrs = tag.group(1) if tag else b""
        if _cell_has_value(attrs, content):
            continue
        ref = _REF_RE.search(attrs)
        column, row = (_column_index(ref.group(1)), int(ref.group(2))) if ref else (0, 0)
        entry = scan.formulas_without_value.setdefault(column, [0])
        entry[0] += 1
        if len(entry) <= SheetScan.FIRST_ROWS_KEPT:
            entry.append(row)


def _last_row_end(buffer: bytes) -> int:
    """Position of the last ``</row>`` (or ``</x:row>``) closing tag's ``row>``, else -1."""
    cut = buffer.rfind(b"row>")
    while cut >= 0:
        start = buffer.rfind(b"<", 0, cut)
        if buffer[start + 1: start + 2] == b"/":
            return cut
        cut = buffer.rfind(b"row>", 0, cut)
    return -1


def scan_sheet_xml(stream, chunk_size: int = 1 << 20) -> SheetScan:
    """One streaming pass over a worksheet's XML (bytes): see :class:`SheetScan`.

    Only the first rows are parsed cell by cell; the rest is searched for formulas with C-speed
    byte searches, so a sheet of a million formatted empty rows costs well under a second."""
    scan, state = SheetScan(), {"row": 0}
    top = True
    buffer = b""
    while True:
        chunk = stream.read(chunk_size)
        buffer += chunk
        if chunk:
            cut = _last_row_end(buffer)
            if cut < 0:
                if len(buffer) < 1 << 26:
                    continue  # a row longer than the chunk: read on
                cut = max(buffer.rfind(b"c>"), 0)  # a giant row: split between cells
            cut += 4
            segment, buffer = buffer[:cut], buffer[cut:]
        else:
            segment, buffer = buffer, b""
        if top:
            top = _scan_rows(segment, scan, state)
        _scan_formulas(segment, scan)
        if not chunk:
            return scan


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → zip member of its XML."""
    def read(name: str) -> str:
        actual = next((n for n in archive.namelist() if n.lower() == name), None)
        return archive.read(actual).decode("utf-8", "replace") if actual else ""

    workbook, rels = read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels")
    targets = {}
    for match in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        tag = match.group(0)
        rel_id, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rel_id and target:
            value = target.group(1)
            targets[rel_id.group(1)] = value.lstrip("/") if value.startswith("/") else f"xl/{value}"
    members = {}
    for match in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        tag = match.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rel_id = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if name and rel_id and (rel_id.group(1) or rel_id.group(2)) in targets:
            members[_xml_unescape(name.group(1))] = targets[rel_id.group(1) or rel_id.group(2)]
    return members


def workbook_sheet_names(data: bytes) -> list[str]:
    """The sheet names of an .xlsx/.xlsm workbook (its bytes), in order; [] when it is no workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return list(_sheet_members(archive))
    except (zipfile.BadZipFile, KeyError, OSError):
        return []


def _scan_sheet(archive: zipfile.ZipFile, sheet_name: str) -> SheetScan:
    member = _sheet_members(archive).get(sheet_name)
    if member is None:
        return SheetScan(first_row=1)
    actual = next((n for n in archive.namelist() if n.lower() == member.lower()), member)
    with archive.open(actual) as stream:
        return scan_sheet_xml(stream)


def xlsx_first_used_row(path: Path, sheet_name: str) -> int:
    """Excel row number of the first row holding a value in ``sheet_name``.

    calamine (behind fastexcel) starts a sheet at its first used row and column, so without
    this offset a sheet with leading empty rows would report wrong row numbers.
    """
    with zipfile.ZipFile(path) as archive:
        return _scan_sheet(archive, sheet_name).first_row or 1


def _xml_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def required_headers(sheet: SheetSpec) -> list[str]:
    return [*sheet.columns.values(), *sheet.wide_contacts, *sheet.wide_referrals]


def _formula_problem(scan: SheetScan, header: list[object], header_row: int, required: list[str]) -> str | None:
    """Formula cells without a calculated value below the header in columns the pipeline reads."""
    if not scan.formulas_without_value:
        return None
    values_at = [i for i, v in enumerate(header) if v is not None]  # calamine: "" and " " are values too
    used = scan.used_columns.get(header_row)
    offset = (min(used) - values_at[0]) if used and values_at else None  # Excel column of frame column 0
    wanted = {normalise_header(c) for c in required}
    found = []
    for column in sorted(scan.formulas_without_value):
        if offset is None or column == 0:
            name = None  # cannot line up: count it, it may be a column we read
        else:
            position = column - offset
            if not 0 <= position < len(header) or normalise_header(header[position]) not in wanted:
                continue
            name = str(header[position]).strip()
        count, first = scan.formula_rows_after(column, header_row)
        if count:
            where = f"cell {column_letters(column)}{first}" if column and first else "a cell"
            found.append((count, f"{name[:60]!r}: {count} from {where}" if name else f"{count} at {where}"))
    if not found:
        return None
    total = sum(c for c, _ in found)
    details = "; ".join(text for _, text in found[:6]) + (f"; and {len(found) - 6} more column(s)" if len(found) > 6 else "")
    return (
        f"{total} formula cell(s) in column(s) the pipeline reads have no calculated value ({details}). "
        "The file was written by a program that does not calculate formulas: open and save it in "
        "Excel or LibreOffice (which store the values), or export values instead of formulas"
    )


def read_xlsx(path: Path, spec: FileSpec, data: bytes | None = None) -> list[tuple[SheetSpec, RawSheet]]:
    """Every sheet of the workbook that the file description names, as raw text frames."""
    data = path.read_bytes() if data is None else data
    archive = _open_xlsx_zip(data, path.name)
    try:
        workbook = fastexcel.read_excel(data)
        sheet_names = workbook.sheet_names
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        raise FileProblem(path.name, f"is damaged: it cannot be opened as an Excel workbook ({_library_error(exc, path)}); "
                          "save it again in Excel and deliver it again") from None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leerwinkels-sheet-scan") as scans:
        return _read_xlsx_sheets(path, spec, archive, workbook, sheet_names, scans)


def _read_xlsx_sheets(path: Path, spec: FileSpec, archive: zipfile.ZipFile, workbook, sheet_names: list[str],
                      scans: ThreadPoolExecutor) -> list[tuple[SheetSpec, RawSheet]]:
    result = []
    for sheet_spec in spec.sheets:
        names = [n for n in sheet_names if sheet_spec.matches(n)]
        if not names:
            # other sheets' names only masked: a sheet may be named after a client
            others = ", ".join(shown_sheet_name(n) for n in sheet_names[:10]) + (f" and {len(sheet_names) - 10} more" if len(sheet_names) > 10 else "")
            raise FileProblem(path.name, f"has no sheet {sheet_spec.label!r} (sheets: {others})")
        required = required_headers(sheet_spec)
        for name in names:
            try:
                # the sheet XML is scanned in a thread meanwhile: unzipping it runs without the GIL
                scanning = scans.submit(_scan_sheet, archive, name)
                try:
                    body = workbook.load_sheet(name, header_row=None, dtypes="string", skip_whitespace_tail_rows=True).to_polars()
                except BaseException:
                    scanning.cancel()
                    raise
                scan = scanning.result()
            except Exception as exc:
                raise FileProblem(path.name, f"is damaged: sheet {name!r} cannot be read ({_library_error(exc, path)}); "
                                  "save it again in Excel and deliver it again") from None
            first_row = scan.first_row or 1
            body, control_chars = without_control_chars(body.select(pl.all().cast(pl.String)))
            if body.height == 0 or body.width == 0:
                raise FileProblem(path.name, f"sheet {name!r} is empty: no header row {sheet_spec.header_row}, no data")
            rows = [list(r) for r in body.head(HEADER_SEARCH_ROWS).iter_rows()]
            declared = sheet_spec.header_row - first_row
            index, missing = _header_index(rows, declared, required)
            if index is None:
                hint = ""
                if any(r <= first_row + HEADER_SEARCH_ROWS for entry in scan.formulas_without_value.values() for r in entry[1:]):
                    hint = " (some cells there are formulas without a calculated value: open and save the file in Excel)"
                raise FileProblem(
                    path.name,
                    f"sheet {name!r}: header row {sheet_spec.header_row} lacks required column(s) {_quoted_list(missing)}{hint}",
                )
            problem = _formula_problem(scan, rows[index], first_row + index, required)
            if problem:
                raise FileProblem(path.name, f"sheet {name!r}: {problem}")
            body = body.with_columns(pl.int_range(first_row, first_row + body.height, dtype=pl.Int64).alias(ROW))
            result.append((sheet_spec, RawSheet(path.name, name, _frame_with_header(body, index, path.name, name, required), control_chars)))
    return result


# ---------------------------------------------------------------- CSV


def _line_of(data: bytes | str, position: int) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n", 0, position) + 1
    return data.count("\n", 0, position) + 1


def decode_csv(data: bytes, file_name: str, encoding: str) -> str:
    """Decode with the declared encoding, refusing a file that is clearly in another one."""
    if not data:
        raise FileProblem(file_name, "is empty (0 bytes)")
    text = _decode_declared(data, file_name, encoding)
    if not text.lstrip("\ufeff").strip():
        raise FileProblem(file_name, "is empty (only blank lines)")
    return text


def _decode_declared(data: bytes, file_name: str, encoding: str) -> str:
    declared = encoding.lower().replace("_", "-")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(file_name, f"is UTF-16 encoded (Excel's 'Unicode text'), but this delivery is declared {encoding}; "
                          "re-export it as CSV in the declared encoding or update sources/")
    if declared in {"windows-1252", "cp1252"}:
        if data.startswith(b"\xef\xbb\xbf") or (_is_utf8(data) and not data.isascii()):
            raise FileProblem(file_name, "is UTF-8 encoded, but this delivery is declared Windows-1252 (cp1252); re-export it as Windows-1252 or update sources/")
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileProblem(file_name, f"is not valid Windows-1252 text (byte {exc.start}, line {_line_of(data, exc.start)})") from None
    try:
        return data.decode("utf-8-sig" if declared in {"utf-8", "utf-8-sig", "utf8"} else encoding)
    except UnicodeDecodeError as exc:
        label = "UTF-8" if declared in {"utf-8", "utf-8-sig", "utf8"} else encoding
        guess = "it looks like Windows-1252 (cp1252), as Excel's plain 'CSV' export writes" if declared.startswith("utf") else "it looks like another encoding"
        raise FileProblem(
            file_name,
            f"is not valid {label} text (byte {exc.start}, line {_line_of(data, exc.start)}), as this delivery is declared: "
            f"{guess}; re-export it as {label} or update sources/",
        ) from None
    except LookupError:
        raise FileProblem(file_name, f"declares unknown encoding {encoding!r}") from None


def _is_utf8_declared(encoding: str) -> bool:
    """Whether ``encoding`` is one that :func:`_decode_declared` decodes as UTF-8 (with or without BOM)."""
    return encoding.lower().replace("_", "-") in {"utf-8", "utf-8-sig", "utf8"}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _header_record(payload: bytes, separator: str, required: list[str], file_name: str) -> tuple[int, int]:
    """(line, fields) of the header: the first record among the first ones that holds every
    required column (a title line above it is no header), quotes respected."""
    head = payload[:1 << 16].decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=separator, quotechar='"')
    wanted = {normalise_header(c) for c in required}
    first: list[str] | None = None
    start = 1
    try:
        for index, record in enumerate(reader):
            if index >= HEADER_SEARCH_ROWS:
                break
            first = record if first is None else first
            if wanted <= {normalise_header(v) for v in record}:
                return start, max(1, len(record))
            start = reader.line_num + 1
    except csv.Error:
        pass  # a broken record in the head: the line-1 header below names what is missing
    present = {normalise_header(v) for v in first or []}
    missing = sorted(c for c in required if normalise_header(c) not in present)
    raise FileProblem(file_name, f"header lacks required column(s) {_quoted_list(missing)}: the header is expected on line 1, "
                      f"and none of the first {HEADER_SEARCH_ROWS} lines holds every required column; check the export")


def _refuse_lone_carriage_returns(payload: bytes, file_name: str) -> None:
    """Line ends of a single carriage return (old Mac) are no line ends to a CSV reader: it
    would read the whole file as one line, or fail on it."""
    head = payload[:1 << 16]  # an old Mac export has them on every line: its head tells
    if head.count(b"\r") == head.count(b"\r\n"):
        return
    lone = re.search(rb"\r(?!\n)", head)
    if lone is None:
        return
    line = payload.count(b"\n", 0, lone.start()) + payload.count(b"\r", 0, lone.start()) - payload.count(b"\r\n", 0, lone.start()) + 1
    raise FileProblem(file_name, f"has lone carriage returns as line ends (old Mac line ends), the first at line {line}: "
                      "save it again as CSV with Windows (CRLF) or Unix (LF) line ends and deliver it again")


def _record_starts(text: str, separator: str) -> tuple[int, bool]:
    """Line where the last record starts, and whether the text ends inside a quoted value."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        return start, "unexpected end of data" in str(exc)  # our own test of the kind; the text is not shown
    return start, False


def _refuse_open_quote(payload: bytes, separator: str, file_name: str) -> None:
    """A quoted value still open at the end of the file: the file was cut off, or a quote was
    never closed; either way every later record would vanish into that one value."""
    if payload.count(b'"') % 2 == 0:
        return
    start, open_at_end = _record_starts(payload.decode("utf-8", errors="replace"), separator)
    if not open_at_end:
        return
    if not payload.rstrip(b"\r\n").endswith(b'"') and not payload.endswith(b"\n"):
        raise FileProblem(file_name, f"ends inside a record at line {start}: the file looks cut off (a copy or upload that did not "
                          "finish?); deliver it again")
    raise FileProblem(file_name, f"has a quoted value that is never closed: the record that holds it starts at line {start} "
                      "(a stray '\"'?); every later line would be read into that value. Fix the quote or re-export, and deliver it again")


def _refuse_cut_off_last_line(payload: bytes, separator: str, width: int, file_name: str) -> None:
    """The last line has fewer fields than the header while the line before has them all:
    the file ends inside a record (cut off), and that record must not load in part."""
    text = payload.rstrip(b"\r\n \t")
    cut = text.rfind(b"\n")
    if cut < 0:
        return
    last = text[cut + 1:]
    before_cut = text.rfind(b"\n", 0, cut)
    previous = text[before_cut + 1:cut]
    if last.count(b'"') % 2 or previous.count(b'"') % 2:
        return  # a record over several lines: not judged by its last line
    sep = separator.encode("utf-8")

    def fields(line: bytes) -> int:
        if b'"' not in line:
            return line.count(sep) + 1
        return len(next(csv.reader([line.decode("utf-8", errors="replace").rstrip("\r")], delimiter=separator, quotechar='"'), []))

    if fields(last) < width <= fields(previous):
        line = text.count(b"\n") + 1
        raise FileProblem(file_name, f"ends inside a record at line {line} (it has {fields(last)} of the header's {width} fields): "
                          "the file looks cut off (a copy or upload that did not finish?); deliver it again")


def _refuse_extra_fields(body: pl.DataFrame, extra: str, width: int, file_name: str, separator: str, header_line: int = 1) -> None:
    """A record with more (non-empty) fields than the header is a broken export -- typically
    a separator inside an unquoted value, which shifts every later value of that record. Its
    values cannot be trusted and no row rule covers it: the file is refused, naming the lines
    (a trailing separator, an empty extra field, is harmless and passes)."""
    ragged = body.filter(pl.col(extra).str.strip_chars().str.len_bytes() > 0)
    if ragged.height:
        lines = ragged.get_column(ROW).head(5).to_list()
        more = f" and {ragged.height - len(lines)} more" if ragged.height > len(lines) else ""
        raise FileProblem(
            file_name,
            f"line(s) {', '.join(map(str, lines))}{more} have more fields than the header ({width}): "
            f"a {separator!r} inside a value without quotes? Re-export with text values in double quotes "
            f"(the header is on line {header_line})",
        )


def read_csv(path: Path, spec: FileSpec, data: bytes) -> list[tuple[SheetSpec, RawSheet]]:
    kind = describe_content(data)
    # a NUL or two is a stray control character in a text (removed and counted below); many
    # are a binary file. UTF-16: decode_csv says so.
    binary = data[:4096].count(b"\x00") > max(8, len(data[:4096]) // 100)
    if kind is not None or (binary and not data.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise FileProblem(path.name, f"is {kind or 'a binary file'}, not a text (CSV) file; check the export format")
    text = decode_csv(data, path.name, spec.encoding)
    if _is_utf8_declared(spec.encoding):  # valid UTF-8 (just decoded): the bytes as they are, without BOM
        payload = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    else:
        payload = text.encode("utf-8")
    del text
    _refuse_lone_carriage_returns(payload, path.name)
    _refuse_open_quote(payload, spec.separator, path.name)
    sheet_spec = spec.sheets[0]
    required = required_headers(sheet_spec)
    # One column more than the header record has: a record with more fields shows there.
    # The reader drops whatever lies beyond it.
    header_line, width = _header_record(payload, spec.separator, required, path.name)
    _refuse_cut_off_last_line(payload, spec.separator, width, path.name)
    extra = f"__beyond_the_header_{width + 1}"
    try:
        body = pl.read_csv(
            payload,
            separator=spec.separator,
            has_header=False,
            schema={**{f"column_{i + 1}": pl.String for i in range(width)}, extra: pl.String},
            missing_columns="insert",
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except Exception as exc:
        raise FileProblem(path.name, f"cannot be parsed as CSV ({type(exc).__name__}; the header is on line {header_line}): "
                          "re-export it as CSV with text values in double quotes") from None
    # Line numbers as a text editor shows them: a record with a line break inside a quoted
    # value spans several lines, so every later record starts that much further down.
    # Every record ends at a line break (or the end of the file): with as many line breaks as
    # records, no value holds one, and the record number is the line number.
    lines = payload.count(b"\n") + (0 if payload.endswith(b"\n") else 1)
    del payload
    if lines == body.height:
        body = body.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    else:
        breaks = pl.sum_horizontal([pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in body.columns])
        body = body.with_columns((pl.int_range(1, pl.len() + 1, dtype=pl.Int64) + breaks.cum_sum() - breaks).alias(ROW))
    _refuse_extra_fields(body, extra, width, path.name, spec.separator, header_line)
    body, control_chars = without_control_chars(body.drop(extra))
    rows = [list(r) for r in body.drop(ROW).head(HEADER_SEARCH_ROWS).iter_rows()]
    index, missing = _header_index(rows, 0, required)
    if index is None:
        raise FileProblem(path.name, f"header lacks required column(s) {_quoted_list(missing)}")
    return [(sheet_spec, RawSheet(path.name, "", _frame_with_header(body, index, path.name, "", required), control_chars))]


#: How a delivered file is read: :func:`read_delivery`, or in a CLI run the read-ahead's
#: ``ReadAhead.read`` (same result), handed to ``staging.stage_source`` by the ingest asset's
#: ``delivery_reader`` resource.
ReadDelivery = Callable[[Path, FileSpec], tuple[bytes, list[tuple[SheetSpec, RawSheet]]]]


def read_delivery(path: Path, spec: FileSpec) -> tuple[bytes, list[tuple[SheetSpec, RawSheet]]]:
    """Read one delivered file once; returns its bytes (for the checksum) and its sheets.

    A file without a single data row is refused: a delivery is a complete export, so an empty
    one would silently wipe that Leerwinkel's figures (the last good data stays in use)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(path.name, f"cannot be read: {exc.strerror}; check that the pipeline may read it") from None
    if not data:
        raise FileProblem(path.name, "is empty (0 bytes)")
    try:
        sheets = read_csv(path, spec, data) if spec.format == "csv" else read_xlsx(path, spec, data)
    except FileProblem:
        raise
    except Exception as exc:  # anything else a library raises: its kind, never its text
        raise FileProblem(path.name, library_failure("reading the file", exc)) from None
    if not any(_has_data_rows(raw.frame) for _, raw in sheets):
        where = "" if spec.format == "csv" else f" in sheet(s) {_quoted_list([raw.sheet for _, raw in sheets])}"
        raise FileProblem(path.name, f"has a header but no data rows{where}: a delivery is a complete export, so an "
                          "empty one is refused (the last good data stays in use); deliver the full export")
    return data, sheets

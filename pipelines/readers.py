"""Reading delivered files into raw text frames, once, with row numbers as a person sees them.

Every cell is read as text: type inference would silently turn a cell it cannot parse into
null, and a bad cell must be quarantined with its row number, not lost.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import fastexcel
import polars as pl

from .parsing import scrub
from .sources import FileSpec, SheetSpec

ROW = "_row"  # Excel row number, or 1-based CSV line number (header = line 1)
HEADER_SEARCH_ROWS = 30


class FileProblem(Exception):
    """A delivered file that cannot be used, with a message a data steward can act on."""

    def __init__(self, file_name: str, problem: str):
        self.file_name = file_name
        self.problem = scrub(problem, limit=500)
        super().__init__(f"{file_name}: {self.problem}")


@dataclass(frozen=True)
class Delivery:
    pattern: str
    path: Path | None  # None: nothing delivered for this pattern
    modified: datetime | None
    ignored: tuple[Path, ...] = ()

    @property
    def file_name(self) -> str | None:
        return self.path.name if self.path else None


def find_deliveries(folder: Path, file_specs: tuple[FileSpec, ...]) -> list[Delivery]:
    """Per file pattern the current delivery: the matching file with the newest modification time."""
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    deliveries = []
    for spec in file_specs:
        matching = [p for p in files if fnmatch.fnmatchcase(p.name, spec.pattern) and not p.name.startswith("~$")]
        matching.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        if not matching:
            deliveries.append(Delivery(spec.pattern, None, None))
            continue
        current = matching[0]
        modified = datetime.fromtimestamp(current.stat().st_mtime, tz=timezone.utc).replace(tzinfo=None)
        deliveries.append(Delivery(spec.pattern, current, modified, tuple(matching[1:])))
    return deliveries


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class RawSheet:
    file_name: str
    sheet: str  # "" for CSV
    frame: pl.DataFrame  # one String column per source header, plus ROW


def normalise_header(value: object) -> str:
    return re.sub(r"\s+", " ", str(value if value is not None else "")).strip().lower()


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


def _frame_with_header(
    body: pl.DataFrame, header_index: int, first_row_number: int, file_name: str, sheet: str
) -> pl.DataFrame:
    """Name the columns by the header row and number the data rows as a person sees them."""
    header = [str(v).strip() if v is not None else "" for v in body.row(header_index)]
    names, seen = [], {}
    for i, name in enumerate(header):
        name = name or f"__column_{i + 1}"
        key = normalise_header(name)
        if key in seen:  # a repeated header: keep the first, rename the later one
            name = f"{name} ({i + 1})"
        seen[key] = True
        names.append(name)
    data = body.slice(header_index + 1)
    data.columns = names
    return data.with_row_index(ROW, offset=first_row_number + header_index + 1).with_columns(
        pl.col(ROW).cast(pl.Int64)
    )


def xlsx_first_used_row(path: Path, sheet_name: str) -> int:
    """Excel row number of the first row holding a value in ``sheet_name``.

    calamine (behind fastexcel) starts a sheet at its first used row and column, so without
    this offset a sheet with leading empty rows would report wrong row numbers.
    """
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        rel_id = None
        for match in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
            tag = match.group(0)
            name = re.search(r'\bname="([^"]*)"', tag)
            if name and _xml_unescape(name.group(1)) == sheet_name:
                rel_id = re.search(r'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
                rel_id = rel_id.group(1) or rel_id.group(2)
                break
        target = None
        for match in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
            tag = match.group(0)
            if re.search(rf'\bId="{re.escape(rel_id or "")}"', tag):
                target = re.search(r'\bTarget="([^"]*)"', tag).group(1)
                break
        if target is None:
            return 1
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        with archive.open(member) as stream:
            buffer = ""
            while chunk := stream.read(1 << 16):
                buffer += chunk.decode("utf-8", "replace")
                for row in re.finditer(r"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)", buffer, re.S):
                    if row.group(2) and re.search(r"<(?:\w+:)?(?:v|is)\b[^>]*>", row.group(2)):
                        return int(row.group(1))
                # keep only the unfinished tail so a row split across chunks is seen whole
                last = buffer.rfind("<row")
                buffer = buffer[last:] if last >= 0 else buffer[-200:]
                if len(buffer) > 1 << 22:
                    break
    return 1


def _xml_unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


def required_headers(sheet: SheetSpec) -> list[str]:
    return [*sheet.columns.values(), *sheet.wide_contacts, *sheet.wide_referrals]


def read_xlsx(path: Path, spec: FileSpec) -> list[tuple[SheetSpec, RawSheet]]:
    """Every sheet of the workbook that the file description names, as raw text frames."""
    try:
        workbook = fastexcel.read_excel(path)
        sheet_names = workbook.sheet_names
    except Exception as exc:  # calamine raises its own error types for every kind of bad file
        raise FileProblem(path.name, f"cannot be opened as an Excel workbook (.xlsx): {type(exc).__name__}: {exc}") from None
    result = []
    for sheet_spec in spec.sheets:
        names = [n for n in sheet_names if sheet_spec.matches(n)]
        if not names:
            raise FileProblem(path.name, f"has no sheet {sheet_spec.label!r} (sheets: {', '.join(sheet_names)})")
        for name in names:
            try:
                body = workbook.load_sheet(name, header_row=None, dtypes="string", skip_whitespace_tail_rows=True).to_polars()
                first_row = xlsx_first_used_row(path, name)
            except FileProblem:
                raise
            except Exception as exc:
                raise FileProblem(path.name, f"sheet {name!r} cannot be read: {type(exc).__name__}: {exc}") from None
            body = body.select(pl.all().cast(pl.String))
            rows = [list(r) for r in body.head(HEADER_SEARCH_ROWS).iter_rows()]
            declared = sheet_spec.header_row - first_row
            index, missing = _header_index(rows, declared, required_headers(sheet_spec))
            if index is None:
                raise FileProblem(
                    path.name,
                    f"sheet {name!r}: header row {sheet_spec.header_row} lacks required column(s) {', '.join(repr(m) for m in missing)}",
                )
            result.append((sheet_spec, RawSheet(path.name, name, _frame_with_header(body, index, first_row, path.name, name))))
    return result


def decode_csv(data: bytes, file_name: str, encoding: str) -> str:
    """Decode with the declared encoding, refusing a file that is clearly in another one."""
    if not data.strip():
        raise FileProblem(file_name, "is empty")
    declared = encoding.lower().replace("_", "-")
    if declared in {"windows-1252", "cp1252"}:
        if data.startswith(b"\xef\xbb\xbf") or (_is_utf8(data) and not data.isascii()):
            raise FileProblem(file_name, "is UTF-8 encoded, but this delivery is declared Windows-1252 (cp1252); re-export it as Windows-1252 or update sources/")
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileProblem(file_name, f"is not valid Windows-1252 text (byte {exc.start})") from None
    try:
        return data.decode("utf-8-sig" if declared in {"utf-8", "utf-8-sig", "utf8"} else encoding)
    except UnicodeDecodeError as exc:
        raise FileProblem(file_name, f"is not valid {encoding} text (byte {exc.start}); it looks like another encoding (Windows-1252?)") from None
    except LookupError:
        raise FileProblem(file_name, f"declares unknown encoding {encoding!r}") from None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def read_csv(path: Path, spec: FileSpec, data: bytes) -> list[tuple[SheetSpec, RawSheet]]:
    text = decode_csv(data, path.name, spec.encoding)
    if b"\x00" in data[:4096]:
        raise FileProblem(path.name, "is not a text (CSV) file")
    try:
        body = pl.read_csv(
            text.encode("utf-8"),
            separator=spec.separator,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except Exception as exc:
        raise FileProblem(path.name, f"cannot be parsed as CSV: {type(exc).__name__}: {exc}") from None
    sheet_spec = spec.sheets[0]
    rows = [list(r) for r in body.head(HEADER_SEARCH_ROWS).iter_rows()]
    index, missing = _header_index(rows, 0, required_headers(sheet_spec))
    if index is None:
        raise FileProblem(path.name, f"header lacks required column(s) {', '.join(repr(m) for m in missing)}")
    return [(sheet_spec, RawSheet(path.name, "", _frame_with_header(body, index, 1, path.name, "")))]


def read_delivery(path: Path, spec: FileSpec) -> tuple[bytes, list[tuple[SheetSpec, RawSheet]]]:
    """Read one delivered file once; returns its bytes (for the checksum) and its sheets."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(path.name, f"cannot be read: {exc.strerror}") from None
    if spec.format == "csv":
        return data, read_csv(path, spec, data)
    if not data:
        raise FileProblem(path.name, "is empty")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FileProblem(path.name, "is password-protected (encrypted) or an old .xls workbook; deliver an unprotected .xlsx")
    if data[:2] != b"PK":
        raise FileProblem(path.name, "is not an Excel .xlsx workbook (its content is not a zip archive); check the export format")
    return data, read_xlsx(path, spec)

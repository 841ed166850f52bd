"""The column tables of docs/indicators.md and docs/model-frames.md, generated from the catalogue.

A doc marks where a table's columns go with ``<!-- columns: NAME -->`` ... ``<!-- /columns -->``;
everything outside the markers is prose written by hand. ``python -m leerwinkels.contract.docs``
rewrites the blocks; ``--check`` only reports (exit 1) a doc that is out of date (a test runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from leerwinkels.contract.tables import BY_NAME, TableFacts

DOCS = ("docs/indicators.md", "docs/model-frames.md")
_BLOCK = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(<!-- /columns -->)", re.DOTALL)
_TYPE_NAMES = {
    "text": "text", "date": "Date", "datetime": "Datetime", "datetime_utc": "Datetime (UTC)",
    "int32": "Int32", "int64": "Int64", "float64": "Float64", "boolean": "Boolean",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if "\\|" not in text else text


def column_table(table: TableFacts) -> str:
    """A table's key and columns as markdown."""
    key = ", ".join(f"`{k}`" for k in table.key) if table.key else f"none ({table.no_key_reason})"
    lines = [f"Key: {key}.", "", "| column | type | null | meaning |", "|---|---|---|---|"]
    for c in table.columns:
        meaning = c.description
        if c.code_list:
            meaning += f" (code list `{c.code_list}`{'' if c.with_unknown else ', no `unknown`'})"
        if c.internal:
            meaning += " — internal, never written"
        lines.append(f"| `{c.name}` | {_TYPE_NAMES[c.type]} | {'yes' if c.nullable else ''} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    """The doc with every marked block regenerated (an unknown table name is an error)."""

    def block(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in BY_NAME:
            raise KeyError(f"docs name a table the catalogue does not have: {name}")
        return match.group(1) + column_table(BY_NAME[name]) + match.group(4)

    return _BLOCK.sub(block, text)


def documented_tables(text: str) -> list[str]:
    return [m.group(2) for m in _BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    root = Path.cwd()
    stale = []
    for doc in DOCS:
        path = root / doc
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            stale.append(doc)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print(f"out of date (run `python -m leerwinkels.contract.docs`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

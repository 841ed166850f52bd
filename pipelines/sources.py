"""The declarative source descriptions in ``sources/*.yaml``: loading and validation."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from unicodedata import normalize

import yaml

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
LEERWINKELS = ("brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven")
NETWORK_FOLDER = "netwerk"
PARTITIONS = (*LEERWINKELS, NETWORK_FOLDER)
ROLES = {"trajectories", "clients", "contacts", "referrals", "contact_rows", "survey", "costs"}


class SourceSpecError(ValueError):
    """A source description in sources/ is inconsistent."""


@dataclass(frozen=True)
class SheetSpec:
    role: str
    columns: dict[str, str]
    sheet: str | None = None
    sheet_pattern: str | None = None
    header_row: int = 1
    personal: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # source columns holding people's names (personal or mapped)
    client_id: str = "trajectory_id"
    status_rule: dict = field(default_factory=dict)
    referral_list_separator: str | None = None
    closed_date_open_values: tuple[str, ...] = ()
    skip_rows_where: dict | None = None
    wide_contacts: tuple[str, ...] = ()
    wide_referrals: tuple[str, ...] = ()
    minutes_per_unit: float = 1.0

    def matches(self, sheet_name: str) -> bool:
        if self.sheet is not None:
            return normalize("NFC", sheet_name).strip() == normalize("NFC", self.sheet).strip()  # NFC: a Mac saves it decomposed
        return re.search(self.sheet_pattern or "", normalize("NFC", sheet_name)) is not None

    @property
    def label(self) -> str:
        return self.sheet or f"/{self.sheet_pattern}/"


@dataclass(frozen=True)
class FileSpec:
    pattern: str
    format: str
    sheets: tuple[SheetSpec, ...]
    encoding: str = "utf-8"
    separator: str = ","
    decimal_comma: bool = False
    excel_serial_dates: bool = False


@dataclass(frozen=True)
class SourceSpec:
    leerwinkel: str
    display_name: str
    folder: str
    files: tuple[FileSpec, ...]
    codes: dict[str, dict]
    path: Path

    def code_map(self, code_list: str) -> dict:
        return self.codes.get(code_list, {})


def _sheet(raw: dict, where: str) -> SheetSpec:
    if raw.get("role") not in ROLES:
        raise SourceSpecError(f"{where}: role must be one of {sorted(ROLES)}, got {raw.get('role')!r}")
    if not raw.get("columns"):
        raise SourceSpecError(f"{where}: no columns mapped")
    listy = ("personal", "names", "closed_date_open_values", "wide_contacts", "wide_referrals")
    kwargs = {k: (tuple(v) if k in listy else v) for k, v in raw.items()}
    return SheetSpec(**kwargs)


def load_source_spec(path: Path) -> SourceSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceSpecError(f"{path.name}: not valid YAML ({exc})") from None
    try:
        files = tuple(
            FileSpec(
                **{k: v for k, v in f.items() if k != "sheets"},
                sheets=tuple(_sheet(s, f"{path.name} {f['pattern']}") for s in f["sheets"]),
            )
            for f in raw["files"]
        )
        return SourceSpec(
            leerwinkel=raw["leerwinkel"],
            display_name=raw["display_name"],
            folder=raw["folder"],
            files=files,
            codes=raw.get("codes") or {},
            path=path,
        )
    except (KeyError, TypeError) as exc:
        raise SourceSpecError(f"{path.name}: incomplete source description ({exc})") from None


def sources_dir() -> Path:
    return Path(os.environ.get("LEERWINKELS_SOURCE_SPECS", SOURCES_DIR))


@lru_cache(maxsize=8)
def _load_all(directory: str) -> dict[str, SourceSpec]:
    specs = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        spec = load_source_spec(path)
        specs[spec.leerwinkel] = spec
    missing = set(PARTITIONS) - set(specs)
    if missing:
        raise SourceSpecError(f"{directory}: no source description for {sorted(missing)}")
    return specs


def all_specs() -> dict[str, SourceSpec]:
    return _load_all(str(sources_dir()))


def display_names() -> dict[str, str]:
    """Leerwinkel display name (as the survey and cost file write it) → code."""
    return {spec.display_name: code for code, spec in all_specs().items() if code in LEERWINKELS}

"""Which files in a Leerwinkel's folder are its delivery (DELIVERIES.md, "Which files are a
delivery"): patterns matched case-insensitively after NFC normalisation, ``.xlsm`` read where
``.xlsx`` is expected, links out of the landing folder refused, files still arriving left for a
next run. No Dagster here: the ingest asset, the read-ahead, the delivery sensor and the CLI use
the same rules.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from leerwinkels.env_numbers import number_from_environment

SETTLE_ENV_VAR = "LEERWINKELS_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 120.0

#: A workbook with macros is read as a workbook (macros are never run) where one is expected.
_WORKBOOK_SUFFIX, _MACRO_WORKBOOK_SUFFIX = ".xlsx", ".xlsm"
#: Office's lock file of an open workbook (``~$name.xlsx``) and hidden files (``.name``,
#: macOS's ``._name.xlsx`` resource forks on shared drives) are never a delivery.
_NEVER_A_DELIVERY = ("~$", ".")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def changes_by_pattern(before: Mapping[str, object], after: Mapping[str, object], patterns: Sequence[str]) -> str:
    """What changed in a delivery folder, per file pattern of its source description
    (``klanten_*.csv: 1 new; contacten_*.csv: 1 changed``), never a file's name: a name may
    hold a client's name, and this text goes into run tags and the sensor's log.
    ``before``/``after``: file name -> its content state (compared for equality)."""
    counted: list[str] = []
    for pattern in patterns:
        new = changed = removed = 0
        for name, state in after.items():
            if matches_pattern(name, pattern):
                if name not in before:
                    new += 1
                elif before[name] != state:
                    changed += 1
        removed = sum(1 for name in before if name not in after and matches_pattern(name, pattern))
        parts = [f"{n} {what}" for n, what in ((new, "new"), (changed, "changed"), (removed, "removed")) if n]
        if parts:
            counted.append(f"{pattern}: {', '.join(parts)}")
    return "; ".join(counted)


def matches_pattern(name: str, pattern: str) -> bool:
    """Whether a file called ``name`` is a delivery for a source's file ``pattern`` (shell
    wildcards): case-insensitively, after NFC normalisation (a name from a Mac), and an
    ``.xlsm`` where the pattern expects an ``.xlsx``."""
    if name.startswith(_NEVER_A_DELIVERY):
        return False
    name, pattern = _folded(name), _folded(pattern)
    if fnmatch.fnmatchcase(name, pattern):
        return True
    return (
        pattern.endswith(_WORKBOOK_SUFFIX)
        and name.endswith(_MACRO_WORKBOOK_SUFFIX)
        and fnmatch.fnmatchcase(name[: -len(_MACRO_WORKBOOK_SUFFIX)] + _WORKBOOK_SUFFIX, pattern)
    )


def settle_seconds(environ: Mapping[str, str] | None = None) -> float:
    """How old (by modification time) a file must be before it is used: a younger one is
    still arriving. ``LEERWINKELS_SETTLE_SECONDS``, default 120; a value that is not a
    number >= 0 raises ValueError naming the variable."""
    return number_from_environment(SETTLE_ENV_VAR, DEFAULT_SETTLE_SECONDS, environ=environ)


def content_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """The hex sha256 of a file's content, read in chunks (a delivery can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def is_macro_workbook(path: Path) -> bool:
    return path.name.casefold().endswith(".xlsm")


def is_delivery_candidate(name: str) -> bool:
    """Office lock files (``~$…``) and hidden files (``.…``, a copy in progress) are never deliveries."""
    return not name.startswith(_NEVER_A_DELIVERY)


@dataclass(frozen=True)
class RefusedFile:
    name: str
    reason: str


@dataclass(frozen=True)
class Delivery:
    """The current file of one pattern in a Leerwinkel's folder."""

    pattern: str
    path: Path | None  # None: nothing usable delivered for this pattern
    modified: datetime | None
    ignored: tuple[Path, ...] = ()
    refused: tuple[RefusedFile, ...] = ()
    #: the current file was modified within the settle time: still being copied?
    arriving_seconds: float | None = None
    folder_problem: str | None = None  # the folder is missing or cannot be listed

    @property
    def file_name(self) -> str | None:
        return self.path.name if self.path else None

    @property
    def arriving(self) -> bool:
        return self.arriving_seconds is not None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False


def _listing(folder: Path) -> tuple[list[Path], str | None]:
    """The entries of a folder, or why it cannot be listed (never an exception text)."""
    try:
        return sorted(folder.iterdir()), None
    except FileNotFoundError:
        return [], "folder missing"
    except NotADirectoryError:
        return [], "not a folder"
    except PermissionError:
        return [], "folder cannot be read (permission denied)"
    except OSError as exc:
        return [], f"folder cannot be read ({os.strerror(exc.errno) if exc.errno else 'I/O error'})"


def find_deliveries(
    folder: Path,
    file_specs,
    *,
    landing_root: Path | None = None,
    settle: float = 0.0,
    now: float | None = None,
) -> list[Delivery]:
    """Per file pattern the current delivery: the matching file with the newest modification
    time. Files that resolve outside ``landing_root`` (default: the folder's parent) are refused;
    a current file modified less than ``settle`` seconds before ``now`` is marked arriving."""
    root = landing_root if landing_root is not None else folder.parent
    now = time.time() if now is None else now
    entries, folder_problem = _listing(folder)
    deliveries = []
    for spec in file_specs:
        matching: list[tuple[float, str, Path]] = []
        refused: list[RefusedFile] = []
        for path in entries:
            if not is_delivery_candidate(path.name) or not matches_pattern(path.name, spec.pattern):
                continue
            if path.is_symlink() and not _inside(path, root):
                refused.append(RefusedFile(path.name, "is a link to a place outside the landing folder; it is not read"))
                continue
            try:
                if not path.is_file():
                    continue
                mtime = path.stat().st_mtime
            except OSError:  # removed while we looked, or a broken link
                refused.append(RefusedFile(path.name, "cannot be opened (a broken link?)"))
                continue
            matching.append((mtime, path.name, path))
        matching.sort(reverse=True)
        if not matching:
            deliveries.append(Delivery(spec.pattern, None, None, refused=tuple(refused), folder_problem=folder_problem))
            continue
        mtime, _, current = matching[0]
        modified = datetime.fromtimestamp(mtime, tz=UTC).replace(tzinfo=None)
        age = now - mtime
        deliveries.append(Delivery(
            spec.pattern, current, modified, tuple(p for _, _, p in matching[1:]), tuple(refused),
            arriving_seconds=age if age < settle else None,
        ))
    return deliveries


def delivered_bytes(root: Path, folders) -> int:
    """The size of the files in the Leerwinkel folders of the landing folder (unreadable ones count 0)."""
    total = 0
    for name in folders:
        entries, _ = _listing(root / name)
        for path in entries:
            try:
                total += path.stat().st_size if is_delivery_candidate(path.name) and path.is_file() else 0
            except OSError:
                continue
    return total


def landing_holds_deliveries(root: Path, folders) -> bool:
    """Whether any Leerwinkel folder of the landing folder holds any file at all. A landing
    folder without one (an unmounted share, an emptied folder) is no delivery: not a run."""
    for name in folders:
        entries, _ = _listing(root / name)
        if any(is_delivery_candidate(p.name) and (p.is_file() or p.is_symlink()) for p in entries):
            return True
    return False

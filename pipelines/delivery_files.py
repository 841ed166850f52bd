"""Which files in a Leerwinkel's folder are a delivery, and when one has settled
(DELIVERIES.md, "Which files are a delivery"). No Dagster: the delivery sensor and the
ingest use the same rules.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import unicodedata
from pathlib import Path

SETTLE_ENV_VAR = "LEERWINKELS_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 120.0

#: A workbook with macros is read as a workbook (macros are never run) where one is expected.
_WORKBOOK_SUFFIX, _MACRO_WORKBOOK_SUFFIX = ".xlsx", ".xlsm"
#: Office's lock file of an open workbook (``~$name.xlsx``) and hidden files (``.name``,
#: macOS's ``._name.xlsx`` resource forks on shared drives) are never a delivery.
_NEVER_A_DELIVERY = ("~$", ".")


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


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


def settle_seconds(environ: os._Environ | dict[str, str] | None = None) -> float:
    """How old (by modification time) a file must be before it is used: a younger one is
    still arriving. ``LEERWINKELS_SETTLE_SECONDS``, default 120; a value that is not a
    number >= 0 raises ValueError naming the variable."""
    raw = (os.environ if environ is None else environ).get(SETTLE_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_SETTLE_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{SETTLE_ENV_VAR} must be a number of seconds >= 0, got {raw!r}") from None
    if not value >= 0 or value == float("inf"):  # also refuses NaN
        raise ValueError(f"{SETTLE_ENV_VAR} must be a number of seconds >= 0, got {raw!r}")
    return value


def content_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """The hex sha256 of a file's content, read in chunks (a delivery can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()

"""Pseudonymisation: keyed HMAC-SHA256 keys and national-number validation.

A plain hash of a national number can be brute-forced (there are only tens of millions),
so every key is an HMAC under one secret network key that comes from the environment.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata

import polars as pl

try:  # CPython's own SHA-256: the same digests, and its copy() is cheaper than OpenSSL's (~20 % per HMAC)
    from _sha256 import sha256 as _sha256
except ImportError:  # pragma: no cover - Python 3.12+ names it _sha2; else OpenSSL's through hashlib
    try:
        from _sha2 import sha256 as _sha256
    except ImportError:
        _sha256 = hashlib.sha256

KEY_ENV_VAR = "LEERWINKELS_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
#: The Makefile's demo key starts with this; such a key is refused on a folder of real data.
DEMO_KEY_PREFIX = "demo-key-NOT-FOR-REAL-DATA-"
#: The file `leerwinkels demo-data` writes into a landing folder it generated.
DEMO_MARKER = ".leerwinkels-demo"


class MissingPseudonymKey(RuntimeError):
    """The secret network key is not configured."""


class DemoKeyRefused(MissingPseudonymKey):
    """The demo key was given for a landing folder that is not a generated demo folder."""


def is_demo_key(key: str | bytes) -> bool:
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    return text.startswith(DEMO_KEY_PREFIX)


def refuse_demo_key_on_real_data(key: str | bytes, landing: str | os.PathLike) -> None:
    """Raise ``DemoKeyRefused`` when ``key`` is the demo key and ``landing`` does not carry
    the demo marker: real files are never pseudonymised under a key printed in the Makefile.
    The message names the variable and the marker, never the key."""
    if is_demo_key(key) and not os.path.isfile(os.path.join(os.fspath(landing), DEMO_MARKER)):
        raise DemoKeyRefused(
            f"{KEY_ENV_VAR} holds the demo key ({DEMO_KEY_PREFIX}…), which is only for demo data, and the "
            f"landing folder {os.fspath(landing)} is not a demo folder (it has no {DEMO_MARKER} marker, which "
            "`leerwinkels demo-data` writes). For real data set "
            f"{KEY_ENV_VAR} to the network's secret key; for a demo run `make run` without LEERWINKELS_SOURCES."
        )


def key_from_environment(environ: dict[str, str] | None = None) -> bytes:
    value = (environ if environ is not None else os.environ).get(KEY_ENV_VAR, "")
    if not value.strip():
        raise MissingPseudonymKey(
            f"{KEY_ENV_VAR} is not set. The pseudonymisation key is the network's secret; "
            f"set it in the environment before running, e.g. "
            f"`export {KEY_ENV_VAR}=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\"` "
            "(keep it the same between runs, or every pseudonym changes)."
        )
    if len(value) < MIN_KEY_LENGTH:
        raise MissingPseudonymKey(
            f"{KEY_ENV_VAR} is too short: use at least {MIN_KEY_LENGTH} characters "
            "(for example 64 random hex digits)."
        )
    return value.encode("utf-8")


class Pseudonymiser:
    """HMAC-SHA256 with the inner and outer hash states precomputed from the key.

    Equivalent to ``hmac.new(key, msg, "sha256").hexdigest()``, about three times faster
    per value (see shared/notes/PERFORMANCE.md), which matters at hundreds of thousands of rows.
    """

    _BLOCK = 64

    def __init__(self, key: bytes):
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = _sha256(bytes(b ^ 0x36 for b in key))
        self._outer = _sha256(bytes(b ^ 0x5C for b in key))

    def __repr__(self) -> str:  # never show key material
        return "Pseudonymiser(<key hidden>)"

    def digest(self, message: str) -> str:
        return self._hexdigests([message.encode("utf-8")])[0]

    def fingerprint(self) -> str:
        """The key's fingerprint (DELIVERIES.md): the first 16 hex digits of
        HMAC-SHA256(key, ``fingerprint``). Recorded with staged data and every warehouse load so
        that data of two keys is never combined; it does not reveal the key."""
        return self.digest("fingerprint")[:16]

    def _hexdigests(self, messages) -> list[str]:
        """HMAC hex digest of every bytes message, in order: one loop, no call per value
        (a call costs as much as the hashing)."""
        inner, outer = self._inner.copy, self._outer.copy
        out: list[str] = []
        append = out.append
        for message in messages:
            h = inner()
            h.update(message)
            o = outer()
            o.update(h.digest())
            append(o.hexdigest())
        return out

    def series(self, messages: pl.Series) -> pl.Series:
        """Pseudonymise a string series; nulls stay null. Each distinct value is hashed once.
        The values come as UTF-8 bytes straight from polars."""
        values = messages.cast(pl.String).cast(pl.Binary).to_list()
        present = messages.drop_nulls()
        if present.n_unique() == present.len():  # every value once (trajectory keys): hash in order
            digests = iter(self._hexdigests(v for v in values if v is not None))
            out = [None if v is None else next(digests) for v in values]
        else:
            distinct = dict.fromkeys(values)
            distinct.pop(None, None)
            table = dict(zip(distinct, self._hexdigests(distinct), strict=True))
            out = list(map(table.get, values))  # None (null) is not in the table: stays null
        return pl.Series(messages.name, out, dtype=pl.String)


def national_number_digits(expr: pl.Expr) -> pl.Expr:
    """The digits of a national number as written (bare or punctuated); null when empty.

    A 10-digit value is a number that lost its leading zero in a spreadsheet (people born
    in 2000-2009 have national numbers starting with 0); the check digits still decide.
    """
    digits = expr.cast(pl.String).str.replace_all(r"\D", "")
    # one expression over `digits` (polars would compute a when/then's repeated input again)
    return digits.str.replace(r"^(\d{10})$", "0${1}").replace("", None)


def valid_national_number(digits: pl.Expr) -> pl.Expr:
    """True for a valid rijksregisternummer or BIS number (11 digits, mod-97 check).

    The check is 97 - (first nine digits mod 97); for people born in 2000 or later the
    digit 2 is put before the nine. BIS numbers add 20 or 40 to the month and follow the
    same rule. Month (minus the BIS offset) 0-12 and day 0-31 (0 = unknown) are required too.
    """
    well_formed = digits.str.contains(r"^\d{11}$").fill_null(False)
    first9 = digits.str.slice(0, 9).cast(pl.Int64, strict=False)
    check = digits.str.slice(9, 2).cast(pl.Int64, strict=False)
    month = digits.str.slice(2, 2).cast(pl.Int64, strict=False)
    day = digits.str.slice(4, 2).cast(pl.Int64, strict=False)
    base_month = pl.when(month >= 40).then(month - 40).when(month >= 20).then(month - 20).otherwise(month)
    before_2000 = (97 - first9 % 97) == check
    from_2000 = (97 - (first9 + 2_000_000_000) % 97) == check
    plausible = (base_month <= 12) & (day <= 31)
    return (well_formed & (before_2000 | from_2000) & plausible).fill_null(False)


def is_valid_national_number(value: str | None) -> bool:
    """Scalar form of :func:`valid_national_number`, for tests and one-off checks."""
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    return bool(frame.select(valid_national_number(national_number_digits(pl.col("v")))).item())


def normalise_person_name(expr: pl.Expr) -> pl.Expr:
    """Name lower-cased, accents removed, runs of spaces made one, trimmed.

    Used only inside ingest to recognise a returning Mechelen client; the result is hashed
    at once and never stored.
    """
    return (
        expr.cast(pl.String)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))

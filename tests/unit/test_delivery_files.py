"""Which file names are a delivery, and the settle time (DELIVERIES.md "Which files are a delivery")."""

from __future__ import annotations

import unicodedata

import pytest

from leerwinkels.ingest.delivery_files import content_sha256, matches_pattern, settle_seconds


@pytest.mark.parametrize(("name", "pattern", "expected"), [
    ("Leerwinkel_Brussel_2026-11-20.xlsx", "Leerwinkel_Brussel_*.xlsx", True),
    ("LEERWINKEL_BRUSSEL_2026-11-20.XLSX", "Leerwinkel_Brussel_*.xlsx", True),
    ("leerwinkel_brussel_2026-11-20.Xlsx", "Leerwinkel_Brussel_*.xlsx", True),
    ("Leerwinkel_Brussel_2026-11-20.xlsm", "Leerwinkel_Brussel_*.xlsx", True),
    ("Leerwinkel_Brussel_2026-11-20.XLSM", "Leerwinkel_Brussel_*.xlsx", True),
    ("Klanten_20261120.CSV", "klanten_*.csv", True),
    # an .xlsm is a workbook only where a workbook is expected
    ("klanten_20261120.xlsm", "klanten_*.csv", False),
    ("Leerwinkel_Brussel_2026-11-20.xls", "Leerwinkel_Brussel_*.xlsx", False),
    ("Leerwinkel_Brussel_2026-11-20.xlsx.bak", "Leerwinkel_Brussel_*.xlsx", False),
    ("Leerwinkel_Genk_2026-11-20.xlsx", "Leerwinkel_Brussel_*.xlsx", False),
    # Office's lock file and hidden files (macOS resource forks) are never a delivery
    ("~$Leerwinkel_Brussel_2026-11-20.xlsx", "*.xlsx", False),
    ("._Leerwinkel_Brussel_2026-11-20.xlsx", "*Leerwinkel_Brussel_*.xlsx", False),
    ("Leerwinkel Leuven dossiers 2026-11.xlsx", "Leerwinkel Leuven dossiers*.xlsx", True),
])
def test_matches_pattern(name, pattern, expected):
    assert matches_pattern(name, pattern) is expected


def test_matches_pattern_after_nfc_normalisation():
    pattern = "Registratie Leerwinkel Regio Mechelen ré*.xlsx"
    mac_name = unicodedata.normalize("NFD", "Registratie Leerwinkel Regio Mechelen RÉ 2026.xlsx")
    assert mac_name != unicodedata.normalize("NFC", mac_name)
    assert matches_pattern(mac_name, pattern)


def test_settle_seconds_default_value_and_refusals():
    assert settle_seconds({}) == 120
    assert settle_seconds({"LEERWINKELS_SETTLE_SECONDS": ""}) == 120
    assert settle_seconds({"LEERWINKELS_SETTLE_SECONDS": "0"}) == 0
    assert settle_seconds({"LEERWINKELS_SETTLE_SECONDS": " 7.5 "}) == 7.5
    for bad in ("-1", "soon", "nan", "inf"):
        with pytest.raises(ValueError, match="LEERWINKELS_SETTLE_SECONDS"):
            settle_seconds({"LEERWINKELS_SETTLE_SECONDS": bad})


def test_settle_seconds_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "3")
    assert settle_seconds() == 3


def test_content_sha256(tmp_path):
    import hashlib

    path = tmp_path / "f.bin"
    data = b"x" * (3 * 1024 * 1024 + 17)
    path.write_bytes(data)
    assert content_sha256(path, chunk_bytes=1 << 20) == hashlib.sha256(data).hexdigest()


def test_delivered_bytes_counts_the_files_of_the_leerwinkel_folders(tmp_path):
    from leerwinkels.ingest.delivery_files import delivered_bytes

    (tmp_path / "genk").mkdir()
    (tmp_path / "genk" / "klanten_20261120.csv").write_bytes(b"x" * 100)
    (tmp_path / "genk" / "~$lock.xlsx").write_bytes(b"x" * 7)  # Excel's lock file: no delivery
    (tmp_path / "gent").mkdir()
    (tmp_path / "gent" / "export.csv").write_bytes(b"x" * 20)
    (tmp_path / "elsewhere.csv").write_bytes(b"x" * 1000)  # not in a Leerwinkel folder
    assert delivered_bytes(tmp_path, ["genk", "gent", "leuven"]) == 120

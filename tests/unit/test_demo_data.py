"""Tests for leerwinkels_demo (tools/demo-data): file shapes, encodings, national numbers, determinism, and
the manifest checked against an independent, naive re-reading of the generated files with
MODEL.md's rules."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from leerwinkels_demo import generate_landing
from leerwinkels_demo.people import LAST_NAMES

AS_OF = dt.date(2026, 11, 26)
N = 300


def names_for(export: str, year: str) -> dict:
    return {
        "BXL": f"brussel/Leerwinkel_Brussel_{export}.xlsx",
        "GK_K": f"genk/klanten_{export.replace('-', '')}.csv",
        "GK_C": f"genk/contacten_{export.replace('-', '')}.csv",
        "MEC": "mechelen/Registratie Leerwinkel Regio Mechelen.xlsx",
        "GENT": f"gent/export_registraties_{export}.csv",
        "WV": f"west_vlaanderen/HVHL_leerloopbaan_{export[:7]}.xlsx",
        "LV": f"leuven/Leerwinkel Leuven dossiers {export[:7]}.xlsx",
        "SURVEY": f"netwerk/nazorgenquete_{export}.xlsx",
        "COSTS": f"netwerk/werkingskosten_{year}.xlsx",
    }


NAMES = names_for("2026-11-20", "2026")
BXL, GK_K, GK_C, MEC, GENT, WV, LV, SURVEY, COSTS = NAMES.values()
DISPLAY = {
    "Leerwinkel Brussel": "brussel", "Leerwinkel Genk": "genk", "Leerwinkel Regio Mechelen": "mechelen",
    "Leerwinkel De Stap": "gent", "Huis van het Leren West-Vlaanderen": "west_vlaanderen",
    "Leerwinkel Leuven": "leuven",
}
RULES = ("missing_id", "bad_date", "date_order", "future_date", "age_out_of_range", "duplicate_id",
         "orphan", "unlinked")


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("landing")
    calls = []
    m = generate_landing(root, N, seed=7, progress=lambda s, d, t: calls.append((s, d, t)),
                         manifest_path=root.parent / "manifest.json")
    return root, m, calls


# ------------------------------------------------------------------------------------------
# independent helpers
# ------------------------------------------------------------------------------------------

def nn_valid(v: str) -> bool:
    d = re.sub(r"[.\- ]", "", v)
    if not re.fullmatch(r"\d{11}", d):
        return False
    chk = int(d[9:])
    return 97 - int(d[:9]) % 97 == chk or 97 - int("2" + d[:9]) % 97 == chk


def parse_date(v):
    """-> (date or None, present)"""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, False
    if isinstance(v, dt.datetime):
        return v.date(), True
    if isinstance(v, dt.date):
        return v, True
    if isinstance(v, (int, float)):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(v)), True
    s = v.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(s, fmt).date(), True
        except ValueError:
            pass
    return None, True


def age_at(birth: dt.date | None, at: dt.date):
    if birth is None:
        return None
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def padded(rows):
    """Rows of a streamed sheet omit trailing empty cells: pad them to the widest row."""
    rows = list(rows)
    width = max((len(r) for r in rows), default=0)
    return [tuple(r) + (None,) * (width - len(r)) for r in rows]


def xlsx_rows(path: Path, sheet: str, header_row: int):
    wb = load_workbook(path, read_only=True)
    ws = wb[sheet]
    rows = padded(ws.iter_rows(values_only=True))
    wb.close()
    header = list(rows[header_row - 1])
    data = [r for r in rows[header_row:] if any(v is not None and v != "" for v in r)]
    return header, data


def csv_rows(path: Path, encoding: str, sep: str):
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=sep))
    return rows[0], [tuple(r) for r in rows[1:]]


def entry(read, dup, q):
    q = {k: v for k, v in q.items() if v}
    return {"rows_read": read, "rows_loaded": read - dup - sum(q.values()), "rows_quarantined": sum(q.values()),
            "rows_duplicate": dup, "quarantine": q}


def judge_trajectories(rows, extract, as_of):
    """One-row-per-trajectory sheet -> (manifest entry, loaded ids, loaded rows)."""
    seen, first, q, dup, loaded, loaded_rows = set(), {}, Counter(), 0, set(), []
    for row in rows:
        key = tuple(row)
        if key in seen:
            dup += 1
            continue
        seen.add(key)
        tid, intake_v, close_v, age_fn = extract(row)
        tid = None if tid is None or not str(tid).strip() else str(tid).strip()
        rule = None
        if tid is None:
            rule = "missing_id"
        else:
            intake, _ = parse_date(intake_v)
            close, present = parse_date(close_v)
            if intake is None or (present and close is None):
                rule = "bad_date"
            elif close is not None and close < intake:
                rule = "date_order"
            elif intake > as_of:
                rule = "future_date"
            elif (a := age_fn(intake)) is not None and not 16 <= a <= 100:
                rule = "age_out_of_range"
            elif tid in first and first[tid] != key:
                rule = "duplicate_id"
            first.setdefault(tid, key)
        if rule:
            q[rule] += 1
        else:
            loaded.add(tid.upper())
            loaded_rows.append(row)
    return entry(len(rows), dup, q), loaded, loaded_rows


def judge_links(rows, idcol, loaded):
    seen, q, dup = set(), Counter(), 0
    for row in rows:
        if tuple(row) in seen:
            dup += 1
            continue
        seen.add(tuple(row))
        v = row[idcol]
        if v is None or str(v).strip().upper() not in loaded:
            q["orphan"] += 1
    return entry(len(rows), dup, q)


def oracle(root: Path, names: dict = NAMES, as_of: dt.date = AS_OF) -> dict:
    """Re-derive the manifest from the files, naively, with MODEL.md's rules."""
    BXL, GK_K, GK_C, MEC, GENT, WV, LV, SURVEY, COSTS = names.values()
    files, loaded, invalid, unmapped = {}, {}, {}, Counter()

    def count_invalid(key, rows, col):
        c = sum(1 for r in rows if r[col] not in (None, "") and not nn_valid(str(r[col])))
        if c:
            invalid[key] = c

    # Brussel
    _, rows = xlsx_rows(root / BXL, "Dossiers - Dossiers", 1)
    e, ids, lrows = judge_trajectories(rows, lambda r: (r[0], r[14], r[15], lambda d, b=parse_date(r[4])[0]: age_at(b, d)), as_of)
    files[BXL + "|Dossiers - Dossiers"], loaded["brussel"] = e, ids
    count_invalid(BXL + "|Dossiers - Dossiers", lrows, 1)
    unmapped["brussel|labour_status|" + "Zelfstandige / Indépendant"] += sum(r[11] == "Zelfstandige / Indépendant" for r in lrows)
    _, rows = xlsx_rows(root / BXL, "Contacten - Contacts", 1)
    files[BXL + "|Contacten - Contacts"] = judge_links(rows, 0, ids)
    # Genk
    _, rows = csv_rows(root / GK_K, "cp1252", ";")
    e, ids, lrows = judge_trajectories(rows, lambda r: (r[0], r[12], r[13], lambda d, b=parse_date(r[3])[0]: age_at(b, d)), as_of)
    files[GK_K + "|"], loaded["genk"] = e, ids
    count_invalid(GK_K + "|", lrows, 1)
    _, rows = csv_rows(root / GK_C, "cp1252", ";")
    files[GK_C + "|"] = judge_links(rows, 0, ids)
    # Mechelen
    wb = load_workbook(root / MEC, read_only=True)
    sheets = wb.sheetnames
    wb.close()
    loaded["mechelen"] = set()
    for sh in sheets:
        _, rows = xlsx_rows(root / MEC, sh, 3)
        assert rows[-1][0] == "Totaal"
        rows = rows[:-1]

        def ex(r):
            close = None if isinstance(r[11], str) and r[11] == "nog lopend" else r[11]
            return r[0], r[10], close, lambda d: d.year - r[2] if r[2] is not None else None

        e, ids, _ = judge_trajectories(rows, ex, as_of)
        files[f"{MEC}|{sh}"] = e
        loaded["mechelen"] |= ids
    # Gent: rows are contacts
    _, rows = csv_rows(root / GENT, "utf-8-sig", ",")
    seen, q, dup, by_dossier = set(), Counter(), 0, defaultdict(list)
    for r in rows:
        if r in seen:
            dup += 1
            continue
        seen.add(r)
        if not r[1].strip():
            q["missing_id"] += 1
            continue
        cd, _ = parse_date(r[13])
        close, present = parse_date(r[17])
        if cd is None or (present and close is None):
            q["bad_date"] += 1
            continue
        by_dossier[r[1].strip()].append(r)
    loaded["gent"] = set()
    for did, rs in by_dossier.items():
        intake = min(parse_date(r[13])[0] for r in rs)
        last = max(rs, key=lambda r: r[13])
        close = parse_date(last[17])[0]
        a = age_at(parse_date(last[5])[0], intake)
        rule = ("date_order" if close is not None and close < intake else
                "future_date" if intake > as_of else
                "age_out_of_range" if a is not None and not 16 <= a <= 100 else None)
        if rule:
            q[rule] += len(rs)
        else:
            loaded["gent"].add(did.upper())
        assert not any(r[2] and not nn_valid(r[2]) for r in rs)
    files[GENT + "|"] = entry(len(rows), dup, q)
    # West-Vlaanderen
    _, clients = xlsx_rows(root / WV, "Cliënten", 4)
    files[WV + "|Cliënten"] = entry(len(clients), 0, Counter())
    assert not any(r[1] and not nn_valid(str(r[1])) for r in clients)
    birth = {r[0]: parse_date(r[3])[0] for r in clients}
    _, rows = xlsx_rows(root / WV, "Trajecten", 4)
    e, ids, _ = judge_trajectories(rows, lambda r: (r[0], r[2], r[3], lambda d, b=birth.get(r[1]): age_at(b, d)), as_of)
    files[WV + "|Trajecten"], loaded["west_vlaanderen"] = e, ids
    for sh in ("Contacten", "Doorverwijzingen"):
        _, rows = xlsx_rows(root / WV, sh, 4)
        files[f"{WV}|{sh}"] = judge_links(rows, 0, ids)
    # Leuven
    _, rows = xlsx_rows(root / LV, "Dossiers", 1)
    e, ids, lrows = judge_trajectories(rows, lambda r: (r[0], r[11], r[12], lambda d, b=parse_date(r[3])[0]: age_at(b, d)), as_of)
    files[LV + "|Dossiers"], loaded["leuven"] = e, ids
    count_invalid(LV + "|Dossiers", lrows, 1)
    unmapped["leuven|labour_status|zelfstandige"] += sum(r[8] == "zelfstandige" for r in lrows)
    # survey
    _, rows = xlsx_rows(root / SURVEY, "Form1", 1)
    q, latest, dup = Counter(), {}, 0
    for r in rows:
        key = (DISPLAY[r[5]], str(r[6]).strip().upper())
        if key[1] not in loaded[key[0]]:
            q["unlinked"] += 1
        elif key in latest:
            dup += 1
            assert r[2] > latest[key]  # rows come in time order
        latest.setdefault(key, r[2])
    files[SURVEY + "|Form1"] = entry(len(rows), dup, q)
    _, rows = xlsx_rows(root / COSTS, "Kosten", 1)
    files[COSTS + "|Kosten"] = entry(len(rows), 0, Counter())
    tl = {k: len(v) for k, v in loaded.items()}
    tl["all"] = sum(tl.values())
    return {"files": files, "trajectories_loaded": tl, "invalid_national_numbers": invalid,
            "unmapped": {k: v for k, v in unmapped.items() if v}}


# ------------------------------------------------------------------------------------------
# tests
# ------------------------------------------------------------------------------------------

def test_files_and_progress(landing):
    root, m, calls = landing
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    # the deliveries, and the demo marker (`.leerwinkels-demo`, which no Leerwinkel's pattern matches)
    assert found == sorted([BXL, GK_C, GK_K, MEC, GENT, WV, LV, SURVEY, COSTS, ".leerwinkels-demo"])
    assert calls[-1][1] == calls[-1][2] == len(calls)
    assert json.loads((root.parent / "manifest.json").read_text(encoding="utf-8")) == m


def test_sheets_and_header_rows(landing):
    root, m, _ = landing
    wb = load_workbook(root / BXL, read_only=True)
    assert wb.sheetnames == ["Dossiers - Dossiers", "Contacten - Contacts"]
    h = next(wb["Dossiers - Dossiers"].iter_rows(values_only=True))
    assert h[0] == "Dossiernr / N° dossier" and h[-1] == "Doorverwezen naar / Orienté vers" and len(h) == 18
    assert next(wb["Contacten - Contacts"].iter_rows(values_only=True)) == (
        "Dossiernr / N° dossier", "Datum / Date", "Type", "Duur (min) / Durée (min)")
    r2 = list(wb["Dossiers - Dossiers"].iter_rows(min_row=2, max_row=30, values_only=True))
    assert any(isinstance(r[14], dt.datetime) for r in r2)  # real Excel dates
    wb.close()

    wb = load_workbook(root / MEC)  # not read-only: merged cells are visible
    years = [int(s) for s in wb.sheetnames]
    assert years == sorted(years) and years[0] >= 2021 and years[-1] <= 2026
    for ws in wb.worksheets:
        assert [str(r) for r in ws.merged_cells.ranges] == ["A1:F1"]
        assert ws["A1"].value.startswith("Leerwinkel Regio Mechelen")
        assert all(c.value is None for c in ws[2])
        assert ws["A3"].value == "Nr" and ws["O3"].value == "Opmerkingen"
        assert ws.cell(ws.max_row, 1).value == "Totaal"
    wb.close()

    wb = load_workbook(root / WV, read_only=True)
    assert wb.sheetnames == ["Cliënten", "Trajecten", "Contacten", "Doorverwijzingen"]
    firsts = {"Cliënten": "cliëntnr", "Trajecten": "trajectnr", "Contacten": "trajectnr", "Doorverwijzingen": "trajectnr"}
    kinds = set()
    for name, first in firsts.items():
        rows = padded(wb[name].iter_rows(max_row=200, values_only=True))
        assert rows[0][0].startswith("Huis van het Leren") and rows[1][0].startswith("Export aangemaakt op")
        assert all(v is None for v in rows[2])
        assert rows[3][0] == first
        if name == "Trajecten":
            kinds |= {type(r[2]).__name__ for r in rows[4:]}
            assert {r[6] for r in rows[4:]} <= {"ja", "x", "nee", None}
    assert {"datetime", "int", "str"} <= kinds  # three kinds of date cells
    wb.close()

    wb = load_workbook(root / LV, read_only=True)
    h = next(wb["Dossiers"].iter_rows(values_only=True))
    assert wb.sheetnames == ["Dossiers"] and h[14] == "Contact 1" and h[21] == "Contact 8" and h[-1] == "Notities"
    wb.close()
    for path, sheet, first in ((SURVEY, "Form1", "ID"), (COSTS, "Kosten", "Leerwinkel")):
        wb = load_workbook(root / path, read_only=True)
        assert wb.sheetnames == [sheet]
        assert next(wb[sheet].iter_rows(values_only=True))[0] == first
        wb.close()


def test_csv_encodings(landing):
    root, _, _ = landing
    for name in (GK_K, GK_C):
        raw = (root / name).read_bytes()
        text = raw.decode("cp1252")
        assert raw.count(b"\r\n") == text.count("\n") and "\n" not in text.replace("\r\n", "")
        assert text.splitlines()[0].count(";") in (3, 15)
    raw = (root / GK_K).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Windows-1252 (heroriëntering, Öztürk ...)
    _, rows = csv_rows(root / GK_K, "cp1252", ";")
    assert all(", " in r[2] for r in rows)  # Achternaam, Voornaam
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", r[12]) for r in rows)
    _, rows = csv_rows(root / GK_C, "cp1252", ";")
    assert any("," in r[3] for r in rows)  # decimal comma
    raw = (root / GENT).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, rows = csv_rows(root / GENT, "utf-8-sig", ",")
    assert header[0] == "registratie_id" and header[-1] == "doorverwijzing" and len(header) == 19
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", r[13]) for r in rows)


def test_national_numbers(landing):
    _, m, _ = landing
    nns = [v for v in m["personal_values"] if re.fullmatch(r"\d{11}", v)]
    invalid = set(m["invalid_national_number_values"])
    assert len(nns) > 100 and invalid and invalid <= set(nns)
    for v in nns:
        assert nn_valid(v) == (v not in invalid), v
    # people born in 2000 or later (2 before the nine digits) and BIS numbers occur
    assert any(97 - int("2" + v[:9]) % 97 == int(v[9:]) for v in nns)
    assert sum(1 for v in nns if int(v[2:4]) > 12) >= 1


def test_manifest_is_consistent(landing):
    _, m, _ = landing
    files = m["files"]
    for key, e in files.items():
        path, sheet = key.split("|")
        assert (sheet == "") == path.endswith(".csv")
        assert set(e["quarantine"]) <= set(RULES) and all(v > 0 for v in e["quarantine"].values())
        assert e["rows_quarantined"] == sum(e["quarantine"].values())
        assert e["rows_read"] == e["rows_loaded"] + e["rows_quarantined"] + e["rows_duplicate"]
    total = Counter()
    for e in files.values():
        total.update(e["quarantine"])
    assert set(total) == set(RULES)  # every rule is exercised
    assert sum(e["rows_duplicate"] for k, e in files.items() if "nazorgenquete" not in k) >= 6
    assert m["unmapped"] and m["invalid_national_numbers"] and len(m["missing_cost_rows"]) == 1
    tl = m["trajectories_loaded"]
    assert tl["all"] == sum(v for k, v in tl.items() if k != "all")
    assert tl["brussel"] == files[BXL + "|Dossiers - Dossiers"]["rows_loaded"]
    assert tl["leuven"] == files[LV + "|Dossiers"]["rows_loaded"]
    assert tl["mechelen"] == sum(e["rows_loaded"] for k, e in files.items() if k.startswith(MEC))
    assert files[COSTS + "|Kosten"]["rows_read"] == 6 * len(m["years"]) - 1
    assert 0.8 * N < sum(e["rows_read"] for k, e in files.items()
                         if k.endswith(("Dossiers", "|Trajecten")) or k.startswith((GK_K, MEC))) + tl["gent"] < 1.2 * N


def test_manifest_matches_independent_reading(landing):
    root, m, _ = landing
    o = oracle(root)
    assert o["files"] == m["files"]
    assert o["trajectories_loaded"] == m["trajectories_loaded"]
    assert o["invalid_national_numbers"] == m["invalid_national_numbers"]
    assert o["unmapped"] == m["unmapped"]


def test_personal_values_cover_what_was_written(landing):
    root, m, _ = landing
    pv = set(m["personal_values"])
    texts = []
    for path in root.rglob("*.xlsx"):
        wb = load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                texts.extend(v for v in row if isinstance(v, str))
        wb.close()
    texts.append((root / GK_K).read_text(encoding="cp1252"))
    texts.append((root / GENT).read_text(encoding="utf-8-sig"))
    blob = "\n".join(texts)
    emails = set(re.findall(r"[\w.'-]+@example\.be", blob))
    phones = set(re.findall(r"04\d\d \d\d \d\d \d\d", blob))
    nns = {re.sub(r"\D", "", v) for v in re.findall(r"(?<![\d.])(\d{11}|\d\d\.\d\d\.\d\d-\d{3}\.\d\d)(?![\d.])", blob)}
    assert emails and phones and nns
    assert emails <= pv and phones <= pv and nns <= pv
    names = {n for n in LAST_NAMES if len(n) >= 6 and n in blob}
    assert names and names <= pv
    assert all("@example.be" in v or re.fullmatch(r"[\d ]+", v) or v in blob for v in pv)


def test_determinism(tmp_path):
    a = generate_landing(tmp_path / "a", 120, seed=3)
    b = generate_landing(tmp_path / "b", 120, seed=3, workers=2)
    c = generate_landing(tmp_path / "c", 120, seed=4)
    assert a == b and a != c
    for name in (GK_K, GK_C, GENT):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for name in (BXL, MEC, WV, LV, SURVEY, COSTS):
        wa, wb_ = load_workbook(tmp_path / "a" / name, read_only=True), load_workbook(tmp_path / "b" / name, read_only=True)
        assert wa.sheetnames == wb_.sheetnames
        for s in wa.sheetnames:
            assert list(wa[s].iter_rows(values_only=True)) == list(wb_[s].iter_rows(values_only=True))
        wa.close()
        wb_.close()


def test_without_defects(tmp_path):
    as_of = dt.date(2025, 6, 30)
    m = generate_landing(tmp_path, 150, seed=5, defects=False, as_of=as_of)
    assert m["export_date"] == "2025-06-24" and m["years"][-1] == 2025
    for key, e in m["files"].items():
        assert e["quarantine"] == {}, key
        if "nazorgenquete" not in key:  # answering twice is not a defect
            assert e["rows_duplicate"] == 0, key
    assert not m["unmapped"] and not m["invalid_national_numbers"] and not m["missing_cost_rows"]
    o = oracle(tmp_path, names_for("2025-06-24", "2025"), as_of)
    assert o["files"] == m["files"]


def test_too_many_rows_for_a_sheet(tmp_path):
    with pytest.raises(ValueError, match="xlsx"):
        generate_landing(tmp_path, 3_000_000)
    assert not any(tmp_path.iterdir())


def test_the_earlier_delivery_matches_its_manifest_read_independently(tmp_path):
    """The earlier delivery (what was registered 14 days before the as-of date) is a landing folder
    like the final one: its manifest agrees with a naive re-reading of its files."""
    m = generate_landing(tmp_path, N, seed=7, earlier_delivery_days=14)
    assert m["export_date"] == "2026-11-12"
    o = oracle(tmp_path, names_for("2026-11-12", "2026"), AS_OF)
    assert o["files"] == m["files"]
    assert o["trajectories_loaded"] == m["trajectories_loaded"]
    assert o["unmapped"] == m["unmapped"]
    final = generate_landing(tmp_path / "final", N, seed=7)
    assert m["trajectories_loaded"]["all"] <= final["trajectories_loaded"]["all"]
    assert sum(e["rows_read"] for e in m["files"].values()) < sum(e["rows_read"] for e in final["files"].values())

"""Synthetic landing-folder generator ("demo data").

``generate_landing(dest, trajectories, seed, defects)`` writes a complete landing folder in
the formats of ``SOURCES.md`` (six Leerwinkels + the network coordinator's files) with
invented people only, and returns a *manifest*: the row accounting that the pipeline's
rules (MODEL.md) must give for every file/sheet, plus every personal value written.

How it works
------------
1. A *plan* is drawn with numpy (seeded): trajectories, persons, contacts, referrals,
   survey responses and, when ``defects=True``, a known set of defects. Every defect is
   made so that it triggers exactly one rule of MODEL.md's table and no earlier one:

   ==================  ==========================================================
   rule                how it is injected
   ==================  ==========================================================
   missing_id          trajectory id left empty (such a trajectory gets no contact/
                       referral/survey rows; in Gent: an extra contact row without
                       ``dossier_id``)
   bad_date            intake empty/unreadable, or closing date present but
                       unreadable (Gent: an extra contact row whose ``contact_datum``
                       is empty/unreadable)
   date_order          closing date 1-60 days before the intake date
   future_date         intake typed ten years ahead (trajectory open)
   age_out_of_range    a new person aged 10-14 or 102-106 at intake
   duplicate_id        an extra, later row with an existing id and another
                       learning question
   (rows_duplicate)    an extra, later row equal in every column to an earlier one
   orphan              contacts/referrals of quarantined trajectories, plus a few
                       rows pointing at ids that never existed
   unlinked            survey answers for quarantined trajectories, for ids that do
                       not exist, or naming the wrong Leerwinkel
   ==================  ==========================================================

   For Gent (one row per contact) the trajectory-level defects (date_order,
   future_date, age_out_of_range) are put on single-contact trajectories, so that one
   row is rejected whichever way the trajectory's rejection is propagated to its rows.
   Not counted as quarantine but reported in the manifest: an unmapped label
   (``unmapped``), invalid national numbers (``invalid_national_numbers``) and a missing
   cost row (``missing_cost_rows``); all three are put on clean, loaded, non-duplicated
   rows so that their counts do not depend on rule order.
2. Every file is then streamed row by row (openpyxl write-only mode for xlsx, plain
   writes for CSV). Writers may run in parallel processes (``workers``), each with its
   own seeded RNG, so the output does not depend on the number of workers.
3. The manifest is computed from the plan; the writers report the rows they wrote and
   the two are checked against each other.
"""

from __future__ import annotations

import gc
import json
import os
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from leerwinkels.contract.code_lists import LEERWINKELS as CONTRACT_LEERWINKELS
from leerwinkels.privacy.pseudonymise import DEMO_MARKER
from leerwinkels_demo.labels import Label, has_code_list, label_table, labels_by_code, source_specs, unknown_label

__all__ = ["generate_landing", "national_number_is_valid", "make_national_number", "AS_OF"]

AS_OF = date(2026, 11, 26)
XLSX_MAX_ROWS = 1_048_576

LEERWINKELS = tuple(CONTRACT_LEERWINKELS)  # the contract's list, in its order (SHARES follows it)
SHARES = (0.20, 0.15, 0.15, 0.20, 0.15, 0.15)
DISPLAY = {code: spec.display_name for code, spec in source_specs().items()}  # the names the survey writes
LW_INDEX = {lw: i for i, lw in enumerate(LEERWINKELS)}
BR, GK, ME, GE, WV, LV = range(6)
NN_LWS = (BR, GK, GE, WV, LV)  # Leerwinkels that register national numbers

# --------------------------------------------------------------------------------------
# invented people
# --------------------------------------------------------------------------------------
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Hermans", "Michiels", "Van Damme",
    "Van den Broeck", "Van de Velde", "Desmet", "D'Hondt", "Vermeulen", "Verhaegen",
    "Stevens", "El Amrani", "Benali", "Boutaleb", "Ahmadi", "Diallo", "Bah", "Nguyen",
    "Kovalenko", "Yılmaz", "Öztürk", "Çelik", "Lemaître",
)
FIRST_NAMES_F = (
    "Fatima", "Olena", "Annelies", "Hanne", "Ilse", "Sofie", "Nadia", "Yasmina", "Aminata",
    "Amélie", "Chloé", "Géraldine", "Lies", "Els", "Lotte", "Marie", "Priya", "Rania",
    "Sara", "Zoë", "Inès", "Joëlle", "Ayşe",
)
FIRST_NAMES_M = (
    "Jan", "Dirk", "Tom", "Bram", "Pieter", "Wouter", "Kevin", "Emre", "Mohamed", "Youssef",
    "Karim", "Soufiane", "Mehmet", "Gökhan", "Thibault", "François", "Mamadou", "Oleksandr",
    "Noël",
)
FIRST_NAMES = FIRST_NAMES_F + FIRST_NAMES_M
N_FIRST_F = len(FIRST_NAMES_F)
# names shorter than this are left out of personal_values (as in samples/expected.json):
# short names such as "Bah", "Maes" or "Jan" would give false alarms in substring checks
MIN_PERSONAL_NAME_LEN = 6

_TRANSLIT = str.maketrans({"ı": "i", "ş": "s", "Ş": "S", "ğ": "g", "İ": "I"})


def _fold(s: str) -> str:
    s = s.translate(_TRANSLIT)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _cp1252_safe(s: str) -> str:
    """Names as a Windows-1252 CRM stores them (characters outside cp1252 transliterated)."""
    try:
        s.encode("cp1252")
        return s
    except UnicodeEncodeError:
        return s.translate(_TRANSLIT)


LAST_CP1252 = tuple(_cp1252_safe(s) for s in LAST_NAMES)
FIRST_CP1252 = tuple(_cp1252_safe(s) for s in FIRST_NAMES)
LAST_MAIL = tuple(_fold(s).lower().replace(" ", "") for s in LAST_NAMES)
FIRST_MAIL = tuple(_fold(s).lower().replace(" ", "") for s in FIRST_NAMES)

# --------------------------------------------------------------------------------------
# national register numbers (MODEL.md)
# --------------------------------------------------------------------------------------


def national_number_is_valid(value: str) -> bool:
    """MODEL.md's rule: 11 digits; 97 - (first nine mod 97) == last two, or the same with
    a 2 put before the nine (born in 2000 or later). BIS numbers follow the same rule."""
    digits = "".join(c for c in str(value) if c.isdigit())
    if len(digits) != 11 or len(digits) != len(str(value).replace(".", "").replace("-", "").replace(" ", "")):
        return False
    body, check = int(digits[:9]), int(digits[9:])
    return 97 - body % 97 == check or 97 - (2_000_000_000 + body) % 97 == check


def make_national_number(birth: date, seq: int, bis: int = 0) -> str:
    """11 digits with valid check digits; ``bis`` is 0, 20 or 40 (added to the month)."""
    body = int(f"{birth.year % 100:02d}{birth.month + bis:02d}{birth.day:02d}{seq:03d}")
    base = body + 2_000_000_000 if birth.year >= 2000 else body
    return f"{body:09d}{97 - base % 97:02d}"


def _punctuate(nn: str) -> str:
    return f"{nn[0:2]}.{nn[2:4]}.{nn[4:6]}-{nn[6:9]}.{nn[9:11]}"


# --------------------------------------------------------------------------------------
# code lists: canonical code order -> the labels each Leerwinkel uses, read from sources/*.yaml
# a tuple of labels = several labels for one code (picked at random); None = no label
# --------------------------------------------------------------------------------------


def _tables(code_list: str) -> dict[int, tuple[Label, ...]]:
    """Every Leerwinkel's labels for ``code_list`` (only those whose source has that list)."""
    return {li: label_table(lw, code_list) for li, lw in enumerate(LEERWINKELS) if has_code_list(lw, code_list)}


EDU_W = (0.10, 0.12, 0.18, 0.30, 0.15, 0.15)  # none primary lower_sec upper_sec higher foreign
EDU = _tables("education_level")
EDU_UNKNOWN = {li: unknown_label(lw, "education_level") for li, lw in enumerate(LEERWINKELS)}
DUTCH_W = (0.40, 0.10, 0.12, 0.14, 0.12, 0.08, 0.04)  # native A1 A2 B1 B2 C1 C2
DUTCH = _tables("dutch_level")
DUTCH_UNKNOWN = {li: unknown_label(lw, "dutch_level") for li, lw in enumerate(LEERWINKELS)}
LAB_W = (0.22, 0.40, 0.14, 0.09, 0.07, 0.08)  # employed jobseeker social_assist sick student other
LABOUR = _tables("labour_status")
# the unmapped label injected on purpose (reported in dq_unmapped_values, not an error)
UNMAPPED = {BR: ("labour_status", "Zelfstandige / Indépendant"), LV: ("labour_status", "zelfstandige")}
INFLOW_W = (0.30, 0.14, 0.12, 0.06, 0.08, 0.07, 0.18, 0.05)
# employment_service public_social_welfare integration_agency local_government welfare
# education self outreach
INFLOW = _tables("inflow_channel")
QUESTION_W = (0.35, 0.15, 0.15, 0.15, 0.12, 0.08)
QUESTION = _tables("learning_question")
GENDER = _tables("gender")
DEST_W = (0.20, 0.08, 0.16, 0.08, 0.07, 0.10, 0.10, 0.08, 0.07, 0.06)
# adult_education basic_education vdab_training higher_education second_chance dutch_course
# job_mediation welfare competence_recognition other
DEST = _tables("destination")
CTYPE_W = (0.45, 0.25, 0.20, 0.10)  # conversation phone online group (contact 1 = intake)
CTYPE = _tables("contact_type")
MINUTES_INTAKE = (45, 60, 60, 90)
MINUTES_OTHER = (15, 30, 30, 45, 60, 60, 90, 120)
BR_STATUS = label_table("brussel", "status")  # open completed stopped
GE_STATUS = label_table("gent", "status")
_GK_STATUS = labels_by_code("genk", "status")  # Genk writes a closing reason, read as completed or stopped
GK_REASON_COMPLETED, GK_REASON_STOPPED = _GK_STATUS["completed"], _GK_STATUS["stopped"]
GK_REFERRED = "doorverwezen"  # the completed reason of a trajectory with referrals

POSTCODES = {
    BR: ((1000, None), (1020, None), (1030, None), (1040, None), (1050, None), (1060, None),
         (1070, None), (1080, None), (1081, None), (1082, None), (1083, None), (1090, None),
         (1120, None), (1130, None), (1140, None), (1150, None), (1160, None), (1170, None),
         (1180, None), (1190, None), (1200, None), (1210, None)),
    GK: ((3600, "Genk"), (3600, "Genk"), (3600, "Genk"), (3500, "Hasselt"), (3665, "As"),
         (3690, "Zutendaal"), (3630, "Maasmechelen"), (3620, "Lanaken"),
         (3530, "Houthalen-Helchteren"), (3520, "Zonhoven"), (3740, "Bilzen"),
         (3660, "Oudsbergen"), (3590, "Diepenbeek")),
    ME: ((2800, "Mechelen"), (2800, "Mechelen"), (2800, "Mechelen"), (2820, "Bonheiden"),
         (2860, "Sint-Katelijne-Waver"), (2830, "Willebroek"), (2570, "Duffel"),
         (2870, "Puurs-Sint-Amands"), (2880, "Bornem"), (2590, "Berlaar"), (2580, "Putte"),
         (1980, "Zemst"), (2500, "Lier"), (2220, "Heist-op-den-Berg")),
    GE: ((9000, None), (9000, None), (9030, None), (9031, None), (9032, None), (9040, None),
         (9041, None), (9042, None), (9050, None), (9051, None), (9052, None), (9070, None),
         (9090, None)),
    WV: ((8000, "Brugge"), (8200, "Brugge"), (8310, "Brugge"), (8400, "Oostende"),
         (8500, "Kortrijk"), (8800, "Roeselare"), (8900, "Ieper"), (8790, "Waregem"),
         (8820, "Torhout"), (8700, "Tielt"), (8600, "Diksmuide"), (8630, "Veurne"),
         (8300, "Knokke-Heist"), (8930, "Menen"), (8970, "Poperinge"), (8870, "Izegem")),
    LV: ((3000, None), (3000, None), (3001, None), (3010, None), (3012, None), (3018, None),
         (3020, None), (3060, None), (3070, None), (3080, None), (3110, None)),
}

SURVEY_HEADER = (
    "ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam", "Leerwinkel", "Dossiernummer",
    "Ben je na je gesprekken met de Leerwinkel een opleiding gestart?",
    "Wat is nu je situatie?",
    "Heb je intussen een diploma of certificaat behaald?",
    "Ik heb nu een beter zicht op mijn kansen op de arbeidsmarkt",
    "Ik heb nu een beter zicht op mijn sterktes en ambities",
    "Ik heb nu een beter zicht op wat mij tegenhoudt",
    "Ik heb nu een beter zicht op mijn leermogelijkheden",
    "Hoe tevreden ben je over de begeleiding? (1-10)",
    "Wil je nog iets kwijt?",
)
SCALE = label_table("netwerk", "agreement_scale")
TRAINING_STARTED = label_table("netwerk", "training_started")  # yes no enrolled
SITUATION = label_table("netwerk", "situation")  # working in_training jobseeker sick other
QUALIFICATION = label_table("netwerk", "qualification")  # yes no

# unreadable date values (bad_date)
BAD_DATE_TEXT = ("dinsdag", "onbekend", "31/02/2023", "??", "2023-13-45", "zie map")
BAD_DATE_CSV = ("dinsdag", "onbekend", "31/02/2023", "2023-13-45", "30/02/2024")
BAD_DATE_GENT = ("2024-13-45T10:00:00", "onbekend", "", "2023-02-30T09:00:00")

# defect kinds on trajectories (at most one per trajectory)
OK, MISSING_ID, BAD_INTAKE, BAD_CLOSING, DATE_ORDER, FUTURE, AGE_LOW, AGE_HIGH = range(8)
RULE = {MISSING_ID: "missing_id", BAD_INTAKE: "bad_date", BAD_CLOSING: "bad_date",
        DATE_ORDER: "date_order", FUTURE: "future_date", AGE_LOW: "age_out_of_range",
        AGE_HIGH: "age_out_of_range"}
RULE_ORDER = ("missing_id", "bad_date", "date_order", "future_date", "age_out_of_range",
              "duplicate_id", "orphan", "unlinked")
# extra rows (Gent) / flags
X_DUP, X_DUPID, X_GMISSING, X_GBAD = "dup", "dupid", "gent_missing_id", "gent_bad_date"

DEFECT_RATE = 0.0075  # per kind and Leerwinkel
MIN_ROWS_FOR_DEFECTS = 20  # a Leerwinkel with fewer trajectories gets no defects
VARIANT_RATE = 0.03  # stray spaces / odd capitals on code labels
EMPTY_RATE = 0.02  # empty (= unknown) code cells


def _variant(r: random.Random, s: str) -> str:
    k = r.randrange(6)
    if k == 0:
        return s + " "
    if k == 1:
        return " " + s
    if k == 2:
        return s.upper()
    if k == 3:
        return s.lower()
    if k == 4:
        return s.capitalize()
    return " " + s + " "


class _Labeller:
    """Picks a Leerwinkel's label for a code, now and then with stray spaces/capitals."""

    def __init__(self, r: random.Random, table, unknown=None, variant_rate=VARIANT_RATE,
                 empty_rate=0.0):
        self.r = r
        self.table = table
        self.unknown = unknown
        self.vr = variant_rate
        self.er = empty_rate

    def __call__(self, code: int, allow_empty: bool = True):
        r = self.r
        if allow_empty and self.er and r.random() < self.er:
            return self.unknown
        lab = self.table[code]
        if isinstance(lab, tuple):
            lab = lab[r.randrange(len(lab))]
        if lab is None:
            return self.unknown
        if self.vr and r.random() < self.vr:
            return _variant(r, lab)
        return lab


# --------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------
#: A value written into a cell: a real date, an Excel serial number, text or nothing.
Cell = date | datetime | int | float | str | None

_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_DATE_CACHE: dict[int, date] = {}


def _d(o: int) -> date:
    d = _DATE_CACHE.get(o)
    if d is None:
        d = _DATE_CACHE[o] = date.fromordinal(o)
    return d


_DMY_CACHE: dict[int, str] = {}


def _dmy(o: int) -> str:
    s = _DMY_CACHE.get(o)
    if s is None:
        d = _d(o)
        s = _DMY_CACHE[o] = f"{d.day:02d}/{d.month:02d}/{d.year}"
    return s


_ISO_CACHE: dict[int, str] = {}


def _iso(o: int) -> str:
    s = _ISO_CACHE.get(o)
    if s is None:
        s = _ISO_CACHE[o] = _d(o).isoformat()
    return s


def _age(birth: int, at: int) -> int:
    b, a = _d(birth), _d(at)
    return a.year - b.year - ((a.month, a.day) < (b.month, b.day))


def _mixed_date(r: random.Random, o: int) -> Cell:
    """West-Vlaanderen: a real date, an Excel serial number, or dd/mm/yyyy text."""
    u = r.random()
    if u < 0.6:
        return _d(o)
    if u < 0.8:
        return o - _EXCEL_EPOCH
    return _dmy(o)


# --------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------
class _Plan:
    """What the writers write, drawn once (seeded) before any file is written. Per trajectory
    (global index t, grouped by Leerwinkel) the arrays hold codes and day ordinals."""

    seed: int
    defects: bool
    as_of: date
    export: date  # delivery date of the exports
    start_year: int
    counts: list[int]  # trajectories per Leerwinkel
    lw: np.ndarray  # Leerwinkel index per trajectory
    lw_start: np.ndarray  # first trajectory of each Leerwinkel (and the total last)
    intake: np.ndarray
    closed: np.ndarray  # -1 = open
    status: np.ndarray
    edu: np.ndarray
    dutch: np.ndarray
    labour: np.ndarray
    question: np.ndarray
    inflow: np.ndarray
    postcode: np.ndarray
    persons: _Persons
    person: np.ndarray  # person per trajectory
    ncon: np.ndarray  # contacts per trajectory
    nref: np.ndarray  # referrals per trajectory
    dest: np.ndarray
    ref_date: np.ndarray
    ref_row: np.ndarray
    reg_intake: np.ndarray  # the intake as registered (before a future_date typo)
    reg_year: np.ndarray
    defect: np.ndarray
    flag_invalid_nn: np.ndarray
    flag_unmapped: np.ndarray
    extras: dict[int, list]  # (kind, src global index, after global index)
    loaded: np.ndarray
    c_start: np.ndarray
    c_date: np.ndarray
    c_type: np.ndarray
    c_min: np.ndarray
    order: dict[int, np.ndarray]  # row order per Leerwinkel
    tid: list[str | None]  # trajectory id as written
    fake: dict
    survey: list[list]
    cost_rows: list
    cost_missing: tuple[int, int] | None
    note: np.ndarray
    wv_clients: tuple[list[int], dict[int, int]] | None = None


def _split(total: int) -> list[int]:
    raw = [total * s for s in SHARES]
    n = [int(x) for x in raw]
    rest = total - sum(n)
    for i in sorted(range(6), key=lambda i: (-(raw[i] - n[i]), i))[:rest]:
        n[i] += 1
    return n


def _years(ordinals: np.ndarray) -> np.ndarray:
    d = (np.asarray(ordinals, dtype=np.int64) - date(1970, 1, 1).toordinal()).astype("datetime64[D]")
    return d.astype("datetime64[Y]").astype(np.int64) + 1970


def _choice(rng: np.random.Generator, weights, size: int, allowed=None) -> np.ndarray:
    w = np.asarray(weights, dtype=float).copy()
    if allowed is not None:
        w = w * np.asarray(allowed, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum()).astype(np.int8)


def _build_plan(trajectories: int, seed: int, defects: bool, as_of: date) -> _Plan:
    rng = np.random.default_rng([seed, 20261126])
    p = _Plan()
    p.seed, p.defects, p.as_of = seed, defects, as_of
    p.export = as_of - timedelta(days=6)  # delivery date of the exports
    exp_o = p.export.toordinal()
    p.start_year = as_of.year - 5
    start_o = date(p.start_year, 1, 1).toordinal()
    if exp_o <= start_o:
        raise ValueError("as_of too early")

    counts = _split(trajectories)
    p.counts = counts
    n = trajectories
    lw = np.repeat(np.arange(6, dtype=np.int8), counts)
    p.lw = lw
    p.lw_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # ---- trajectories -----------------------------------------------------------------
    intake = rng.integers(start_o, exp_o + 1, size=n).astype(np.int64)
    recent = intake > exp_o - 120
    u = rng.random(n)
    is_open = np.where(recent, u < 0.70, u < 0.30)
    status = np.where(is_open, 0, np.where(rng.random(n) < 0.72, 1, 2)).astype(np.int8)
    status[(lw == ME) & (status == 2)] = 1  # Mechelen: a closing date = completed
    dur = rng.integers(14, 300, size=n)
    closed = intake + dur
    late = closed > exp_o
    closed[late] = intake[late] + np.floor(rng.random(late.sum()) * (exp_o - intake[late] + 1)).astype(np.int64)
    closed[status == 0] = -1
    p.intake, p.closed, p.status = intake, closed, status

    p.edu = _choice(rng, EDU_W, n)
    p.dutch = _choice(rng, DUTCH_W, n)
    p.labour = _choice(rng, LAB_W, n)
    p.question = _choice(rng, QUESTION_W, n)
    p.inflow = np.zeros(n, dtype=np.int8)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        allowed = [lab is not None for lab in INFLOW[li]]
        p.inflow[a:b] = _choice(rng, INFLOW_W, b - a, allowed)
    p.postcode = np.zeros(n, dtype=np.int16)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        p.postcode[a:b] = rng.integers(0, len(POSTCODES[li]), size=b - a)

    # ---- persons (one per trajectory to start with) --------------------------------------
    is_f = rng.random(n) < 0.55
    first = np.where(is_f, rng.integers(0, N_FIRST_F, n),
                     rng.integers(N_FIRST_F, len(FIRST_NAMES), n)).astype(np.int16)
    gender = np.where(is_f, 0, 1).astype(np.int8)
    gender[rng.random(n) < 0.03] = 2
    last = rng.integers(0, len(LAST_NAMES), n).astype(np.int16)
    age = np.clip(np.round(rng.gamma(4.0, 4.2, n) + 18), 18, 74).astype(np.int64)
    birth = intake - np.round(age * 365.2425).astype(np.int64) - rng.integers(0, 365, n)
    p.persons = _Persons(rng, first, last, gender, birth, has_nn=rng.random(n) >= 0.10)
    person = np.arange(n, dtype=np.int64)

    # ---- the same person again ---------------------------------------------------------
    def reuse(cands: np.ndarray, pool: np.ndarray, cond) -> int:
        if len(cands) == 0 or len(pool) == 0:
            return 0
        src = pool[rng.integers(0, len(pool), len(cands))]
        ok = cond(cands, src) & (src != cands)
        pp = person[src]
        yrs = (intake[cands] - p.persons.birth[pp]) / 365.2425
        ok &= (yrs >= 17.5) & (yrs <= 90)
        person[cands[ok]] = pp[ok]
        return int(ok.sum())

    lw_idx = [np.arange(p.lw_start[i], p.lw_start[i + 1]) for i in range(6)]
    year = _years(intake)
    # same Leerwinkel, later trajectory (Brussel, Genk, Gent, Leuven: ~3%)
    for li in (BR, GK, GE, LV):
        idx = lw_idx[li]
        c = idx[rng.random(len(idx)) < 0.03]
        reuse(c, idx, lambda c, s: intake[s] < intake[c])
    # West-Vlaanderen: clients with several trajectories (~12%)
    idx = lw_idx[WV]
    reuse(idx[rng.random(len(idx)) < 0.12], idx, lambda c, s: intake[s] < intake[c])
    # Mechelen: the same person (name + birth year) back in a later year (~6%)
    idx = lw_idx[ME]
    reuse(idx[rng.random(len(idx)) < 0.06], idx, lambda c, s: year[s] < year[c])
    # clients at two Leerwinkels with the same valid national number (~3%)
    nn_idx = np.concatenate([lw_idx[i] for i in NN_LWS])
    c = nn_idx[rng.random(len(nn_idx)) < 0.03]
    reuse(c, nn_idx, lambda c, s: (lw[s] != lw[c]) & (p.persons.nn_kind[person[s]] == 1))
    p.person = person

    # ---- contacts ----------------------------------------------------------------------
    end = np.where(status == 0, np.minimum(exp_o, intake + 365), closed)
    span = np.maximum(end - intake, 0)
    ncon = np.minimum(rng.integers(3, 7, size=n), span + 1).astype(np.int64)
    p.ncon = ncon
    _plan_refs(p, rng, n)

    # ---- defects -----------------------------------------------------------------------
    p.reg_intake = intake.copy()  # the intake as registered (before a future_date typo)
    p.reg_year = _years(intake)  # year in the trajectory id / Mechelen sheet
    p.defect = np.zeros(n, dtype=np.int8)
    p.flag_invalid_nn = np.zeros(n, dtype=bool)
    p.flag_unmapped = np.zeros(n, dtype=bool)
    p.extras = {li: [] for li in range(6)}  # (kind, src global index, after global index)
    if defects:
        _plan_defects(p, rng, lw_idx)

    # contacts of a trajectory without id are not written; Gent trajectory-level defects
    # keep exactly one contact row
    ncon[p.defect == MISSING_ID] = 0
    gent_single = (lw == GE) & np.isin(p.defect, (DATE_ORDER, FUTURE, AGE_LOW, AGE_HIGH))
    ncon[gent_single] = 1
    p.nref[(p.defect == MISSING_ID)] = 0
    p.nref[gent_single] = 0
    _plan_contacts(p, rng, n)

    p.loaded = p.defect == OK
    _plan_ids(p, rng, lw_idx)
    _plan_orphans(p, rng, lw_idx)
    _plan_survey(p, rng, lw_idx)
    _plan_costs(p, rng)
    _plan_notes(p, rng)
    return p


class _Persons:
    def __init__(self, rng, first, last, gender, birth, has_nn):
        self.rng = rng
        self.first = list(first.tolist())
        self.last = list(last.tolist())
        self.gender = list(gender.tolist())
        # birth and nn_kind: numpy arrays while the plan is drawn, lists after freeze()
        self.birth: Any = np.asarray(birth, dtype=np.int64)
        n = len(self.first)
        self.email_n = rng.integers(0, 100, n).tolist()
        self.phone = (rng.integers(70, 100, n) * 1_000_000 + rng.integers(0, 1_000_000, n)).tolist()
        seq = rng.integers(1, 499, n) * 2  # even = female
        g = np.asarray(gender)
        seq = np.where(g == 1, seq - 1, seq)
        seq = np.where(g == 2, rng.integers(1, 998, n), seq)
        bis = np.where(rng.random(n) < 0.02, np.where(rng.random(n) < 0.5, 20, 40), 0)
        self.nn_kind: Any = np.where(has_nn, 1, 0).astype(np.int8)  # 0 none, 1 valid, 2 invalid
        self.nn: list[str | None] = [None] * n
        self.frozen = False
        births = self.birth.tolist()
        seql, bisl = seq.tolist(), bis.tolist()
        for i in range(n):
            if has_nn[i]:
                self.nn[i] = make_national_number(_d(births[i]), seql[i], bisl[i])

    def freeze(self) -> None:
        """From here on birth/nn_kind are lists (persons can be added cheaply)."""
        if not self.frozen:
            self.birth = self.birth.tolist()
            self.nn_kind = self.nn_kind.tolist()
            self.frozen = True

    def add(self, first: int, last: int, gender: int, birth: int, nn_kind: int) -> int:
        self.freeze()
        rng = self.rng
        self.first.append(first)
        self.last.append(last)
        self.gender.append(gender)
        self.birth.append(birth)
        self.email_n.append(int(rng.integers(0, 100)))
        self.phone.append(int(rng.integers(70, 100)) * 1_000_000 + int(rng.integers(0, 1_000_000)))
        nn = None
        if nn_kind:
            seq = int(rng.integers(1, 998))
            nn = make_national_number(_d(birth), seq)
            if nn_kind == 2:  # wrong check digits, wrong under both rules
                body = int(nn[:9])
                good = {97 - body % 97, 97 - (2_000_000_000 + body) % 97}
                chk = (int(nn[9:]) + 1 + int(rng.integers(0, 90))) % 97 + 1
                while chk in good:
                    chk = chk % 97 + 1
                nn = f"{nn[:9]}{chk:02d}"
                assert not national_number_is_valid(nn)
        self.nn.append(nn)
        self.nn_kind.append(nn_kind)
        return len(self.first) - 1

    def email(self, i: int) -> str:
        return f"{FIRST_MAIL[self.first[i]]}.{LAST_MAIL[self.last[i]]}{self.email_n[i]}@example.be"

    def phone_str(self, i: int) -> str:
        v = self.phone[i]
        a, b = divmod(v, 1_000_000)
        return f"04{a:02d} {b // 10000:02d} {b // 100 % 100:02d} {b % 100:02d}"


def _plan_refs(p: _Plan, rng, n: int) -> None:
    """Up to three referral destinations per trajectory (distinct codes)."""
    maxr = np.select([p.lw == BR, np.isin(p.lw, (GK, ME))], [3, 1], 2)
    u = rng.random(n)
    nref = np.where(u < 0.50, 0, np.where(u < 0.88, 1, np.where(u < 0.97, 2, 3)))
    nref = np.minimum(nref, maxr)
    dest = np.full((n, 3), -1, dtype=np.int8)
    for li in range(6):
        a, b = p.lw_start[li], p.lw_start[li + 1]
        if a == b:
            continue
        w = np.asarray(DEST_W) * np.asarray([lab is not None for lab in DEST[li]], dtype=float)
        # three distinct draws by Gumbel-top-k
        g = np.log(w + 1e-300)[None, :] - np.log(-np.log(rng.random((b - a, len(w)))))
        top = np.argsort(-g, axis=1)[:, :3]
        dest[a:b] = top
    p.nref = nref.astype(np.int64)
    p.dest = dest


def _plan_defects(p: _Plan, rng, lw_idx) -> None:
    persons = p.persons
    for li in range(6):
        idx = lw_idx[li]
        if len(idx) < MIN_ROWS_FOR_DEFECTS:
            continue
        k = max(1, int(round(DEFECT_RATE * len(idx))))
        perm = rng.permutation(idx)
        pos = 0

        def take(m: int, perm: np.ndarray = perm) -> np.ndarray:
            nonlocal pos
            out = perm[pos:pos + m]
            pos += m
            return out

        # Gent: missing id / bad date are extra contact rows, not trajectories (see extras)
        kinds = [DATE_ORDER, FUTURE] if li == GE else [MISSING_ID, BAD_INTAKE, BAD_CLOSING, DATE_ORDER, FUTURE]
        for kind in kinds:
            p.defect[take(k)] = kind
        k_low = (k + 1) // 2
        for kind, m in ((AGE_LOW, k_low), (AGE_HIGH, k - k_low)):
            p.defect[take(m)] = kind if m else 0
        if li in (BR, GK, LV):
            p.flag_invalid_nn[take(k)] = True
        if li in UNMAPPED:
            p.flag_unmapped[take(k)] = True
        srcs = take(2 * k if li != GE else 3 * k)
        xkinds = [X_DUP] * k + ([X_DUPID] * k if li != GE else [X_GMISSING] * k + [X_GBAD] * k)
        for xkind, src in zip(xkinds, srcs.tolist(), strict=True):
            p.extras[li].append([xkind, src, None])

    # apply the trajectory-level defects
    persons.freeze()
    exp_o = p.export.toordinal()
    for t in np.nonzero(p.defect)[0].tolist():
        kind = p.defect[t]
        if kind in (BAD_CLOSING, DATE_ORDER) and p.status[t] == 0:
            p.status[t] = 1
        if kind == BAD_CLOSING:
            if p.closed[t] < 0:
                p.closed[t] = min(p.intake[t] + int(rng.integers(14, 200)), exp_o)
        elif kind == DATE_ORDER:
            p.closed[t] = p.intake[t] - int(rng.integers(1, 61))
        elif kind == FUTURE:
            d0 = _d(int(p.intake[t]))
            try:
                d1 = d0.replace(year=d0.year + 10)
            except ValueError:  # 29 February
                d1 = d0.replace(year=d0.year + 10, day=28)
            p.intake[t] = d1.toordinal()
            p.status[t] = 0
            p.closed[t] = -1
        elif kind in (AGE_LOW, AGE_HIGH):
            old = p.person[t]
            a = int(rng.integers(10, 15)) if kind == AGE_LOW else int(rng.integers(102, 107))
            birth = int(p.intake[t]) - int(round((a + 0.5) * 365.2425))
            assert _age(birth, int(p.intake[t])) == a
            gi = persons.gender[old]
            p.person[t] = persons.add(persons.first[old], persons.last[old], gi, birth,
                                      1 if persons.nn_kind[old] else 0)
    for t in np.nonzero(p.flag_invalid_nn)[0].tolist():
        old = p.person[t]
        p.person[t] = persons.add(persons.first[old], persons.last[old], persons.gender[old],
                                  int(persons.birth[old]), 2)


def _plan_contacts(p: _Plan, rng, n: int) -> None:
    exp_o = p.export.toordinal()
    ncon = p.ncon
    end = np.where(p.closed >= 0, np.maximum(p.closed, p.intake), np.minimum(exp_o, p.intake + 365))
    # FUTURE trajectories: contacts as they really happened (the intake year was mistyped);
    # in Gent the single contact is the (future) intake itself
    fut = p.defect == FUTURE
    end[fut] = np.minimum(exp_o, p.reg_intake[fut] + 365)
    base = np.where(fut & (p.lw != GE), p.reg_intake, p.intake)
    # for date_order trajectories the contacts run from intake onwards
    end = np.where(p.defect == DATE_ORDER, np.minimum(exp_o, p.intake + 200), end)
    span = np.maximum(end - base, 0)
    ncon[:] = np.minimum(ncon, span + 1)
    m = 5
    U = rng.random((n, m))
    U[np.arange(m)[None, :] >= (ncon - 1)[:, None]] = 2.0
    U.sort(axis=1)
    room = np.maximum(span - (ncon - 1) + 1, 1)
    offs = np.floor(U * room[:, None]).astype(np.int64) + np.arange(m)[None, :] + 1
    total = int(ncon.sum())
    starts = np.concatenate([[0], np.cumsum(ncon)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
    p.c_start = starts
    cdate = np.empty(total, dtype=np.int64)
    ctype = np.empty(total, dtype=np.int8)
    cmin = np.empty(total, dtype=np.int16)
    rows = np.repeat(np.arange(n), ncon)
    j = np.arange(total) - np.repeat(starts, ncon)
    first = j == 0
    cdate[first] = base[rows[first]]
    nf = ~first
    cdate[nf] = base[rows[nf]] + offs[rows[nf], j[nf] - 1]
    ctype[first] = 0
    ctype[nf] = _choice(rng, CTYPE_W, int(nf.sum())) + 1
    cmin[first] = np.asarray(MINUTES_INTAKE)[rng.integers(0, len(MINUTES_INTAKE), int(first.sum()))]
    cmin[nf] = np.asarray(MINUTES_OTHER)[rng.integers(0, len(MINUTES_OTHER), int(nf.sum()))]
    p.c_date, p.c_type, p.c_min = cdate, ctype, cmin
    # referral dates (West-Vlaanderen) and contact rows carrying them (Gent)
    p.nref = np.where(p.lw == GE, np.minimum(p.nref, ncon), p.nref)
    p.ref_date = base[:, None] + np.floor(rng.random((n, 3)) * (span[:, None] + 1)).astype(np.int64)
    # Gent: distinct contact rows for the referrals
    R = rng.random((n, m + 1))
    R[np.arange(m + 1)[None, :] >= ncon[:, None]] = 2.0
    p.ref_row = np.argsort(R, axis=1)[:, :3]


def _plan_ids(p: _Plan, rng, lw_idx) -> None:
    """Ids and the writing order per Leerwinkel."""
    p.tid = [None] * len(p.lw)
    p.order = {}
    for li in range(6):
        idx = lw_idx[li]
        order = rng.permutation(idx)  # registration order
        if li == ME:
            order = order[np.argsort(p.reg_year[order], kind="stable")]
        p.order[li] = order
        per_year: dict[int, int] = defaultdict(int)
        ry = p.reg_year
        for seq, t in enumerate(order.tolist(), 1):
            y = int(ry[t])
            if li == BR:
                s = f"BXL-{y}-{seq:04d}"
            elif li == GK:
                s = f"G-{4000 + seq:06d}"
            elif li == ME:
                per_year[y] += int(rng.integers(1, 4))
                s = f"{y}-{per_year[y]:03d}"
            elif li == GE:
                s = f"DS-{10000 + seq:05d}"
            elif li == WV:
                s = f"T{y}-{seq:04d}"
            else:
                s = f"LV/{y}/{seq:03d}"
            p.tid[t] = None if p.defect[t] == MISSING_ID else s
    # extras: where they go (after a later row of the same sheet)
    pos = {}
    for li in range(6):
        for k, t in enumerate(p.order[li].tolist()):
            pos[t] = k
    for li in range(6):
        order = p.order[li].tolist()
        for ex in p.extras[li]:
            s = ex[1]
            k = pos[s]
            if li == ME:
                y = p.reg_year[s]
                same = [j for j in range(k, min(len(order), k + 60)) if p.reg_year[order[j]] == y]
                ex[2] = order[same[int(rng.integers(0, len(same)))]]
            else:
                ex[2] = order[min(len(order) - 1, k + int(rng.integers(0, 60)))]


def _plan_orphans(p: _Plan, rng, lw_idx) -> None:
    """Contact/referral rows pointing at ids that never existed."""
    p.fake = {}
    if not p.defects:
        return
    exp_o = p.export.toordinal()
    y0 = p.start_year - 2
    for li, sheet in ((BR, "contacts"), (GK, "contacts"), (WV, "contacts"), (WV, "referrals")):
        idx = lw_idx[li]
        if len(idx) < MIN_ROWS_FOR_DEFECTS:
            continue
        nrows = int(p.ncon[idx].sum()) if sheet == "contacts" else int(p.nref[idx].sum())
        k = max(1, int(round(0.005 * nrows)))
        k = min(k, 3999)
        nums = (rng.permutation(3999)[:k] + 1).tolist()
        order = p.order[li].tolist()
        rows = []
        for num in nums:
            if li == BR:
                fid = f"BXL-{y0}-{num:04d}"
            elif li == GK:
                fid = f"G-{num:06d}"
            else:
                fid = f"T{y0}-{num:04d}"
            after = order[int(rng.integers(0, len(order)))]
            d = int(rng.integers(date(p.start_year, 1, 1).toordinal(), exp_o + 1))
            rows.append((after, fid, d))
        p.fake[(li, sheet)] = rows


def _plan_survey(p: _Plan, rng, lw_idx) -> None:
    """Responses, in time order: [day ordinal, minute of day, leerwinkel, target trajectory
    or -1, person(, dossiernummer when the target is -1)]."""
    exp_o = p.export.toordinal()
    n = len(p.lw)
    has_close = (p.closed >= 0) & (p.defect != MISSING_ID) & (p.closed + 7 <= exp_o)
    cand = np.nonzero(has_close)[0]
    pick = cand[rng.random(len(cand)) < 0.40]
    resp = []  # [ordinal, minutes-of-day, lw, target, person]
    lag = rng.integers(7, 150, len(pick))
    for t, lg in zip(pick.tolist(), lag.tolist(), strict=True):
        o = min(int(p.closed[t]) + lg, exp_o)
        resp.append([o, int(rng.integers(7 * 60, 23 * 60)), int(p.lw[t]), t, int(p.person[t])])
    # some people answer twice (only for trajectories that are loaded)
    twice = [r for r in resp if p.loaded[r[3]] and rng.random() < 0.04]
    for r in twice:
        o = r[0] + int(rng.integers(1, 90))
        if o <= exp_o:
            resp.append([o, int(rng.integers(7 * 60, 23 * 60)), r[2], r[3], r[4]])
    # answers that link to nothing (~1%, at least 1)
    if p.defects and n >= MIN_ROWS_FOR_DEFECTS:
        k = max(1, int(round(0.01 * max(len(resp), 1))))
        y0 = p.start_year - 2
        for j in range(k):
            t = int(rng.integers(0, n))
            li = int(p.lw[t])
            o = int(rng.integers(date(p.start_year, 3, 1).toordinal(), exp_o + 1))
            if j % 3 == 2 and p.tid[t] is not None:
                # a real id under the wrong Leerwinkel
                other = (li + 1 + int(rng.integers(0, 5))) % 6
                resp.append([o, int(rng.integers(7 * 60, 23 * 60)), other, -1, int(p.person[t]), p.tid[t]])
                continue
            num = int(rng.integers(1, 4000))
            fid = {BR: f"BXL-{y0}-{num:04d}", GK: f"G-{num:06d}", ME: f"{y0}-{num:03d}",
                   GE: f"DS-0{num:04d}", WV: f"T{y0}-{num:04d}", LV: f"LV/{y0}/{num:03d}"}[li]
            resp.append([o, int(rng.integers(7 * 60, 23 * 60)), li, -1, int(p.person[t]), fid])
    resp.sort(key=lambda r: (r[0], r[1]))
    p.survey = resp


def _plan_costs(p: _Plan, rng) -> None:
    years = list(range(p.start_year, p.as_of.year + 1))
    rows = []
    for li in range(6):
        for y in years:
            rows.append((li, y))
    p.cost_missing = None
    if p.defects and rows:
        k = int(rng.integers(0, len(rows)))
        p.cost_missing = rows.pop(k)
    p.cost_rows = rows


def _plan_notes(p: _Plan, rng) -> None:
    # Mechelen Opmerkingen / Leuven Notities: 0 none, 1 phone, 2 first name, 3 e-mail
    p.note = rng.choice(4, size=len(p.lw), p=(0.55, 0.15, 0.20, 0.10)).astype(np.int8)


# --------------------------------------------------------------------------------------
# manifest (from the plan)
# --------------------------------------------------------------------------------------

def _file_names(p: _Plan) -> dict[str, str]:
    e = p.export
    return {
        "brussel": f"brussel/Leerwinkel_Brussel_{e.isoformat()}.xlsx",
        "genk_k": f"genk/klanten_{e:%Y%m%d}.csv",
        "genk_c": f"genk/contacten_{e:%Y%m%d}.csv",
        "mechelen": "mechelen/Registratie Leerwinkel Regio Mechelen.xlsx",
        "gent": f"gent/export_registraties_{e.isoformat()}.csv",
        "west_vlaanderen": f"west_vlaanderen/HVHL_leerloopbaan_{e:%Y-%m}.xlsx",
        "leuven": f"leuven/Leerwinkel Leuven dossiers {e:%Y-%m}.xlsx",
        "survey": f"netwerk/nazorgenquete_{e.isoformat()}.xlsx",
        "costs": f"netwerk/werkingskosten_{p.as_of.year}.xlsx",
    }


def _entry(read: int, dup: int, by_rule: Counter) -> dict:
    q = {r: int(by_rule[r]) for r in RULE_ORDER if by_rule.get(r)}
    nq = sum(q.values())
    return {"rows_read": int(read), "rows_loaded": int(read - dup - nq), "rows_quarantined": nq,
            "rows_duplicate": int(dup), "quarantine": q}


def _manifest(p: _Plan) -> dict:
    F = _file_names(p)
    files: dict[str, dict] = {}
    loaded = p.loaded

    def traj_sheet(li: int, ts: np.ndarray, extras) -> dict:
        q = Counter(RULE[int(k)] for k in p.defect[ts].tolist() if k)
        nd = sum(1 for e in extras if e[0] == X_DUP)
        ndi = sum(1 for e in extras if e[0] == X_DUPID)
        if ndi:
            q["duplicate_id"] += ndi
        return _entry(len(ts) + nd + ndi, nd, q)

    def contact_sheet(ts: np.ndarray, counts: np.ndarray, fakes) -> dict:
        orphan = int(counts[~loaded[ts]].sum()) + len(fakes)
        q = Counter({"orphan": orphan}) if orphan else Counter()
        return _entry(int(counts.sum()) + len(fakes), 0, q)

    o = {li: p.order[li] for li in range(6)}
    # Brussel
    files[F["brussel"] + "|Dossiers - Dossiers"] = traj_sheet(BR, o[BR], p.extras[BR])
    files[F["brussel"] + "|Contacten - Contacts"] = contact_sheet(o[BR], p.ncon[o[BR]], p.fake.get((BR, "contacts"), []))
    # Genk
    files[F["genk_k"] + "|"] = traj_sheet(GK, o[GK], p.extras[GK])
    files[F["genk_c"] + "|"] = contact_sheet(o[GK], p.ncon[o[GK]], p.fake.get((GK, "contacts"), []))
    # Mechelen: one sheet per (registered) year
    yrs = p.reg_year[o[ME]]
    ex_y = defaultdict(list)
    for e in p.extras[ME]:
        ex_y[int(p.reg_year[e[1]])].append(e)
    for y in _mechelen_years(p):
        files[f"{F['mechelen']}|{y}"] = traj_sheet(ME, o[ME][yrs == y], ex_y[y])
    # Gent: rows are contacts
    ts = o[GE]
    q: Counter[str] = Counter()
    for k, c in zip(p.defect[ts].tolist(), p.ncon[ts].tolist(), strict=True):
        if k:
            q[RULE[k]] += c
    nd = sum(1 for e in p.extras[GE] if e[0] == X_DUP)
    nm = sum(1 for e in p.extras[GE] if e[0] == X_GMISSING)
    nb = sum(1 for e in p.extras[GE] if e[0] == X_GBAD)
    q["missing_id"] += nm
    q["bad_date"] += nb
    files[F["gent"] + "|"] = _entry(int(p.ncon[ts].sum()) + nd + nm + nb, nd, q)
    # West-Vlaanderen
    wv = F["west_vlaanderen"]
    files[wv + "|Cliënten"] = _entry(len(_wv_clients(p)[0]), 0, Counter())
    files[wv + "|Trajecten"] = traj_sheet(WV, o[WV], p.extras[WV])
    files[wv + "|Contacten"] = contact_sheet(o[WV], p.ncon[o[WV]], p.fake.get((WV, "contacts"), []))
    files[wv + "|Doorverwijzingen"] = contact_sheet(o[WV], p.nref[o[WV]], p.fake.get((WV, "referrals"), []))
    # Leuven
    files[F["leuven"] + "|Dossiers"] = traj_sheet(LV, o[LV], p.extras[LV])
    # survey
    linked_latest = {}
    unl = dup = 0
    for r in p.survey:
        t = r[3]
        if t < 0 or not loaded[t]:
            unl += 1
        else:
            if t in linked_latest:
                dup += 1
            linked_latest[t] = r
    files[F["survey"] + "|Form1"] = _entry(len(p.survey), dup, Counter({"unlinked": unl} if unl else {}))
    files[F["costs"] + "|Kosten"] = _entry(len(p.cost_rows), 0, Counter())
    # trajectories loaded per Leerwinkel
    tl = {LEERWINKELS[li]: int(loaded[o[li]].sum()) for li in range(6)}
    tl["all"] = sum(tl.values())
    unmapped = {}
    for li, (col, lab) in UNMAPPED.items():
        c = int(p.flag_unmapped[o[li]].sum())
        if c:
            unmapped[f"{LEERWINKELS[li]}|{col}|{lab}"] = c
    inv = {}
    for li, key in ((BR, F["brussel"] + "|Dossiers - Dossiers"), (GK, F["genk_k"] + "|"),
                    (LV, F["leuven"] + "|Dossiers")):
        c = int(p.flag_invalid_nn[o[li]].sum())
        if c:
            inv[key] = c
    return {
        "files": files,
        "trajectories_loaded": tl,
        "unmapped": unmapped,
        "invalid_national_numbers": inv,
        "missing_cost_rows": ([f"{LEERWINKELS[p.cost_missing[0]]}|{p.cost_missing[1]}"]
                              if p.cost_missing else []),
    }


def _mechelen_years(p: _Plan) -> list[int]:
    """One sheet per registration year (a workbook needs at least one sheet)."""
    ys = sorted(set(p.reg_year[p.order[ME]].tolist()))
    return [int(y) for y in ys] or [p.as_of.year]


def _wv_clients(p: _Plan):
    """West-Vlaanderen clients: one per distinct person, in order of first trajectory."""
    if p.wv_clients is not None:
        return p.wv_clients
    client_of_person: dict[int, int] = {}
    clients: list[int] = []  # first trajectory of each client
    tclient: dict[int, int] = {}
    for t in p.order[WV].tolist():
        pe = int(p.person[t])
        c = client_of_person.get(pe)
        if c is None:
            c = client_of_person[pe] = len(clients)
            clients.append(t)
        tclient[t] = c
    p.wv_clients = (clients, tclient)
    return p.wv_clients


# --------------------------------------------------------------------------------------
# writers (run in the parent or in worker processes; each returns rows written + personal
# values written)
# --------------------------------------------------------------------------------------
_PLAN: _Plan | None = None  # set before forking workers


def _plan() -> _Plan:
    """The plan the writers of this process work from (set before forking workers)."""
    if _PLAN is None:
        raise RuntimeError("no plan drawn: writers run from generate_landing only")
    return _PLAN


class _PV:
    """Collects personal values written."""

    def __init__(self, p: _Plan):
        self.p = p
        self.s: set[str] = set()
        self.names: set[tuple[int, int]] = set()

    def name(self, pe: int, cp1252: bool = False):
        ps = self.p.persons
        self.names.add((ps.first[pe], ps.last[pe]) if not cp1252 else (-1 - ps.first[pe], -1 - ps.last[pe]))

    def nn(self, pe: int):
        v = self.p.persons.nn[pe]
        if v:
            self.s.add(v)

    def add(self, v: str):
        self.s.add(v)

    def result(self) -> set[str]:
        out = set(self.s)
        for first, last in self.names:
            if first < 0:
                fs, ls = FIRST_CP1252[-1 - first], LAST_CP1252[-1 - last]
            else:
                fs, ls = FIRST_NAMES[first], LAST_NAMES[last]
            for v in (fs, ls):
                if len(v) >= MIN_PERSONAL_NAME_LEN:
                    out.add(v)
        return out


def _nn_text(r: random.Random, nn: str | None, punct_rate: float) -> str | None:
    if not nn:
        return None
    return _punctuate(nn) if r.random() < punct_rate else nn


def _write_only_wb():
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    return wb


class _Extras:
    """Schedules the extra (duplicate) rows after the row of a later trajectory."""

    def __init__(self, extras):
        self.after: defaultdict[int | None, list] = defaultdict(list)
        self.src: dict[int, Any] = {}  # source row index -> that row as written (filled by the writer)
        for ex in extras:
            self.after[ex[2]].append(ex)
            self.src[ex[1]] = None

    def keep(self, t: int, row):
        if t in self.src:
            self.src[t] = row

    def due(self, t: int):
        return self.after.get(t, ())


def _traj_row_common(p: _Plan, t: int):
    return (int(p.person[t]), int(p.intake[t]), int(p.closed[t]), int(p.status[t]), int(p.defect[t]))


def _w_brussel(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:brussel")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[BR]), lab(EDU[BR], empty_rate=EMPTY_RATE), lab(DUTCH[BR], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[BR], empty_rate=EMPTY_RATE), lab(INFLOW[BR], empty_rate=EMPTY_RATE), lab(QUESTION[BR])
    L_s, L_r, L_c = lab(BR_STATUS, variant_rate=0.01), lab(DEST[BR]), lab(CTYPE[BR])
    wb = _write_only_wb()
    ws = wb.create_sheet("Dossiers - Dossiers")
    ws.append(["Dossiernr / N° dossier", "Rijksregisternr / N° registre national", "Naam / Nom",
               "Voornaam / Prénom", "Geboortedatum / Date de naissance", "Geslacht / Sexe",
               "Postcode / Code postal", "E-mail", "GSM", "Niveau NL / Niveau NL", "Diploma / Diplôme",
               "Statuut / Statut", "Verwezen door / Envoyé par", "Leervraag / Question",
               "Startdatum / Date de début", "Einddatum / Date de fin", "Status",
               "Doorverwezen naar / Orienté vers"])
    ex = _Extras(p.extras[BR])
    n1 = 0
    order = p.order[BR].tolist()
    for t in order:
        pe, io, co, st, df = _traj_row_common(p, t)
        refs = [L_r(int(c)) for c in p.dest[t, :p.nref[t]].tolist()]
        refs = [x for x in refs if x]
        sep = "; " if r.random() < 0.85 else ";"
        intake: Cell = _d(io)
        closed: Cell = _d(co) if co >= 0 else None
        if df == BAD_INTAKE:
            intake = None if r.random() < 0.5 else BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        elif df == BAD_CLOSING:
            closed = BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        labour = L_l(int(p.labour[t]))
        if p.flag_unmapped[t]:
            labour = UNMAPPED[BR][1]
        row = [p.tid[t], _nn_text(r, ps.nn[pe], 0.6), LAST_NAMES[ps.last[pe]],
               FIRST_NAMES[ps.first[pe]], _d(int(ps.birth[pe])), L_g(ps.gender[pe]),
               POSTCODES[BR][p.postcode[t]][0], ps.email(pe), ps.phone_str(pe), L_d(int(p.dutch[t])),
               L_e(int(p.edu[t])), labour, L_i(int(p.inflow[t])), L_q(int(p.question[t])),
               intake, closed, L_s(st), sep.join(refs) if refs else None]
        pv.name(pe), pv.nn(pe), pv.add(row[7]), pv.add(row[8])
        ws.append(row)
        n1 += 1
        ex.keep(t, row)
        for kind, s, _ in ex.due(t):
            src = list(ex.src[s])
            if kind == X_DUPID:
                q = int(p.question[s])
                src[13] = QUESTION[BR][(q + 1 + r.randrange(5)) % 6]
            ws.append(src)
            n1 += 1
    ws2 = wb.create_sheet("Contacten - Contacts")
    ws2.append(["Dossiernr / N° dossier", "Datum / Date", "Type", "Duur (min) / Durée (min)"])
    n2 = _contacts_rows(p, BR, ws2.append, lambda tid, o, ty, mi: [tid, _d(o), L_c(ty), mi],
                        lambda fid, o: [fid, _d(o), L_c(1 + r.randrange(4)), MINUTES_OTHER[r.randrange(8)]])
    wb.save(dest / rel)
    return {"rows": {rel + "|Dossiers - Dossiers": n1, rel + "|Contacten - Contacts": n2},
            "pv": pv.result()}


def _contacts_rows(p: _Plan, li: int, emit, fmt, fmt_fake, sheet: str = "contacts") -> int:
    fakes = defaultdict(list)
    for after, fid, o in p.fake.get((li, sheet), []):
        fakes[after].append((fid, o))
    n = 0
    cs, cd, ct, cm = p.c_start, p.c_date, p.c_type, p.c_min
    for t in p.order[li].tolist():
        tid = p.tid[t]
        s = int(cs[t])
        for j in range(int(p.ncon[t])):
            emit(fmt(tid, int(cd[s + j]), int(ct[s + j]), int(cm[s + j])))
            n += 1
        for fid, o in fakes.get(t, ()):
            emit(fmt_fake(fid, o))
            n += 1
    return n


def _csv_line(values, sep: str) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("")
            continue
        v = str(v)
        if sep in v or '"' in v or "\n" in v:
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return sep.join(out) + "\r\n"


def _hours(minutes: int) -> str:
    h = minutes / 60
    s = f"{h:.2f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def _w_genk(dest: Path, rel_k: str, rel_c: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:genk")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[GK]), lab(EDU[GK], empty_rate=EMPTY_RATE), lab(DUTCH[GK], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[GK], empty_rate=EMPTY_RATE), lab(INFLOW[GK], empty_rate=EMPTY_RATE), lab(QUESTION[GK])
    L_r, L_c = lab(DEST[GK]), lab(CTYPE[GK])
    ex = _Extras(p.extras[GK])
    n1 = 0
    with open(dest / rel_k, "w", encoding="cp1252", newline="") as f:
        f.write(_csv_line(["KlantID", "INSZ", "Naam", "Geboortedatum", "Geslacht", "Postcode", "Gemeente",
                           "Opleidingsniveau", "NT2-niveau", "Arbeidssituatie", "Aanmelder", "Hulpvraag",
                           "Aanmelddatum", "Afsluitdatum", "Afsluitreden", "Doorverwijzing"], ";"))
        buf = []
        for t in p.order[GK].tolist():
            pe, io, co, st, df = _traj_row_common(p, t)
            ref = L_r(int(p.dest[t, 0])) if p.nref[t] else None
            intake: Cell = _dmy(io)
            closed: Cell = _dmy(co) if co >= 0 else None
            if df == BAD_INTAKE:
                intake = None if r.random() < 0.5 else BAD_DATE_CSV[r.randrange(len(BAD_DATE_CSV))]
            elif df == BAD_CLOSING:
                closed = BAD_DATE_CSV[r.randrange(len(BAD_DATE_CSV))]
            if st == 0:
                reason = None
            elif st == 1:
                reason = GK_REFERRED if (ref and r.random() < 0.6) else GK_REASON_COMPLETED[r.randrange(2)]
            else:
                reason = GK_REASON_STOPPED[r.randrange(2)]
            pc, gem = POSTCODES[GK][p.postcode[t]]
            row = [p.tid[t], _nn_text(r, ps.nn[pe], 0.3),
                   f"{LAST_CP1252[ps.last[pe]]}, {FIRST_CP1252[ps.first[pe]]}", _dmy(int(ps.birth[pe])),
                   L_g(ps.gender[pe]), pc, gem, L_e(int(p.edu[t])), L_d(int(p.dutch[t])),
                   L_l(int(p.labour[t])), L_i(int(p.inflow[t])), L_q(int(p.question[t])),
                   intake, closed, reason, ref]
            pv.name(pe, cp1252=True), pv.nn(pe)
            line = _csv_line(row, ";")
            buf.append(line)
            n1 += 1
            ex.keep(t, row)
            for kind, s, _ in ex.due(t):
                src = list(ex.src[s])
                if kind == X_DUPID:
                    q = int(p.question[s])
                    src[11] = QUESTION[GK][(q + 1 + r.randrange(5)) % 6]
                buf.append(_csv_line(src, ";"))
                n1 += 1
            if len(buf) >= 5000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    with open(dest / rel_c, "w", encoding="cp1252", newline="") as f:
        f.write(_csv_line(["KlantID", "Datum", "Soort", "Duur (uren)"], ";"))
        buf = []

        def emit(line):
            buf.append(line)
            if len(buf) >= 20000:
                f.write("".join(buf))
                buf.clear()

        n2 = _contacts_rows(p, GK, emit,
                            lambda tid, o, ty, mi: f"{tid};{_dmy(o)};{L_c(ty)};{_hours(mi)}\r\n",
                            lambda fid, o: f"{fid};{_dmy(o)};{L_c(1 + r.randrange(4))};{_hours(MINUTES_OTHER[r.randrange(8)])}\r\n")
        f.write("".join(buf))
    return {"rows": {rel_k + "|": n1, rel_c + "|": n2}, "pv": pv.result()}


def _note(r: random.Random, p: _Plan, pv: _PV, t: int, pe: int, style: str):
    k = int(p.note[t])
    ps = p.persons
    if k == 0:
        return None
    if k == 1:
        ph = ps.phone_str(pe)
        pv.add(ph)
        return f"bellen op {ph}" if style == "me" or r.random() < 0.5 else f"gsm {ph} (na 17u)"
    if k == 2:
        fn = FIRST_NAMES[ps.first[pe]]
        if style == "me":
            return f"{fn} komt terug na de zomer" if r.random() < 0.6 else f"{fn} wil eerst Nederlands leren"
        return f"{fn} heeft kinderopvang nodig" if r.random() < 0.6 else f"{fn} belt zelf terug"
    if style == "me":  # Mechelen: a phone number of a relative instead of an e-mail
        ph = ps.phone_str(pe)
        pv.add(ph)
        return f"zus {FIRST_NAMES[(ps.first[pe] + 3) % len(FIRST_NAMES)]} helpt, tel. {ph}"
    em = ps.email(pe)
    pv.add(em)
    return f"mail naar {em}"


def _w_mechelen(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:mechelen")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[ME]), lab(EDU[ME], empty_rate=EMPTY_RATE), lab(DUTCH[ME], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[ME], empty_rate=EMPTY_RATE), lab(INFLOW[ME], empty_rate=EMPTY_RATE), lab(QUESTION[ME])
    L_r = lab(DEST[ME])
    wb = _write_only_wb()
    header = ["Nr", "Klant", "Geb.jaar", "M/V", "Gemeente", "Scholing", "Taal", "Situatie", "Via",
              "Vraag", "Intake", "Afgesloten", "Aantal gesprekken", "Doorverwezen naar", "Opmerkingen"]
    order = p.order[ME]
    yrs = p.reg_year[order]
    ex = _Extras(p.extras[ME])
    rows_out = {}
    for y in _mechelen_years(p):
        ws = wb.create_sheet(str(y))
        ws.merged_cells.add("A1:F1")
        ws.append([f"Leerwinkel Regio Mechelen – registratie {y}"])
        ws.append([])
        ws.append(header)
        n = 0
        total = 0
        for t in order[yrs == y].tolist():
            pe, io, co, st, df = _traj_row_common(p, t)
            intake: Cell = _d(io)
            closed: Cell = _d(co) if co >= 0 else "nog lopend"
            if df == BAD_INTAKE:
                intake = None if r.random() < 0.5 else BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
            elif df == BAD_CLOSING:
                closed = BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
            pc, gem = POSTCODES[ME][p.postcode[t]]
            nc = int(p.ncon[t])
            row = [p.tid[t], f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}",
                   _d(int(ps.birth[pe])).year, L_g(ps.gender[pe]), gem, L_e(int(p.edu[t])),
                   L_d(int(p.dutch[t])), L_l(int(p.labour[t])), L_i(int(p.inflow[t])),
                   L_q(int(p.question[t])), intake, closed, nc,
                   L_r(int(p.dest[t, 0])) if p.nref[t] else None, _note(r, p, pv, t, pe, "me")]
            pv.name(pe)
            ws.append(row)
            n += 1
            total += nc
            ex.keep(t, row)
            for kind, s, _ in ex.due(t):
                src = list(ex.src[s])
                if kind == X_DUPID:
                    q = int(p.question[s])
                    src[9] = QUESTION[ME][(q + 1 + r.randrange(5)) % 6]
                ws.append(src)
                n += 1
                total += src[12]
        ws.append(["Totaal"] + [None] * 11 + [total, None, None])
        rows_out[f"{rel}|{y}"] = n
    wb.save(dest / rel)
    return {"rows": rows_out, "pv": pv.result()}


def _w_gent(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:gent")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g = lab(GENDER[GE])
    L_e = lab(EDU[GE], unknown=EDU_UNKNOWN[GE], empty_rate=EMPTY_RATE)
    L_d = lab(DUTCH[GE], unknown=DUTCH_UNKNOWN[GE], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[GE], empty_rate=EMPTY_RATE), lab(INFLOW[GE], empty_rate=EMPTY_RATE), lab(QUESTION[GE])
    L_s, L_r, L_c = lab(GE_STATUS, variant_rate=0.01), lab(DEST[GE]), lab(CTYPE[GE])
    extras = defaultdict(list)
    for ex in p.extras[GE]:
        extras[ex[2]].append(ex)
    src_rows: dict[int, list] = {}
    need_src = {ex[1] for ex in p.extras[GE]}
    reg = 500000
    n = 0
    cs, cd, ct, cm = p.c_start, p.c_date, p.c_type, p.c_min
    with open(dest / rel, "w", encoding="utf-8-sig", newline="") as f:
        f.write(_csv_line(["registratie_id", "dossier_id", "rijksregisternummer", "voornaam", "familienaam",
                           "geboortedatum", "geslacht", "postcode", "opleidingsniveau", "taalniveau_nl",
                           "statuut", "toeleider", "leervraag", "contact_datum", "contact_type",
                           "duur_minuten", "dossier_status", "dossier_afgesloten_op", "doorverwijzing"], ","))
        buf = []
        for t in p.order[GE].tolist():
            pe, io, co, st, df = _traj_row_common(p, t)
            nc = int(p.ncon[t])
            nn = ps.nn[pe]
            pv.name(pe), pv.nn(pe)
            fixed = [p.tid[t], nn, FIRST_NAMES[ps.first[pe]], LAST_NAMES[ps.last[pe]], _iso(int(ps.birth[pe])),
                     L_g(ps.gender[pe]), POSTCODES[GE][p.postcode[t]][0]]
            cur = [int(p.edu[t]), int(p.dutch[t]), int(p.labour[t])]
            # history: earlier rows may show an older value of a trajectory field
            hist_change = nc > 1 and r.random() < 0.15
            change_before = r.randrange(1, nc) if hist_change else 0
            field = r.randrange(3)
            refrow = {}
            for k in range(int(p.nref[t])):
                refrow[int(p.ref_row[t, k])] = int(p.dest[t, k])
            h = 8 * 60 + 15 * r.randrange(4)
            s = int(cs[t])
            status_lab = L_s(st)
            closed = _iso(co) if co >= 0 else None
            inflow_lab = L_i(int(p.inflow[t]))
            q_lab = L_q(int(p.question[t]))
            for j in range(nc):
                vals = list(cur)
                if j < change_before:
                    vals[field] = (vals[field] + 1 + r.randrange(4)) % (6 if field != 1 else 7)
                h = min(h + 15 * r.randrange(1, 8), 17 * 60 + 45)
                o = int(cd[s + j])
                reg += 1
                row = [reg] + fixed + [L_e(vals[0]), L_d(vals[1]), L_l(vals[2]), inflow_lab, q_lab,
                                       f"{_iso(o)}T{h // 60:02d}:{h % 60:02d}:00", L_c(int(ct[s + j])),
                                       int(cm[s + j]), status_lab, closed,
                                       L_r(refrow[j]) if j in refrow else None]
                buf.append(_csv_line(row, ","))
                n += 1
                if t in need_src and t not in src_rows and j == nc - 1:
                    src_rows[t] = row
            for kind, sidx, _ in extras.get(t, ()):
                src = list(src_rows[sidx])
                if kind == X_GMISSING:
                    reg += 1
                    src[0], src[1], src[18] = reg, None, None
                elif kind == X_GBAD:
                    reg += 1
                    src[0], src[18] = reg, None
                    src[13] = BAD_DATE_GENT[r.randrange(len(BAD_DATE_GENT))]
                buf.append(_csv_line(src, ","))
                n += 1
            if len(buf) >= 20000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    return {"rows": {rel + "|": n}, "pv": pv.result()}


def _w_west_vlaanderen(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:west_vlaanderen")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[WV]), lab(EDU[WV], empty_rate=EMPTY_RATE), lab(DUTCH[WV], empty_rate=0.05)
    L_l, L_i, L_q = lab(LABOUR[WV], empty_rate=EMPTY_RATE), lab(INFLOW[WV], empty_rate=EMPTY_RATE), lab(QUESTION[WV])
    L_r, L_c = lab(DEST[WV]), lab(CTYPE[WV])
    e = p.export
    title = ["Huis van het Leren West-Vlaanderen – Leerwinkel"]
    stamp = [f"Export aangemaakt op {e.day:02d}/{e.month:02d}/{e.year} 06:00"]
    wb = _write_only_wb()
    clients, tclient = _wv_clients(p)
    ws = wb.create_sheet("Cliënten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["cliëntnr", "INSZ", "naam", "geboortedatum", "geslacht", "postcode", "woonplaats",
               "diploma", "NT2", "statuut"])
    for c, t in enumerate(clients):
        pe = int(p.person[t])
        pc, gem = POSTCODES[WV][p.postcode[t]]
        ws.append([f"C-{c + 1:04d}", _nn_text(r, ps.nn[pe], 0.2),
                   f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}",
                   _mixed_date(r, int(ps.birth[pe])), L_g(ps.gender[pe]), pc, gem, L_e(int(p.edu[t])),
                   L_d(int(p.dutch[t])), L_l(int(p.labour[t]))])
        pv.name(pe), pv.nn(pe)
    n_cl = len(clients)
    ws = wb.create_sheet("Trajecten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "cliëntnr", "startdatum", "einddatum", "aanmelding_via", "leervraag", "afgerond"])
    ex = _Extras(p.extras[WV])
    n_tr = 0
    for t in p.order[WV].tolist():
        pe, io, co, st, df = _traj_row_common(p, t)
        start: Cell = _mixed_date(r, io)
        end: Cell = _mixed_date(r, co) if co >= 0 else None
        if df == BAD_INTAKE:
            start = None if r.random() < 0.5 else BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        elif df == BAD_CLOSING:
            end = BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        flag: str | None
        if st == 1:
            flag = "ja" if r.random() < 0.6 else "x"
        else:
            flag = "nee" if r.random() < 0.3 else None
        row: list[Cell] = [p.tid[t], f"C-{tclient[t] + 1:04d}", start, end, L_i(int(p.inflow[t])),
               L_q(int(p.question[t])), flag]
        ws.append(row)
        n_tr += 1
        ex.keep(t, row)
        for kind, s, _ in ex.due(t):
            src = list(ex.src[s])
            if kind == X_DUPID:
                q = int(p.question[s])
                src[5] = QUESTION[WV][(q + 1 + r.randrange(5)) % 6]
            ws.append(src)
            n_tr += 1
    ws = wb.create_sheet("Contacten")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "datum", "soort", "minuten"])
    n_co = _contacts_rows(p, WV, ws.append,
                          lambda tid, o, ty, mi: [tid, _mixed_date(r, o), L_c(ty), mi],
                          lambda fid, o: [fid, _mixed_date(r, o), L_c(1 + r.randrange(4)), MINUTES_OTHER[r.randrange(8)]])
    ws = wb.create_sheet("Doorverwijzingen")
    for heading in (title, stamp, []):
        ws.append(heading)
    ws.append(["trajectnr", "datum", "naar"])
    fakes = defaultdict(list)
    for after, fid, o in p.fake.get((WV, "referrals"), []):
        fakes[after].append((fid, o))
    n_re = 0
    for t in p.order[WV].tolist():
        for k in range(int(p.nref[t])):
            ws.append([p.tid[t], _mixed_date(r, int(p.ref_date[t, k])), L_r(int(p.dest[t, k]))])
            n_re += 1
        for fid, o in fakes.get(t, ()):
            ws.append([fid, _mixed_date(r, o), L_r(r.randrange(10))])
            n_re += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Cliënten": n_cl, rel + "|Trajecten": n_tr, rel + "|Contacten": n_co,
                     rel + "|Doorverwijzingen": n_re}, "pv": pv.result()}


def _w_leuven(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:leuven")
    ps = p.persons
    pv = _PV(p)
    lab = lambda table, **kw: _Labeller(r, table, **kw)
    L_g, L_e, L_d = lab(GENDER[LV]), lab(EDU[LV], empty_rate=EMPTY_RATE), lab(DUTCH[LV], empty_rate=0.03)
    L_l, L_i, L_q = lab(LABOUR[LV], empty_rate=EMPTY_RATE), lab(INFLOW[LV], empty_rate=EMPTY_RATE), lab(QUESTION[LV])
    L_r = lab(DEST[LV])
    wb = _write_only_wb()
    ws = wb.create_sheet("Dossiers")
    ws.append(["Dossier", "Rijksregisternummer", "Naam", "Geboortedatum", "Geslacht", "Postcode", "Opleiding",
               "Nederlands", "Situatie", "Toeleiding", "Vraag", "Start", "Einde", "Stopgezet"]
              + [f"Contact {i}" for i in range(1, 9)] + ["Doorverwijzing 1", "Doorverwijzing 2", "Notities"])
    ex = _Extras(p.extras[LV])
    n = 0
    cs, cd = p.c_start, p.c_date
    for t in p.order[LV].tolist():
        pe, io, co, st, df = _traj_row_common(p, t)
        start: Cell = _d(io)
        end: Cell = _d(co) if co >= 0 else None
        if df == BAD_INTAKE:
            start = None if r.random() < 0.5 else BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        elif df == BAD_CLOSING:
            end = BAD_DATE_TEXT[r.randrange(len(BAD_DATE_TEXT))]
        s = int(cs[t])
        contacts: list[Cell] = [_d(int(cd[s + j])) for j in range(int(p.ncon[t]))]
        contacts += [None] * (8 - len(contacts))
        refs = [L_r(int(c)) for c in p.dest[t, :p.nref[t]].tolist()] + [None, None]
        labour = UNMAPPED[LV][1] if p.flag_unmapped[t] else L_l(int(p.labour[t]))
        row = [p.tid[t], _nn_text(r, ps.nn[pe], 0.0), f"{LAST_NAMES[ps.last[pe]]} {FIRST_NAMES[ps.first[pe]]}",
               _d(int(ps.birth[pe])), L_g(ps.gender[pe]), POSTCODES[LV][p.postcode[t]][0],
               L_e(int(p.edu[t])), L_d(int(p.dutch[t])), labour, L_i(int(p.inflow[t])),
               L_q(int(p.question[t])), start, end, "ja" if st == 2 else None] + contacts + refs[:2] + [
            _note(r, p, pv, t, pe, "lv")]
        pv.name(pe), pv.nn(pe)
        ws.append(row)
        n += 1
        ex.keep(t, row)
        for kind, sidx, _ in ex.due(t):
            src = list(ex.src[sidx])
            if kind == X_DUPID:
                q = int(p.question[sidx])
                src[10] = QUESTION[LV][(q + 1 + r.randrange(5)) % 6]
            ws.append(src)
            n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Dossiers": n}, "pv": pv.result()}


def _dossier_variant(r: random.Random, s: str) -> str:
    u = r.random()
    if u < 0.04:
        return " " + s
    if u < 0.08:
        return s + " "
    if u < 0.12:
        return s.lower()
    if u < 0.14:
        return " " + s.lower() + "  "
    return s


def _w_survey(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:survey")
    ps = p.persons
    pv = _PV(p)
    wb = _write_only_wb()
    ws = wb.create_sheet("Form1")
    ws.append(list(SURVEY_HEADER))
    n = 0
    for i, resp in enumerate(p.survey, 1):
        o, mins, li, t, pe = resp[:5]
        dossier = p.tid[t] if t >= 0 else resp[5]
        done = datetime.combine(_d(o), datetime.min.time()) + timedelta(minutes=mins)
        begin = done - timedelta(minutes=r.randrange(3, 15), seconds=r.randrange(60))
        name = f"{FIRST_NAMES[ps.first[pe]]} {LAST_NAMES[ps.last[pe]]}"
        email = ps.email(pe)
        pv.name(pe), pv.add(email)
        sc = [SCALE[min(4, max(0, int(r.gauss(3.2, 1.0))))] if r.random() > 0.06 else None for _ in range(4)]
        sat = min(10, max(1, int(round(r.gauss(7.8, 1.6))))) if r.random() > 0.05 else None
        u = r.random()
        note = None if u < 0.6 else ("Bedankt!" if u < 0.8 else (
            f"Groeten van {FIRST_NAMES[ps.first[pe]]}" if u < 0.92 else "Het ging soms wat traag."))
        ws.append([i, begin, done, email, name, DISPLAY[LEERWINKELS[li]], _dossier_variant(r, dossier),
                   TRAINING_STARTED[r.choices((0, 1, 2), (0.45, 0.4, 0.15))[0]],
                   SITUATION[r.choices(range(5), (0.3, 0.3, 0.25, 0.07, 0.08))[0]],
                   QUALIFICATION[0] if r.random() < 0.3 else QUALIFICATION[1]] + sc + [sat, note])
        n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Form1": n}, "pv": pv.result()}


def _w_costs(dest: Path, rel: str) -> dict:
    p = _plan()
    r = random.Random(f"{p.seed}:costs")
    wb = _write_only_wb()
    ws = wb.create_sheet("Kosten")
    ws.append(["Leerwinkel", "Jaar", "Personeelskost", "Werkingskost", "VTE"])
    n = 0
    for li, y in p.cost_rows:
        # staff follows the case load (about 110 trajectories per FTE a year), at least 2 FTE
        per_year = p.counts[li] / max(1, p.as_of.year - p.start_year + 1)
        fte = round(max(2.0, per_year / 110) * r.uniform(0.85, 1.2), 1)
        staff = round(fte * r.uniform(62000, 72000), 2)
        if r.random() < 0.3:
            staff = int(staff)
        ws.append([DISPLAY[LEERWINKELS[li]], y, staff, round(fte * r.uniform(8000, 20000), 2), fte])
        n += 1
    wb.save(dest / rel)
    return {"rows": {rel + "|Kosten": n}, "pv": set()}


def _run_task(name: str, dest: str) -> tuple[str, dict]:
    p = _plan()
    F = _file_names(p)
    d = Path(dest)
    if name == "brussel":
        return name, _w_brussel(d, F["brussel"])
    if name == "genk":
        return name, _w_genk(d, F["genk_k"], F["genk_c"])
    if name == "mechelen":
        return name, _w_mechelen(d, F["mechelen"])
    if name == "gent":
        return name, _w_gent(d, F["gent"])
    if name == "west_vlaanderen":
        return name, _w_west_vlaanderen(d, F["west_vlaanderen"])
    if name == "leuven":
        return name, _w_leuven(d, F["leuven"])
    if name == "survey":
        return name, _w_survey(d, F["survey"])
    if name == "costs":
        return name, _w_costs(d, F["costs"])
    raise ValueError(name)


# rough relative cost of each task, to start the heavy ones first
_TASK_WEIGHT = {"brussel": 30, "west_vlaanderen": 22, "survey": 16, "leuven": 12, "mechelen": 8,
                "gent": 2.3, "genk": 0.8, "costs": 0}  # CPU seconds measured at 400,000


class NotADemoFolder(RuntimeError):
    """The destination holds files but is not a demo folder: real data is never overwritten."""


def demo_folder_refusal(dest: Path) -> str | None:
    """Why demo data may not be written into ``dest`` (it holds files but no demo marker),
    or None. A folder that does not exist, or holds only empty folders, is fine."""
    dest = Path(dest)
    if (dest / DEMO_MARKER).is_file() or not dest.exists():
        return None
    if not dest.is_dir() or any(path.is_file() or path.is_symlink() for path in dest.rglob("*")):
        return (f"{dest} holds files but no {DEMO_MARKER} marker, so it may be a real landing folder: "
                "demo data is never written over it. Choose an empty or new folder "
                "(`make run` uses data/demo/landing).")
    return None


def write_demo_marker(dest: Path, *, seed: int, trajectories: int) -> Path:
    """``dest/.leerwinkels-demo``: says the folder holds generated demo data (so the demo key
    may be used on it, and the generator may write into it again)."""
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / DEMO_MARKER
    marker.write_text(json.dumps({
        "generator": "leerwinkels_demo (leerwinkels demo-data)",
        "seed": seed,
        "trajectories": trajectories,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
    }, indent=1), encoding="utf-8")
    return marker


def generate_landing(dest: Path, trajectories: int = 600, seed: int = 1, defects: bool = True,
                     progress: Callable[[str, int, int], None] | None = None, *,
                     as_of: date = AS_OF, manifest_path: Path | str | None = None,
                     workers: int | None = None) -> dict:
    """Write a synthetic landing folder under ``dest`` and return its manifest.

    ``trajectories`` is the total over the six Leerwinkels; ``as_of`` the run date the
    manifest's rule outcomes refer to (exports are dated six days earlier);
    ``workers`` the number of writer processes (default: 1 below 20,000 trajectories,
    else up to 2); ``progress(step, done, total)`` is called after the plan and after
    every file. With ``manifest_path`` the manifest is also written there as JSON.
    """
    global _PLAN
    if trajectories < 0:
        raise ValueError("trajectories must be >= 0")
    # Brussel's contact sheet is the largest (~0.9 rows per trajectory in the network):
    # refuse early what can never fit in one xlsx sheet; the exact check follows the plan
    if trajectories > 1_150_000:
        raise ValueError(f"{trajectories} trajectories would need more rows than an xlsx sheet holds "
                         f"({XLSX_MAX_ROWS:,}); use at most about 1,100,000")
    dest = Path(dest)
    refusal = demo_folder_refusal(dest)
    if refusal:
        raise NotADemoFolder(refusal)
    steps = ["plan", "brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven", "survey", "costs"]
    total = len(steps)
    p = _build_plan(int(trajectories), int(seed), bool(defects), as_of)
    manifest = _manifest(p)
    for key, e in manifest["files"].items():
        if "xlsx" in key and e["rows_read"] + 4 > XLSX_MAX_ROWS:
            raise ValueError(f"{key} would need {e['rows_read']} rows: more than an xlsx sheet holds; "
                             "use fewer trajectories")
    done = 1
    if progress:
        progress("plan", done, total)
    # marked before the first file: a generation that is interrupted leaves a folder that
    # is still recognisably demo data (and may be generated into again)
    write_demo_marker(dest, seed=int(seed), trajectories=int(trajectories))
    F = _file_names(p)
    for rel in F.values():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
    for sub in LEERWINKELS + ("netwerk",):
        (dest / sub).mkdir(parents=True, exist_ok=True)

    if workers is None:
        workers = 1 if trajectories < 20_000 else max(1, min(2, os.cpu_count() or 1))
    tasks = sorted(steps[1:], key=lambda s: -_TASK_WEIGHT[s])
    results: dict[str, dict] = {}
    _PLAN = p
    try:
        if workers <= 1:
            for name in tasks:
                _, res = _run_task(name, str(dest))
                results[name] = res
                done += 1
                if progress:
                    progress(name, done, total)
        else:
            # forked workers share the plan copy-on-write; keep the garbage collector from
            # touching (and so copying) every object of it in each worker
            gc.freeze()
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
                futs = [pool.submit(_run_task, name, str(dest)) for name in tasks]
                for fut in as_completed(futs):
                    name, res = fut.result()
                    results[name] = res
                    done += 1
                    if progress:
                        progress(name, done, total)
    finally:
        _PLAN = None
        gc.unfreeze()

    # the writers' row counts must agree with the plan's accounting
    written = {}
    pv: set[str] = set()
    for res in results.values():
        written.update(res["rows"])
        pv |= res["pv"]
    expected = {k: v["rows_read"] for k, v in manifest["files"].items()}
    if written != expected:
        diff = {k: (expected.get(k), written.get(k)) for k in set(expected) | set(written)
                if expected.get(k) != written.get(k)}
        raise AssertionError(f"demo data: rows written differ from the manifest: {diff}")

    invalid = sorted({ps for ps in (p.persons.nn[int(p.person[t])] for t in np.nonzero(p.flag_invalid_nn)[0])
                      if ps})
    out = {
        "as_of": as_of.isoformat(),
        "export_date": p.export.isoformat(),
        "seed": int(seed),
        "trajectories": int(trajectories),
        "defects": bool(defects),
        "years": list(range(p.start_year, as_of.year + 1)),
        **manifest,
        "invalid_national_number_values": invalid,
        "personal_values": sorted(pv),
    }
    if manifest_path is not None:
        mp = Path(manifest_path)
        mp.parent.mkdir(parents=True, exist_ok=True)
        mp.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return out

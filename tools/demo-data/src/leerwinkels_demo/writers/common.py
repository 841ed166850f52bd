"""What the writers share: the personal values they report, rows of contacts, CSV lines, notes."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from leerwinkels_demo.people import FIRST_CP1252, FIRST_NAMES, LAST_CP1252, LAST_NAMES, MIN_PERSONAL_NAME_LEN, punctuated
from leerwinkels_demo.plan import Plan
from leerwinkels_demo.registration import current_delivery


class PersonalValues:
    """Collects personal values written."""

    def __init__(self, p: Plan):
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


def national_number_text(r: random.Random, nn: str | None, punct_rate: float) -> str | None:
    if not nn:
        return None
    return punctuated(nn) if r.random() < punct_rate else nn


def write_only_workbook():
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    return wb


def trajectory_basics(p: Plan, t: int):
    return (int(p.person[t]), int(p.intake[t]), int(p.closed[t]), int(p.status[t]), int(p.defect[t]))


def write_contact_rows(p: Plan, li: int, emit, fmt, fmt_fake, sheet: str = "contacts") -> int:
    """Every contact row of the plan (and the planted orphans); of an earlier delivery only those
    registered by then, each formatted all the same (the same draws as in the final delivery)."""
    e = current_delivery()
    fakes = defaultdict(list)
    for after, fid, o in p.fake.get((li, sheet), []):
        fakes[after].append((fid, o))
    n = 0
    cs, cd, ct, cm = p.c_start, p.c_date, p.c_type, p.c_min
    for t in p.order[li].tolist():
        tid = p.tid[t]
        s = int(cs[t])
        for j in range(int(p.ncon[t])):
            row = fmt(tid, int(cd[s + j]), int(ct[s + j]), int(cm[s + j]))
            if e is None or e.contact[s + j]:
                emit(row)
                n += 1
        for fid, o in fakes.get(t, ()):
            row = fmt_fake(fid, o)
            if e is None or e.orphan(t, o):
                emit(row)
                n += 1
    return n


def contact_in_delivery(index: int) -> bool:
    """Whether contact ``index`` of the plan is in the delivery being written."""
    e = current_delivery()
    return e is None or bool(e.contact[index])


def contacts_in_delivery(p: Plan, t: int) -> int:
    """How many of trajectory ``t``'s contacts the delivery being written holds (a count column)."""
    e = current_delivery()
    n = int(p.ncon[t])
    return n if e is None else int(e.contact[int(p.c_start[t]):int(p.c_start[t]) + n].sum())


class Unwritten:
    """A sheet that is not in the delivery: its rows are drawn (so the draws after it stay the same) but not written."""

    def __init__(self) -> None:
        self.merged_cells: set[str] = set()

    def append(self, row) -> None:
        pass


def extra_in_delivery(extra) -> bool:
    """Whether a planted extra row (kind, source, after) is in the delivery being written."""
    e = current_delivery()
    return e is None or e.extra(extra)


def referral_in_delivery(t: int, k: int) -> bool:
    e = current_delivery()
    return e is None or bool(e.referral[t, k])


def orphan_in_delivery(after: int, day: int) -> bool:
    e = current_delivery()
    return e is None or e.orphan(after, day)


def answer_in_delivery(response: list) -> bool:
    e = current_delivery()
    return e is None or e.answer(response)


def in_delivery(t: int) -> bool:
    """Whether trajectory ``t``'s row is in the delivery being written (always, in the final one)."""
    e = current_delivery()
    return e is None or bool(e.trajectory[t])


def reopened(t: int) -> bool:
    """Whether trajectory ``t`` is written open: closed in the plan, its closing not registered yet."""
    e = current_delivery()
    return e is not None and bool(e.reopened[t])


def extra_rows_after(ex, t: int, r: random.Random, question_of, question_column: int, questions) -> list[list]:
    """The planted extra rows due after row ``t`` that the delivery holds (drawn all the same)."""
    rows = ex.rows_after(t, r, question_of, question_column, questions)
    e = current_delivery()
    return rows if e is None else [row for row, extra in zip(rows, ex.due(t), strict=True) if e.extra(extra)]


def csv_line(values, sep: str) -> str:
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


class CsvSheet:
    """A CSV file written the way the xlsx writers write a write-only worksheet: ``append(row)``,
    with the source's encoding and separator given once (rows are buffered, then written)."""

    def __init__(self, path: Path, *, encoding: str, sep: str, buffer_rows: int = 20_000):
        self.path, self.encoding, self.sep, self.buffer_rows = path, encoding, sep, buffer_rows
        self.buffer: list[str] = []

    def __enter__(self) -> CsvSheet:
        self.file = open(self.path, "w", encoding=self.encoding, newline="")
        return self

    def append(self, row: list) -> None:
        self.append_line(csv_line(row, self.sep))

    def append_line(self, line: str) -> None:
        """A line formatted by the caller (the contact rows, the bulk of a file, are formatted at once)."""
        self.buffer.append(line)
        if len(self.buffer) >= self.buffer_rows:
            self.file.write("".join(self.buffer))
            self.buffer.clear()

    def __exit__(self, *exc_info) -> None:
        self.file.write("".join(self.buffer))
        self.file.close()


def hours_text(minutes: int) -> str:
    h = minutes / 60
    s = f"{h:.2f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def note_text(r: random.Random, p: Plan, pv: PersonalValues, t: int, pe: int, style: str):
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

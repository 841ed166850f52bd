"""Invented people: names (with their cp1252-safe and e-mail forms) and valid Belgian national numbers."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import numpy as np

from leerwinkels_demo.dates import as_date

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


def punctuated(nn: str) -> str:
    return f"{nn[0:2]}.{nn[2:4]}.{nn[4:6]}-{nn[6:9]}.{nn[9:11]}"


class Persons:
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
                self.nn[i] = make_national_number(as_date(births[i]), seql[i], bisl[i])

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
            nn = make_national_number(as_date(birth), seq)
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

"""Per Leerwinkel and code list, the labels the writers write (read from sources/*.yaml by labels.py),
the weights the plan draws codes with, and the labeller that now and then varies a label."""

from __future__ import annotations

import random

from leerwinkels_demo.labels import Label, has_code_list, label_table, labels_by_code, unknown_label
from leerwinkels_demo.sources import BR, GE, GK, LEERWINKELS, LV, ME, WV

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
VARIANT_RATE = 0.03  # stray spaces / odd capitals on code labels
EMPTY_RATE = 0.02  # empty (= unknown) code cells


def label_variant(r: random.Random, s: str) -> str:
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


class Labeller:
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
            return label_variant(r, lab)
        return lab

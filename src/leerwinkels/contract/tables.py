"""The table catalogue: every table's name, layer, key, columns and publication facts, in ONE place.

A table's full description is its entry in :data:`CATALOGUE`: its columns in order (type,
nullable, English description, code list, the checks the model schema makes), its key, and
whether it is published, written to the warehouse and scanned for personal data. Everything
else is derived from it: the pandera model schemas (model/schemas.py), the staged frame
schemas (ingest/staged_tables.py), the warehouse DDL and its primary keys (contract/ddl.py),
Dagster's ``dagster/column_schema`` and ``dagster/table_name`` (defs/assets/common.py) and the
column tables of docs/indicators.md and docs/model-frames.md (contract/docs.py). No Dagster import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from leerwinkels.contract.code_lists import AGE_AT_INTAKE_MAX, AGE_AT_INTAKE_MIN

Layer = Literal["model", "internal", "indicator", "publication_support", "quality"]
ColumnType = Literal["text", "date", "datetime", "datetime_utc", "int32", "int64", "float64", "boolean"]

POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "datetime_utc": pl.Datetime("us", "UTC"),
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "float64": pl.Float64(),
    "boolean": pl.Boolean(),
}


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    type: ColumnType
    description: str
    nullable: bool = False
    # the MODEL.md code list its values come from; ``with_unknown``: plus ``unknown`` (MODEL.md: an
    # empty or unmapped value); a list of codes where it is a fixed set that is no code list
    code_list: str | None = None
    # the code list named per row: (column, ((value of that column, code list), ...)); an empty
    # tuple of pairs: the column's value IS the code list's name (ind_reach_breakdown.dimension)
    code_list_by: tuple[str, tuple[tuple[str, str], ...]] | None = None
    with_unknown: bool = True
    # --- checks of the model schema (model/schemas.py builds pandera checks from these)
    unique: bool = False
    value_range: tuple[int, int] | None = None  # closed range
    at_least: int | None = None
    length: int | None = None  # exact text length (a 64-hex-digit HMAC key)
    pattern: str | None = None  # regular expression the text matches
    # a column the model needs between steps but never writes (dropped before the warehouse)
    internal: bool = False
    # --- publication (published tables): the Dutch header of the workbook and its explanation
    # on the Toelichting sheet
    label_nl: str = ""
    explanation_nl: str = ""
    # a column of a published table that stays in the database, and why (issue 16: a sentence
    # quoting exact figures)
    unpublished: str = ""

    @property
    def dtype(self) -> pl.DataType:
        return POLARS_TYPES[self.type]


@dataclass(frozen=True)
class TableFacts:
    name: str
    layer: Layer
    description: str
    columns: tuple[ColumnFacts, ...]
    # the documented key: unique and never null (checked before a load, the warehouse's PRIMARY KEY,
    # and the order the warehouse writes the table in)
    key: tuple[str, ...] = ()
    # why a table has no key (required when ``key`` is empty)
    no_key_reason: str = ""
    # indexes the warehouse creates (join columns a BI tool joins on), each a column list
    indexes: tuple[tuple[str, ...], ...] = ()
    published: bool = False  # a CSV/sheet of the publication export
    in_warehouse: bool = True
    scanned_for_personal_data: bool = True
    # --- publication (published tables): workbook sheet (max. 31 characters), Dutch title and explanation
    sheet: str = ""
    title_nl: str = ""
    description_nl: str = ""

    def column(self, name: str) -> ColumnFacts:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        """The polars schema of the frame as built (internal columns included)."""
        return {c.name: c.dtype for c in self.columns}

    @property
    def warehouse_columns(self) -> list[ColumnFacts]:
        return [c for c in self.columns if not c.internal]


C = ColumnFacts
_HMAC = 64  # hex digits of an HMAC-SHA256 pseudonym

# -- columns shared by several tables
_LEERWINKEL_ROW = C("leerwinkel", "text", "Leerwinkel code, or `all` (the whole network)", code_list="leerwinkel", with_unknown=False,
      label_nl='Leerwinkel', explanation_nl="De Leerwinkel; 'Netwerk' is het hele netwerk (een cliënt die bij twee Leerwinkels kwam, telt daar één keer; trajecten tellen op).")
_YEAR = C("year", "int64", "calendar year",
      label_nl='Jaar', explanation_nl='Het kalenderjaar.')
_YEAR_CLOSED = C("year", "int64", "the year the trajectories were closed",
      label_nl='Jaar van afsluiting', explanation_nl='Het kalenderjaar waarin de trajecten afgesloten werden.')
_PARAMETER_VERSION = C("parameter_version", "text", "version of `sroi/parameters.yaml`",
      label_nl="Parameterversie", explanation_nl="De versie van het parameterbestand waarmee de rij berekend is.")
_FILE_NAME = C("file_name", "text", "the delivered file, as shown to a steward (a part shaped like personal data masked)")
_SHEET = C("sheet", "text", "the sheet of a workbook; empty for a CSV file")
_LEERWINKEL_DELIVERY = C("leerwinkel", "text", "the delivering Leerwinkel, or `netwerk` for the coordinator's files")

CATALOGUE: tuple[TableFacts, ...] = (
    TableFacts(
        "trajectories", "model", "One row per guidance trajectory of a Leerwinkel (MODEL.md).",
        key=("trajectory_key",), indexes=(("client_key",),),
        columns=(
            C("trajectory_key", "text", "HMAC of `tr:<leerwinkel>:<trajectory id>`", unique=True, length=_HMAC),
            C("client_key", "text", "HMAC of the national number (or of name and birth year where there is none)", length=_HMAC),
            C("leerwinkel", "text", "the Leerwinkel of the trajectory", code_list="leerwinkel", with_unknown=False),
            C("intake_date", "date", "date of the intake"),
            C("closed_date", "date", "date the trajectory was closed; null while open", nullable=True),
            C("status", "text", "open, completed or stopped", code_list="status", with_unknown=False),
            C("inflow_channel", "text", "who referred the client to the Leerwinkel", code_list="inflow_channel"),
            C("learning_question", "text", "the client's learning question", code_list="learning_question"),
            C("gender", "text", "gender", code_list="gender"),
            C("birth_year", "int32", "year of birth; null when unknown", nullable=True),
            C("age_at_intake", "int32", "age at the intake date; null when unknown or out of range", nullable=True,
              value_range=(AGE_AT_INTAKE_MIN, AGE_AT_INTAKE_MAX)),
            C("age_band", "text", "age band at intake", code_list="age_band"),
            C("postcode", "text", "Belgian postcode (4 digits); null when unknown", nullable=True, pattern=r"^\d{4}$"),
            C("education_level", "text", "highest education level at intake", code_list="education_level"),
            C("dutch_level", "text", "level of Dutch at intake", code_list="dutch_level"),
            C("labour_status", "text", "labour status at intake", code_list="labour_status"),
            C("vulnerable", "boolean", "low or unrecognised education, Dutch at A1/A2, or jobseeker / social assistance / "
              "sickness-invalidity at intake (MODEL.md)"),
            C("contacts", "int64", "number of contacts", at_least=0),
            C("guidance_minutes", "float64", "sum of the contact durations; null where the source has no durations",
              nullable=True, at_least=0),
            C("link_key", "text", "HMAC that links a survey response to its trajectory (never written)", internal=True),
        ),
    ),
    TableFacts(
        "contacts", "model", "One row per logged contact of a trajectory.",
        no_key_reason="the sources carry no contact id: two contacts of one type on one day are two rows",
        indexes=(("trajectory_key",),),
        columns=(
            C("trajectory_key", "text", "the trajectory"),
            C("contact_date", "date", "date of the contact"),
            C("contact_type", "text", "kind of contact", code_list="contact_type"),
            C("minutes", "float64", "duration; null where the source has none", nullable=True),
        ),
    ),
    TableFacts(
        "referrals", "model", "One row per referral of a trajectory to a partner.",
        no_key_reason="the sources carry no referral id: two referrals to one destination on one date are two rows",
        indexes=(("trajectory_key",),),
        columns=(
            C("trajectory_key", "text", "the trajectory"),
            C("referral_date", "date", "date of the referral (the closing or intake date where the source has none)"),
            C("destination", "text", "where the client was referred to", code_list="destination"),
        ),
    ),
    TableFacts(
        "followups", "model", "The latest follow-up survey response per trajectory, linked to a loaded trajectory.",
        key=("trajectory_key",),
        columns=(
            C("trajectory_key", "text", "the trajectory", unique=True),
            C("response_date", "date", "date of the response", nullable=True),
            C("training_started", "text", "started a training since", code_list="training_started"),
            C("situation", "text", "situation now", code_list="situation"),
            C("qualification", "boolean", "obtained a diploma or certificate", nullable=True),
            C("insight_labour_market", "int32", "agreement 1-5: better view of my chances on the labour market", nullable=True, value_range=(1, 5)),
            C("insight_strengths", "int32", "agreement 1-5: ... of my strengths and ambitions", nullable=True, value_range=(1, 5)),
            C("insight_barriers", "int32", "agreement 1-5: ... of what holds me back", nullable=True, value_range=(1, 5)),
            C("insight_learning", "int32", "agreement 1-5: ... of my learning opportunities", nullable=True, value_range=(1, 5)),
            C("satisfaction", "int32", "satisfaction with the guidance 1-10", nullable=True, value_range=(1, 10)),
            C("days_after_closing", "int64", "response date minus the trajectory's closing date, in days; null for an open trajectory "
              "or a response without date (issue 16: the outcome window of EVIDENCE.md)", nullable=True),
        ),
    ),
    TableFacts(
        "clients", "model", "One row per distinct client of the network.",
        key=("client_key",),
        columns=(
            C("client_key", "text", "the client", unique=True),
            C("leerwinkels", "int64", "at how many Leerwinkels the client had a trajectory", value_range=(1, 6)),
            C("first_intake_date", "date", "the first intake anywhere in the network"),
            C("trajectories", "int64", "number of trajectories", at_least=1),
        ),
    ),
    TableFacts(
        "costs", "model", "The coordinator's yearly costs per Leerwinkel.",
        key=("leerwinkel", "year"),
        columns=(
            C("leerwinkel", "text", "the Leerwinkel", code_list="leerwinkel", with_unknown=False),
            C("year", "int32", "calendar year"),
            C("staff_cost", "float64", "staff cost (Personeelskost), EUR", nullable=True),
            C("operating_cost", "float64", "operating cost (Werkingskost), EUR", nullable=True),
            C("fte", "float64", "full-time equivalents", nullable=True),
        ),
    ),
    TableFacts(
        "contact_events", "internal",
        "For ind_reach.contacts/guidance_hours: one row per logged contact with contacts=1; for Mechelen, which has "
        "only a conversation count, one row per trajectory dated at intake with contacts=<count>, minutes null.",
        no_key_reason="an internal frame like contacts (no contact id); never written",
        in_warehouse=False, scanned_for_personal_data=False,
        columns=(
            C("leerwinkel", "text", "the Leerwinkel", code_list="leerwinkel", with_unknown=False),
            C("trajectory_key", "text", "the trajectory"),
            C("event_date", "date", "date the contacts are counted at"),
            C("contacts", "int64", "number of contacts"),
            C("minutes", "float64", "duration; null where unknown", nullable=True),
        ),
    ),
    TableFacts(
        "ind_reach", "indicator", "Reach per Leerwinkel and year.",
        key=("leerwinkel", "year"), published=True,
        sheet='Bereik', title_nl='Bereik',
        description_nl='Trajecten, bereikte cliënten, kwetsbare cliënten, contacten en begeleidingsuren per Leerwinkel en jaar.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR,
            C("new_trajectories", "int64", "trajectories new in Y (intake in Y)",
              label_nl='Nieuwe trajecten', explanation_nl='Trajecten met hun intake in het jaar.'),
            C("active_trajectories", "int64", "trajectories active in Y",
              label_nl='Lopende trajecten', explanation_nl='Trajecten die in het jaar liepen: intake uiterlijk op 31 december en nog open of afgesloten op of na 1 januari.'),
            C("clients_reached", "int64", "distinct clients with a trajectory active in Y",
              label_nl='Bereikte cliënten', explanation_nl='Verschillende cliënten met een traject dat in het jaar liep.'),
            C("new_clients", "int64", "distinct clients whose first intake lies in Y: the first intake at that Leerwinkel; for `all` "
              "the first intake anywhere in the network (a client new at Genk in 2024 who came to Brussel in 2023 is new in "
              "`genk` 2024 but in `all` only in 2023)",
              label_nl='Nieuwe cliënten', explanation_nl="Verschillende cliënten met hun eerste intake in het jaar (bij die Leerwinkel; voor 'Netwerk' de eerste intake in het netwerk)."),
            C("vulnerable_clients", "int64", "distinct clients with a `vulnerable` trajectory active in Y (MODEL.md: low or "
              "unrecognised education, Dutch at A1/A2, or jobseeker / social assistance / sickness-invalidity at intake)",
              label_nl='Kwetsbare cliënten', explanation_nl='Bereikte cliënten met een traject als kwetsbaar aangemerkt: laag of niet-erkend diploma, Nederlands op niveau A1-A2, of werkzoekend, leefloon, ziekte-invaliditeit bij intake.'),
            C("share_vulnerable", "float64", "`vulnerable_clients / clients_reached`; null when `clients_reached` is 0", nullable=True,
              label_nl='Aandeel kwetsbaar', explanation_nl='Kwetsbare cliënten gedeeld door bereikte cliënten (leeg als er geen zijn).'),
            C("contacts", "int64", "contacts dated in Y. Mechelen logs no contacts, only a conversation count per trajectory: "
              "that count is dated at the intake",
              label_nl='Contacten', explanation_nl='Contacten in het jaar (Mechelen: het aantal gesprekken van een traject, gedateerd op de intake).'),
            C("guidance_hours", "float64", "the sum of the known contact durations (minutes) dated in Y, divided by 60; 0 "
              "when there was no contact in Y. **Null (unknown)** when there were contacts but none has a known duration: "
              "Leuven and Mechelen log no durations, so their hours are unknown, not 0. For `all` the sum of the known "
              "durations of the network (Leuven's and Mechelen's contacts add nothing) — read it together with `contacts`",
              nullable=True,
              label_nl='Begeleidingsuren', explanation_nl='Som van de gekende duur van de contacten in het jaar, in uren. Leeg (onbekend) voor een Leerwinkel die geen duur per contact bijhoudt (Leuven, Mechelen): onbekend is geen 0 uur. Netwerk: de som van de gekende duur.'),
        ),
    ),
    TableFacts(
        "ind_reach_breakdown", "indicator", "The profile of new clients: who started a trajectory in Y.",
        key=("leerwinkel", "year", "dimension", "category"), published=True,
        sheet='Bereik naar profiel', title_nl='Nieuwe cliënten naar profiel',
        description_nl='Verschillende cliënten met een nieuw traject in het jaar, naar een kenmerk van dat traject bij intake. Elke categorie staat er, ook met 0.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR,
            C("dimension", "text", "one of `gender`, `age_band`, `education_level`, `dutch_level`, `labour_status`, "
              "`inflow_channel`, `learning_question` (the trajectory column, which is also the name of its code list in "
              "`code_labels`)",
              label_nl='Kenmerk', explanation_nl='Het kenmerk: geslacht, leeftijd bij intake, opleidingsniveau, niveau nederlands, arbeidssituatie bij intake, verwezen door, leervraag.'),
            C("category", "text", "a code of that list, or `unknown`; every code is present, with 0 where no client",
              code_list_by=("dimension", ()),
              label_nl='Categorie', explanation_nl="De waarde van het kenmerk ('Onbekend' als de bron ze niet kent)."),
            C("clients", "int64", "distinct clients with a trajectory new in Y whose value for the dimension is the category "
              "(the value of that trajectory at its intake)",
              label_nl='Cliënten', explanation_nl='Verschillende cliënten met een nieuw traject in het jaar in die categorie.'),
        ),
    ),
    TableFacts(
        "ind_referrals", "indicator", "Referrals to and from the Leerwinkels.",
        key=("leerwinkel", "year", "direction", "partner"), published=True,
        sheet='Doorverwijzingen', title_nl='Doorverwijzingen',
        description_nl='Instroom: door wie nieuwe trajecten verwezen werden. Uitstroom: naar welke partners trajecten doorverwezen werden.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR,
            C("direction", "text", "`in`: who referred the client to the Leerwinkel; `out`: where the Leerwinkel referred the client to",
              label_nl='Richting', explanation_nl='Instroom (verwezen door) of uitstroom (doorverwezen naar).'),
            C("partner", "text", "for `in` an `inflow_channel` code, for `out` a `destination` code (full code list plus "
              "`unknown` for each direction)", code_list_by=("direction", (("in", "inflow_channel"), ("out", "destination"))),
              label_nl='Partner', explanation_nl='Instroom: wie het traject verwees. Uitstroom: waarheen doorverwezen werd.'),
            C("trajectories", "int64", "`in`: trajectories new in Y with that inflow channel. `out`: distinct trajectories with a "
              "referral to that destination dated in Y; a referral without its own date (Brussel, Genk, Mechelen, Leuven) is "
              "dated at the trajectory's closing date, else, while open, at its intake date. Two referrals of one trajectory to "
              "the same destination in one year count once",
              label_nl='Trajecten', explanation_nl='Instroom: nieuwe trajecten in het jaar via die partner. Uitstroom: trajecten met een doorverwijzing naar die partner in het jaar (zonder eigen datum geldt de datum van afsluiting, anders die van de intake).'),
        ),
    ),
    TableFacts(
        "ind_outcomes", "indicator", "Outcomes of the trajectories closed in Y, from the follow-up survey.",
        key=("leerwinkel", "year"), published=True,
        sheet='Resultaten', title_nl='Resultaten (nazorgenquête)',
        description_nl='Afgesloten trajecten per jaar van afsluiting en wat de cliënten in de nazorgenquête antwoordden (het laatste antwoord per traject).',
        columns=(
            _LEERWINKEL_ROW,
            C("year", "int64", "year of closing",
              label_nl='Jaar van afsluiting', explanation_nl='Het kalenderjaar waarin de trajecten afgesloten werden.'),
            C("closed_trajectories", "int64", "trajectories completed or stopped in Y",
              label_nl='Afgesloten trajecten', explanation_nl='Trajecten afgerond of stopgezet in het jaar.'),
            C("responses", "int64", "of those, how many have a follow-up survey response",
              label_nl='Antwoorden', explanation_nl='Afgesloten trajecten met een antwoord op de nazorgenquête.'),
            C("response_rate", "float64", "`responses / closed_trajectories`; null when nothing was closed", nullable=True,
              label_nl='Responsgraad', explanation_nl='Antwoorden gedeeld door afgesloten trajecten.'),
            C("training_started", "int64", "responses answering that they started a training (`yes`)",
              label_nl='Opleiding gestart', explanation_nl="Antwoorden: 'Ja, ik ben een opleiding gestart'."),
            C("training_enrolled", "int64", "responses answering enrolled, not started yet (`enrolled`)",
              label_nl='Ingeschreven voor opleiding', explanation_nl="Antwoorden: 'Ingeschreven, nog niet gestart'."),
            C("working", "int64", "responses whose situation now is `working`",
              label_nl='Werkt nu', explanation_nl="Antwoorden: 'Ik werk'."),
            C("in_training", "int64", "responses whose situation now is `in_training`",
              label_nl='Volgt nu opleiding', explanation_nl="Antwoorden: 'Ik volg een opleiding'."),
            C("jobseeker", "int64", "responses whose situation now is `jobseeker`",
              label_nl='Zoekt nu werk', explanation_nl="Antwoorden: 'Ik zoek werk'."),
            C("qualification", "int64", "responses that obtained a diploma or certificate",
              label_nl='Diploma of certificaat behaald', explanation_nl='Antwoorden: intussen een diploma of certificaat behaald.'),
            C("insight_labour_market", "float64", "share answering 4 or 5 (agree, fully agree) to \"I now have a better view of "
              "my chances on the labour market\", among the responses that answered that statement; null when none did", nullable=True,
              label_nl='Inzicht arbeidsmarkt', explanation_nl="Aandeel (eens of helemaal eens) op 'Ik heb nu een beter zicht op mijn kansen op de arbeidsmarkt', onder wie die vraag beantwoordde (leeg als niemand ze beantwoordde)."),
            C("insight_strengths", "float64", "idem, \"... of my strengths and ambitions\"", nullable=True,
              label_nl='Inzicht sterktes', explanation_nl="Aandeel (eens of helemaal eens) op 'Ik heb nu een beter zicht op mijn sterktes en ambities', onder wie die vraag beantwoordde (leeg als niemand ze beantwoordde)."),
            C("insight_barriers", "float64", "idem, \"... of what holds me back\"", nullable=True,
              label_nl='Inzicht drempels', explanation_nl="Aandeel (eens of helemaal eens) op 'Ik heb nu een beter zicht op wat mij tegenhoudt', onder wie die vraag beantwoordde (leeg als niemand ze beantwoordde)."),
            C("insight_learning", "float64", "idem, \"... of my learning opportunities\"", nullable=True,
              label_nl='Inzicht leermogelijkheden', explanation_nl="Aandeel (eens of helemaal eens) op 'Ik heb nu een beter zicht op mijn leermogelijkheden', onder wie die vraag beantwoordde (leeg als niemand ze beantwoordde)."),
            C("satisfaction_mean", "float64", "mean satisfaction with the guidance (1–10) among the responses that answered it; "
              "null when none did", nullable=True,
              label_nl='Tevredenheid (gemiddelde)', explanation_nl='Gemiddelde tevredenheid over de begeleiding (1-10), onder wie die vraag beantwoordde.'),
            C("insight_labour_market_answered", "int64", "responses that answered the labour-market statement: the denominator of "
              "`insight_labour_market`",
              label_nl='Beantwoord: inzicht arbeidsmarkt', explanation_nl='Antwoorden die de vraag over mijn kansen op de arbeidsmarkt beantwoordden (de noemer van het aandeel hierboven).'),
            C("insight_strengths_answered", "int64", "idem for `insight_strengths`",
              label_nl='Beantwoord: inzicht sterktes', explanation_nl='Antwoorden die de vraag over mijn sterktes en ambities beantwoordden (de noemer van het aandeel hierboven).'),
            C("insight_barriers_answered", "int64", "idem for `insight_barriers`",
              label_nl='Beantwoord: inzicht drempels', explanation_nl='Antwoorden die de vraag over wat mij tegenhoudt beantwoordden (de noemer van het aandeel hierboven).'),
            C("insight_learning_answered", "int64", "idem for `insight_learning`",
              label_nl='Beantwoord: inzicht leermogelijkheden', explanation_nl='Antwoorden die de vraag over mijn leermogelijkheden beantwoordden (de noemer van het aandeel hierboven).'),
            C("satisfaction_answered", "int64", "responses that gave a satisfaction score: the denominator of `satisfaction_mean`",
              label_nl='Beantwoord: tevredenheid', explanation_nl='Antwoorden die de vraag over tevredenheid beantwoordden.'),
        ),
    ),
    TableFacts(
        "ind_sroi_inputs", "indicator", "SROI inputs: the counted outcomes with their proxies and rates (SROI.md).",
        key=("leerwinkel", "year", "outcome"), published=True,
        sheet='SROI-uitkomsten', title_nl='SROI: uitkomsten en hun waarde',
        description_nl='Per Leerwinkel, jaar van afsluiting en uitkomst: hoeveel antwoorden op de nazorgenquête die uitkomst tonen, en hun maatschappelijke waarde volgens de parameters van de SROI-analyse (SROI.md). Deadweight en attributie zijn aannames zolang het onderzoeksteam ze niet vastlegt.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("outcome", "text", "one of the four outcomes (`work_from_invalidity`, `work_from_other_status`, "
              "`early_school_leaving_prevented`, `training_started`)",
              label_nl='Uitkomst', explanation_nl='De uitkomst; een antwoord telt voor de eerste uitkomst waarvan de regel klopt.'),
            C("count", "int64", "responses counted for the outcome",
              label_nl='Aantal', explanation_nl='Antwoorden met die uitkomst.'),
            C("proxy_eur", "float64", "financial proxy per person per year",
              label_nl='Financiële proxy (EUR)', explanation_nl='Waarde per persoon per jaar (0 waar de studie geen proxy geeft).'),
            C("deadweight", "float64", "the central deadweight rate applied (0–1)",
              label_nl='Deadweight', explanation_nl='Aandeel dat ook zonder de Leerwinkel gebeurd zou zijn (aanname).'),
            C("attribution", "float64", "the central attribution rate applied (0–1)",
              label_nl='Attributie', explanation_nl='Aandeel dat aan andere factoren toe te schrijven is (aanname).'),
            C("value_eur", "float64", "`count × proxy × (1 − deadweight) × (1 − attribution)`, rounded to cents; one year, no "
              "drop-off or discounting (as the study's MKBA). In `all` the formula is applied to the summed count, so it may "
              "differ by a cent from the sum of the six rows",
              label_nl='Waarde (EUR)', explanation_nl='Aantal x proxy x (1 - deadweight) x (1 - attributie).'),
            _PARAMETER_VERSION,
            # issue 17: the present value over the outcome's duration (Social Value principles)
            C("present_value_eur", "float64", "the present value over the outcome's duration: the sum over t = 0 .. duration − 1 "
              "of `count × proxy × (1 − deadweight) × (1 − attribution) × (1 − displacement) × (1 − drop_off)^t / "
              "(1 + discount_rate)^t`, rounded to cents (docs/sroi.md); with duration 1 it is `value_eur`",
              label_nl='Contante waarde (EUR)', explanation_nl='De waarde over de hele duur van de uitkomst, verminderd met de afname per jaar en verdisconteerd naar vandaag (met een duur van 1 jaar gelijk aan de waarde).'),
        ),
    ),
    TableFacts(
        "ind_sroi", "indicator", "Social return on investment per Leerwinkel and closing year (SROI.md).",
        key=("leerwinkel", "year"), published=True,
        sheet='SROI', title_nl='SROI-ratio',
        description_nl='Per Leerwinkel en jaar de maatschappelijke waarde van de uitkomsten tegenover de jaarlijkse kost van de Leerwinkel, met de centrale aannames en een lage en hoge variant.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("value_eur", "float64", "sum of `ind_sroi_inputs.value_eur` of that Leerwinkel and year",
              label_nl='Waarde (EUR)', explanation_nl='Som van de waarde van de uitkomsten (centrale aannames).'),
            C("cost_eur", "float64", "`Personeelskost + Werkingskost` of the coordinator's cost file (for `all`: the sum of the "
              "Leerwinkels' costs present)", nullable=True,
              label_nl='Kost (EUR)', explanation_nl='Personeelskost plus werkingskost van het jaar (kostenbestand van de coördinator); leeg zonder kostenrij.'),
            C("sroi_ratio", "float64", "`present_value_eur / cost_eur`; **null** when there is no cost row (or cost 0)", nullable=True,
              label_nl='SROI-ratio', explanation_nl='Contante waarde gedeeld door kost (centrale aannames); leeg zonder kost.'),
            C("sroi_ratio_low", "float64", "the same with the low sensitivity rates: deadweight 0.50 and attribution 0.70", nullable=True,
              label_nl='SROI-ratio (laag)', explanation_nl='Idem met de voorzichtige aannames (meer deadweight en attributie).'),
            C("sroi_ratio_high", "float64", "the same with the high sensitivity rates: deadweight 0.10 and attribution 0.30", nullable=True,
              label_nl='SROI-ratio (hoog)', explanation_nl='Idem met de ruime aannames (minder deadweight en attributie).'),
            C("cost_complete", "boolean", "false when a Leerwinkel active in that year has no cost row (for `all`: when any such "
              "Leerwinkel lacks one); the quality check `sroi_costs_complete` warns about it",
              label_nl='Kost volledig', explanation_nl='Ja als elke nodige kostenrij er is (voor Netwerk: van elke Leerwinkel met een lopend traject in dat jaar).'),
            _PARAMETER_VERSION,
            C("assumptions", "text", "which parameters are assumptions, spelled out",
              label_nl='Aannames', explanation_nl='Welke parameters aannames zijn.'),
            # issue 17: present value and net present value (Social Value principles)
            C("present_value_eur", "float64", "sum of `ind_sroi_inputs.present_value_eur` of that Leerwinkel and year: the "
              "numerator of the ratios",
              label_nl='Contante waarde (EUR)', explanation_nl='Som van de contante waarde van de uitkomsten (centrale aannames); de teller van de SROI-ratio.'),
            C("net_present_value_eur", "float64", "`present_value_eur − cost_eur`; null without a cost row", nullable=True,
              label_nl='Netto contante waarde (EUR)', explanation_nl='Contante waarde min kost; leeg zonder kost.'),
        ),
    ),
    # --- issue 17: SROI to the Social Value standard (who gains, the tornado; SROI.md, docs/sroi.md)
    TableFacts(
        "ind_sroi_by_payer", "indicator", "The present value of `ind_sroi` split over the payers that save or earn it (SROI.md, \"Who gains\").",
        key=("leerwinkel", "year", "payer", "scenario"), published=True,
        sheet='SROI per begunstigde', title_nl='SROI: wie wint er',
        description_nl='Per Leerwinkel, jaar van afsluiting, begunstigde overheid en scenario: het deel van de contante waarde dat die overheid bespaart of ontvangt. De toewijzing van elke post aan een overheid is een aanname zolang het onderzoeksteam ze niet vastlegt. De vier begunstigden tellen op tot de contante waarde van het scenario.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("payer", "text", "who saves or earns it: `federal_social_security` (benefits, social contributions, health care), "
              "`federal_tax` (income tax, VAT), `flemish` (VDAB guidance and training, education, childcare places), `local` (OCMW / CPAS)",
              label_nl='Begunstigde', explanation_nl='De overheid die de besparing of opbrengst heeft: federale sociale zekerheid, federale belastingen, Vlaamse overheid of lokaal bestuur (OCMW).'),
            C("scenario", "text", "`central`, `low` or `high`: the deadweight and attribution of `ind_sroi`'s ratio, low and high ratio",
              label_nl='Scenario', explanation_nl='Centraal, laag (voorzichtige aannames) of hoog (ruime aannames), zoals de SROI-ratio.'),
            C("value_eur", "float64", "the payer's part of the scenario's present value, rounded to cents; the four payers add up "
              "to the cent to `ind_sroi.present_value_eur` (central) or the present value behind the low/high ratio",
              label_nl='Contante waarde (EUR)', explanation_nl='Het deel van de contante waarde voor die overheid; de vier delen tellen op tot de contante waarde.'),
            _PARAMETER_VERSION,
        ),
    ),
    TableFacts(
        "ind_sroi_sensitivity", "indicator", "The tornado: the SROI ratio when one parameter alone moves across its range, the rest central (SROI.md, \"Sensitivity\").",
        key=("leerwinkel", "year", "parameter"), published=True,
        sheet='SROI-gevoeligheid', title_nl='SROI: gevoeligheid per parameter',
        description_nl='Per Leerwinkel, jaar van afsluiting en parameter: de laagste en hoogste SROI-ratio als alleen die parameter over zijn bereik beweegt en de rest centraal blijft (elke proxy 25 % lager en hoger, elk percentage over zijn laag-hoogbereik, de duur van 1 tot 3 jaar). Zo ziet een lezer welke aanname het resultaat bepaalt.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("parameter", "text", "`proxy:<outcome>` (each outcome's proxy ± `tornado.proxy_change`), `deadweight`, `attribution` "
              "(the `sensitivity` low–high range), `displacement`, `drop_off`, `discount_rate`, `duration_years` (the `tornado` ranges)",
              label_nl='Parameter', explanation_nl='De parameter die beweegt (proxy van een uitkomst, deadweight, attributie, verdringing, afname per jaar, disconteringsvoet of duur).'),
            C("ratio_low", "float64", "the lower of the ratios at the two ends of the range; null without a cost", nullable=True,
              label_nl='SROI-ratio (laagste)', explanation_nl='De laagste ratio over het bereik van de parameter; leeg zonder kost.'),
            C("ratio_high", "float64", "the higher of the two; the central ratio lies between them", nullable=True,
              label_nl='SROI-ratio (hoogste)', explanation_nl='De hoogste ratio over het bereik; de centrale SROI-ratio ligt ertussen.'),
            _PARAMETER_VERSION,
        ),
    ),
    # ---- issue 16: evidence for the study's four assumptions (EVIDENCE.md; src/leerwinkels/evidence/)
    TableFacts(
        "ind_outcomes_by_context", "indicator",
        "In-window outcomes of the trajectories closed in Y by the client's context at intake and the guidance given (EVIDENCE.md).",
        key=("leerwinkel", "year", "dimension", "category"), published=True,
        sheet='Resultaten naar context', title_nl='Resultaten naar context (wat werkt voor wie)',
        description_nl='Per Leerwinkel en jaar van afsluiting: de afgesloten trajecten en hun antwoorden op de nazorgenquête binnen het '
                       'uitkomstvenster, naar een kenmerk van de cliënt bij intake (voor wie) of van de begeleiding (wat). Een traject '
                       'dat naar twee partners doorverwezen werd, telt bij elk van die partners.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("dimension", "text", "`labour_status`, `dutch_level`, `education_level`, `age_band`, `gender`, `inflow_channel` (the "
              "trajectory's code at intake), `vulnerable`, `contacts_band`, `guidance_hours_band`, `referred_out` or `destination`",
              label_nl='Kenmerk', explanation_nl='Het kenmerk: een kenmerk van de cliënt bij intake, kwetsbaar, aantal contacten, begeleidingsuren, doorverwezen, of de partner waarheen doorverwezen werd.'),
            C("category", "text", "the trajectory's code (full code list plus `unknown`); `yes`/`no` for `vulnerable` and `referred_out`; "
              "`0`, `1`, `2-3`, `4-6`, `7+` contacts; `<1`, `1-3`, `3-6`, `6+` hours of guidance or `unknown`; for `destination` each "
              "destination the trajectory was referred to (it counts under each) or `none`",
              code_list_by=("dimension", tuple((d, d) for d in (
                  "labour_status", "dutch_level", "education_level", "age_band", "gender", "inflow_channel", "destination"))),
              label_nl='Categorie', explanation_nl="De waarde van het kenmerk ('none' bij partner: niet doorverwezen)."),
            C("closed_trajectories", "int64", "trajectories completed or stopped in Y in the category",
              label_nl='Afgesloten trajecten', explanation_nl='Trajecten afgerond of stopgezet in het jaar, in die categorie.'),
            C("responses_in_window", "int64", "of those, how many have a follow-up response inside the outcome window (90–365 days "
              "after closing by default; `evidence/parameters.yaml`)",
              label_nl='Antwoorden binnen venster', explanation_nl='Antwoorden op de nazorgenquête gegeven binnen het uitkomstvenster: standaard 90 tot 365 dagen na de afsluiting. Zo telt een antwoord een week na de afsluiting niet even zwaar als een antwoord twee jaar later.'),
            C("positive_in_window", "int64", "in-window responses with a positive outcome: situation `working` or `in_training`, training "
              "started `yes` or `enrolled`, or a qualification obtained",
              label_nl='Positief resultaat', explanation_nl='Antwoorden binnen het venster met een positief resultaat: werkt, volgt een opleiding, is een opleiding gestart of ingeschreven, of behaalde een diploma of certificaat.'),
            C("positive_share", "float64", "`positive_in_window / responses_in_window`; null when there is no in-window response", nullable=True,
              label_nl='Aandeel positief', explanation_nl='Positieve resultaten gedeeld door de antwoorden binnen het venster (leeg zonder antwoord).'),
            C("positive_share_low", "float64", "lower end of the Wilson 95 % interval of `positive_share`", nullable=True,
              label_nl='Aandeel positief: ondergrens 95%', explanation_nl='Ondergrens van het 95%-betrouwbaarheidsinterval (Wilson): het echte aandeel ligt met grote waarschijnlijkheid tussen onder- en bovengrens. Hoe minder antwoorden, hoe breder.'),
            C("positive_share_high", "float64", "upper end of the Wilson 95 % interval of `positive_share`", nullable=True,
              label_nl='Aandeel positief: bovengrens 95%', explanation_nl='Bovengrens van het 95%-betrouwbaarheidsinterval (Wilson).'),
            C("working_in_window", "int64", "in-window responses whose situation is `working`",
              label_nl='Werkt (binnen venster)', explanation_nl="Antwoorden binnen het venster: 'Ik werk'."),
            C("in_training_in_window", "int64", "in-window responses whose situation is `in_training`",
              label_nl='Volgt opleiding (binnen venster)', explanation_nl="Antwoorden binnen het venster: 'Ik volg een opleiding'."),
        ),
    ),
    TableFacts(
        "ind_outcome_bounds", "indicator",
        "The positive-outcome share of the trajectories closed in Y, reweighted for non-response and bounded (EVIDENCE.md).",
        key=("leerwinkel", "year"), published=True,
        sheet='Resultaten en non-respons', title_nl='Resultaten: wie niet antwoordde',
        description_nl='Wie de nazorgenquête beantwoordt, is niet wie ze niet beantwoordt. Per Leerwinkel en jaar van afsluiting: het '
                       'aandeel positieve resultaten onder wie antwoordde, hetzelfde aandeel herwogen naar arbeidssituatie en leeftijd '
                       'van alle afgesloten trajecten, en de grenzen waartussen het echte aandeel zeker ligt.',
        columns=(
            _LEERWINKEL_ROW,
            _YEAR_CLOSED,
            C("closed_trajectories", "int64", "trajectories completed or stopped in Y",
              label_nl='Afgesloten trajecten', explanation_nl='Trajecten afgerond of stopgezet in het jaar.'),
            C("responses_in_window", "int64", "of those, how many have an in-window follow-up response",
              label_nl='Antwoorden binnen venster', explanation_nl='Antwoorden op de nazorgenquête binnen het uitkomstvenster (standaard 90 tot 365 dagen na de afsluiting).'),
            C("positive_in_window", "int64", "in-window responses with a positive outcome",
              label_nl='Positief resultaat', explanation_nl='Antwoorden binnen het venster met een positief resultaat (werk, opleiding, diploma of certificaat).'),
            C("share_respondents", "float64", "`positive_in_window / responses_in_window`; null without an in-window response", nullable=True,
              label_nl='Aandeel positief (antwoorders)', explanation_nl='Positieve resultaten gedeeld door de antwoorden binnen het venster.'),
            C("share_weighted", "float64", "reweighted for non-response over the cells labour_status × age_band (of that Leerwinkel and "
              "year; for `all` of the network): Σ closed_c × positive_c / responses_c ÷ Σ closed_c over the cells with at least one "
              "in-window response; null when there is none", nullable=True,
              label_nl='Aandeel positief (herwogen)', explanation_nl='Hetzelfde aandeel, maar elke groep (arbeidssituatie x leeftijd bij intake) telt mee naar het aantal afgesloten trajecten in die groep, niet naar het aantal antwoorden: zo wegen groepen die minder antwoorden niet minder.'),
            C("closed_unobserved", "int64", "closed trajectories in cells without an in-window response (not in `share_weighted`)",
              label_nl='Afgesloten zonder antwoordgroep', explanation_nl='Afgesloten trajecten in groepen waarin niemand binnen het venster antwoordde: zij tellen niet mee in het herwogen aandeel.'),
            C("bound_low", "float64", "`positive_in_window / closed_trajectories`: every non-respondent counted negative", nullable=True,
              label_nl='Ondergrens (niet-antwoorders negatief)', explanation_nl='Het aandeel als niemand die niet antwoordde een positief resultaat had: lager kan het echte aandeel niet zijn.'),
            C("bound_high", "float64", "`(positive_in_window + closed_trajectories − responses_in_window) / closed_trajectories`: every "
              "non-respondent counted positive", nullable=True,
              label_nl='Bovengrens (niet-antwoorders positief)', explanation_nl='Het aandeel als iedereen die niet antwoordde een positief resultaat had: hoger kan het echte aandeel niet zijn.'),
        ),
    ),
    TableFacts(
        "ind_referral_followthrough", "indicator",
        "Did a referral lead somewhere: per referral year and destination, the in-window responses that show it followed (EVIDENCE.md).",
        key=("leerwinkel", "year", "destination"), published=True,
        sheet='Doorverwijzing opgevolgd', title_nl='Doorverwijzingen: gevolgd?',
        description_nl='Per Leerwinkel, jaar van de doorverwijzing en partner: hoeveel doorverwezen trajecten een antwoord binnen het '
                       'uitkomstvenster hebben en hoeveel daarvan tonen dat de doorverwijzing gevolgd werd. Alleen te meten voor '
                       'opleidingen (gestart, ingeschreven of volgt een opleiding) en arbeidsbemiddeling (werkt); bij andere partners leeg.',
        columns=(
            _LEERWINKEL_ROW,
            C("year", "int64", "the referral's year (a referral without its own date: the closing date, else the intake date; as `ind_referrals`)",
              label_nl='Jaar van doorverwijzing', explanation_nl='Het jaar van de doorverwijzing (zonder eigen datum: de datum van afsluiting, anders die van de intake).'),
            C("destination", "text", "where the trajectory was referred to (full code list plus `unknown`)", code_list="destination",
              label_nl='Partner', explanation_nl='Waarheen doorverwezen werd.'),
            C("referred_trajectories", "int64", "distinct trajectories with a referral to the destination dated in Y",
              label_nl='Doorverwezen trajecten', explanation_nl='Trajecten met een doorverwijzing naar die partner in het jaar.'),
            C("responses_in_window", "int64", "of those, how many have an in-window follow-up response",
              label_nl='Antwoorden binnen venster', explanation_nl='Van die trajecten: met een antwoord op de nazorgenquête binnen het uitkomstvenster.'),
            C("followed_through", "int64", "in-window responses showing the referral followed: training destinations (`adult_education`, "
              "`basic_education`, `vdab_training`, `higher_education`, `second_chance_education`, `dutch_course`) training started or "
              "enrolled, or situation `in_training`; `job_mediation` situation `working`; **null** (not measured) for other destinations",
              nullable=True,
              label_nl='Gevolgd', explanation_nl='Antwoorden die tonen dat de doorverwijzing gevolgd werd: bij een opleiding gestart, ingeschreven of volgt een opleiding; bij bemiddeling naar werk: werkt. Leeg waar de enquête het niet kan meten.'),
            C("followed_through_share", "float64", "`followed_through / responses_in_window`; null when not measured or no response", nullable=True,
              label_nl='Aandeel gevolgd', explanation_nl='Gevolgd gedeeld door de antwoorden binnen het venster.'),
            C("followed_through_share_low", "float64", "lower end of its Wilson 95 % interval", nullable=True,
              label_nl='Aandeel gevolgd: ondergrens 95%', explanation_nl='Ondergrens van het 95%-betrouwbaarheidsinterval (Wilson).'),
            C("followed_through_share_high", "float64", "upper end of its Wilson 95 % interval", nullable=True,
              label_nl='Aandeel gevolgd: bovengrens 95%', explanation_nl='Bovengrens van het 95%-betrouwbaarheidsinterval (Wilson).'),
        ),
    ),
    TableFacts(
        "evidence_assumptions", "indicator",
        "The evidence for the study's assumptions A1-A4 per Leerwinkel, year and indicator, graded by the rubric of "
        "`evidence/parameters.yaml` (EVIDENCE.md).",
        key=("leerwinkel", "year", "assumption", "indicator"), published=True,
        sheet='Bewijs aannames', title_nl='Bewijs voor de vier aannames van de studie',
        description_nl='Per Leerwinkel, jaar, aanname (A1 complementair aan andere actoren, A2 inzicht in vier domeinen, A3 positieve '
                       'invloed op beslissingen over opleiding en werk, A4 maatschappelijke baten groter dan de kost) en indicator: de '
                       'waarde, het aantal mensen of trajecten erachter, het 95%-interval en de sterkte van het bewijs (sterk, matig, '
                       'zwak, aanwijzingen, geen gegevens) volgens een beoordelingsschema waarvan elke drempel een aanname is tot het '
                       'onderzoeksteam ze vastlegt. De waarde van partner_types en van de SROI-ratio staat niet op dit tabblad '
                       '(zie Doorverwijzingen en SROI).',
        columns=(
            _LEERWINKEL_ROW,
            C("year", "int64", "intake year for `share_referred_in_by_partner`, the year of inflow and referrals for `partner_types`, "
              "closing year for the others",
              label_nl='Jaar', explanation_nl='Het jaar van intake (instroom via partner), van instroom en doorverwijzingen (soorten partners) of van afsluiting (de andere indicatoren).'),
            C("assumption", "text", "`A1`, `A2`, `A3` or `A4`",
              label_nl='Aanname', explanation_nl='A1: complementair aan de andere actoren rond leren en werken. A2: bouwt bewust inzicht op (arbeidsmarkt, sterktes, drempels, leerkansen). A3: positieve invloed op beslissingen over opleiding, heroriëntering of werk. A4: maatschappelijke baten groter dan de kost.'),
            C("indicator", "text", "`share_referred_in_by_partner`, `share_referred_out`, `partner_types` (A1); `insight_labour_market`, "
              "`insight_strengths`, `insight_barriers`, `insight_learning` (A2); `positive_outcome`, `positive_outcome_bound_low` (A3); "
              "`sroi_ratio`, `sroi_ratio_low`, `sroi_ratio_high` (A4)",
              label_nl='Indicator', explanation_nl='De indicator die iets zegt over de aanname.'),
            C("value", "float64", "the indicator's value: a share (0–1), the number of partner types, or an SROI ratio; null when it "
              "cannot be computed", nullable=True,
              label_nl='Waarde', explanation_nl='De waarde: een aandeel (in de publicatie alleen de aandelen, berekend op de verstoorde aantallen).'),
            C("n", "int64", "the people or trajectories behind the value: the share's denominator; for `partner_types` the trajectories "
              "with a partner (inflow via a partner or a referral) in the year; for the SROI rows the responses counted as outcomes",
              label_nl='Aantal (n)', explanation_nl='Het aantal mensen of trajecten achter de waarde (de noemer van het aandeel).'),
            C("ci_low", "float64", "lower end of the Wilson 95 % interval (shares only)", nullable=True,
              label_nl='Ondergrens 95%', explanation_nl='Ondergrens van het 95%-betrouwbaarheidsinterval (alleen bij aandelen).'),
            C("ci_high", "float64", "upper end of the Wilson 95 % interval (shares only)", nullable=True,
              label_nl='Bovengrens 95%', explanation_nl='Bovengrens van het 95%-betrouwbaarheidsinterval (alleen bij aandelen).'),
            C("grade", "text", "`strong`, `moderate`, `weak`, `indications` or `no data` by the rubric (A1 never `strong`)",
              label_nl='Sterkte van het bewijs', explanation_nl="Sterk, matig, zwak, aanwijzingen of geen gegevens, volgens het beoordelingsschema (registratiegegevens over doorverwijzingen nooit 'sterk')."),
            C("grade_reason", "text", "why that grade, in a Dutch sentence with the figures and thresholds behind it (exact figures: "
              "not published)", unpublished="it quotes the exact figures behind the grade",
              label_nl='Reden', explanation_nl='Waarom die beoordeling, met de cijfers en drempels erachter.'),
            C("rubric_version", "text", "version of `evidence/parameters.yaml`",
              label_nl='Versie beoordelingsschema', explanation_nl='De versie van het beoordelingsschema waarmee de rij berekend is.'),
        ),
    ),
    # ---- end of issue 16
    TableFacts(
        "sroi_case_studies", "publication_support", "The study's case 1 reproduced from the parameter file.",
        key=("case", "item"), scanned_for_personal_data=False,
        columns=(
            C("case", "text", "the case of the study"),
            C("item", "text", "a benefit or cost item, `total` or `net_effect_government`"),
            C("benefits", "float64", "benefits for the government, EUR", nullable=True),
            C("costs", "float64", "costs for the government, EUR", nullable=True),
        ),
    ),
    TableFacts(
        "code_labels", "publication_support", "Dutch and French labels of every code of every code list, `unknown` included.",
        key=("code_list", "code"),
        columns=(
            C("code_list", "text", "the code list (MODEL.md), `leerwinkel` included"),
            C("code", "text", "the code"),
            C("label_nl", "text", "Dutch label"),
            C("label_fr", "text", "French label"),
        ),
    ),
    TableFacts(
        "dq_source_files", "quality", "One row per file (and sheet) read in the run.",
        key=("leerwinkel", "file_name", "sheet"),
        columns=(
            _LEERWINKEL_DELIVERY,
            _FILE_NAME,
            _SHEET,
            C("sha256", "text", "SHA-256 of the file"),
            C("modified_time", "datetime", "the file's modification time"),
            C("rows_read", "int64", "rows read"),
            C("rows_loaded", "int64", "rows loaded into the model"),
            C("rows_quarantined", "int64", "rows quarantined (see `dq_quarantine`)"),
            C("rows_duplicate", "int64", "duplicate rows dropped"),
            C("invalid_national_numbers", "int64", "national numbers that failed their check digits"),
            C("values_ignored", "int64", "non-empty cells not used because they hold no value of their kind"),
            C("control_chars_removed", "int64", "control characters removed from the cells when read"),
            C("run_id", "text", "the run that read the file"),
        ),
    ),
    TableFacts(
        "dq_quarantine", "quality", "One row per quarantined source row: the first rule it broke (MODEL.md's order).",
        key=("leerwinkel", "file_name", "sheet", "row_number"),
        columns=(
            _LEERWINKEL_DELIVERY,
            _FILE_NAME,
            _SHEET,
            C("row_number", "int64", "the row in the sheet or file"),
            C("rule", "text", "the quarantine rule"),
            C("column", "text", "the source column the rule is about"),
            C("message", "text", "what is wrong, never a cell's value"),
        ),
    ),
    TableFacts(
        "dq_unmapped_values", "quality", "Labels outside the code mapping (the field became `unknown`).",
        key=("leerwinkel", "column", "value"),
        columns=(
            _LEERWINKEL_DELIVERY,
            C("column", "text", "the model column"),
            C("value", "text", "the label, as it is or masked (DELIVERIES.md)"),
            C("rows", "int64", "rows holding it"),
            C("rows_at", "text", "up to 5 places as `Sheet!row` or `file line n`, then `and N more`"),
        ),
    ),
    TableFacts(
        "dq_deliveries", "quality", "What the delivery guard found per Leerwinkel and file pattern, and its state (DELIVERIES.md).",
        # found on hostile deliveries: a delivery that fails as a whole gives a row without a pattern,
        # and a pattern can have several rows (refused and used files): no column set identifies a row
        no_key_reason="a log of the files found: a failed delivery has a row without a pattern, a pattern can have several files",
        columns=(
            _LEERWINKEL_DELIVERY,
            C("pattern", "text", "the expected file name pattern; null on a row about the delivery as a whole", nullable=True),
            C("file_name", "text", "the file chosen for the pattern; null when missing", nullable=True),
            C("modified_time", "datetime", "its modification time", nullable=True),
            C("status", "text", "the delivery guard's verdict"),
            C("message", "text", "why, never a cell's value", nullable=True),
            C("ignored_sheets", "text", "sheets present but not read", nullable=True),
            C("state", "text", "the state of the delivery"),
            C("missing", "boolean", "no file matches the pattern"),
            C("older_than_limit", "boolean", "the file is older than the freshness limit"),
            C("freshness_limit_days", "int64", "the freshness limit"),
            C("stale", "boolean", "the staged data is stale"),
            C("stale_reason", "text", "why it is stale", nullable=True),
            C("state_reason", "text", "why the state", nullable=True),
            C("data_staged_at", "datetime", "when the data used was staged", nullable=True),
        ),
    ),
    TableFacts(
        "dq_revisions", "quality", "Revisions of published years, with their history (one block of rows per load).",
        key=("run_id", "table_name", "key", "column_name"), scanned_for_personal_data=False,
        columns=(
            C("table_name", "text", "the indicator table"),
            C("leerwinkel", "text", "the row's Leerwinkel (always a year before the as-of year)"),
            C("year", "int64", "the row's year"),
            C("key", "text", "every key column of the row as text, e.g. `leerwinkel=genk, year=2024, dimension=gender, category=female`"),
            C("column_name", "text", "the figure that changed"),
            C("change", "text", "`changed`; `added` (the row is new in this load: `previous_value` null); `removed` (the row is "
              "gone: `new_value` null)"),
            C("previous_value", "float64", "the figure in the previous load (null where the row or the value is absent)", nullable=True),
            C("new_value", "float64", "the figure in this load (null where the row or the value is absent)", nullable=True),
            C("relative_change", "float64", "(new − previous) / \\|previous\\|; null when either is null or the previous value is 0", nullable=True),
            C("run_id", "text", "the run that loaded the new value"),
            C("loaded_at", "datetime_utc", "when it was loaded"),
        ),
    ),
)
# -- issue 20: data-quality scorecard per Leerwinkel (src/leerwinkels/quality/, dq/targets.yaml)
_DQ_MEASURES: tuple[tuple[str, str], ...] = (
    ("missing_gender", "share of its trajectories whose gender is `unknown` or null"),
    ("missing_age", "share of its trajectories without an age at intake (no or an unreadable birth date or year)"),
    ("missing_postcode", "share of its trajectories without a postcode"),
    ("missing_education_level", "share of its trajectories whose education level is `unknown` or null"),
    ("missing_dutch_level", "share of its trajectories whose Dutch level is `unknown` or null"),
    ("missing_labour_status", "share of its trajectories whose labour status is `unknown` or null"),
    ("missing_inflow_channel", "share of its trajectories whose inflow channel is `unknown` or null"),
    ("missing_learning_question", "share of its trajectories whose learning question is `unknown` or null"),
    ("missing_national_number", "share of its trajectories without a valid national number (empty or failing its check digits)"),
    ("quarantine_share", "`rows_quarantined / rows_read` of its current delivery (`dq_source_files`)"),
    ("duplicate_share", "`rows_duplicate / rows_read` of its current delivery"),
    ("unmapped_labels", "labels outside the code mapping (rows of `dq_unmapped_values`)"),
    ("late_contacts_share", "`late_contacts / judged_contacts`: contacts dated more than `late_days` before the first delivery that held them"),
    ("late_closings_share", "`late_closings / judged_closings`: closing dates more than `late_days` before the first delivery that held them"),
    ("forgotten_dossiers_share", "`forgotten_dossiers / open_trajectories`"),
)
_DQ_COUNTS: tuple[tuple[str, str], ...] = (
    ("trajectories", "its trajectories in the model (the denominator of the completeness shares)"),
    ("rows_read", "data rows read from its current delivery"),
    ("rows_quarantined", "rows quarantined"),
    ("rows_duplicate", "duplicate rows dropped"),
    ("judged_contacts", "contacts first seen in a delivery after its first (the first delivery's rows cannot be judged)"),
    ("late_contacts", "judged contacts registered late"),
    ("judged_closings", "closings first seen in a delivery after its first"),
    ("late_closings", "judged closings registered late"),
    ("open_trajectories", "its open trajectories"),
    ("forgotten_dossiers", "open trajectories with no contact (nor intake) in the last `idle_days` before the as-of date"),
)
DQ_SCORECARD = TableFacts(
    "dq_scorecard", "quality",
    "Data quality per Leerwinkel and run against the targets of `dq/targets.yaml`: completeness, quarantine, duplicates, "
    "unmapped labels, timeliness, forgotten dossiers; history kept (one block of rows per run).",
    key=("leerwinkel", "run_id"), scanned_for_personal_data=False,
    columns=(
        C("leerwinkel", "text", "the Leerwinkel", code_list="leerwinkel", with_unknown=False),
        C("run_id", "text", "the run that measured it"),
        C("as_of_date", "date", "the run's as-of date"),
        C("measured_at", "datetime_utc", "when it was measured"),
        C("targets_version", "text", "version of `dq/targets.yaml`"),
        C("late_days", "int64", "a registration more than this many days before its first delivery is late"),
        C("idle_days", "int64", "an open trajectory without contact for more than this many days is probably forgotten"),
        C("status", "text", "the worst status of the measures (`green`, `orange`, `red`); null when none could be taken", nullable=True),
        *(column
          for name, text in _DQ_MEASURES
          for column in (
              C(name, "int64" if name == "unmapped_labels" else "float64",
                text + ("" if name == "unmapped_labels" else "; null when it cannot be taken (the field is not delivered, nothing to divide by)"),
                nullable=name != "unmapped_labels"),
              C(f"{name}_status", "text", f"`{name}` against its target: `green`, `orange` or `red` (null when not taken)", nullable=True),
          )),
        *(C(name, "int64", text) for name, text in _DQ_COUNTS),
    ),
)
CATALOGUE += (DQ_SCORECARD,)

BY_NAME = {t.name: t for t in CATALOGUE}


def names(*, layer: Layer | None = None, published: bool | None = None, in_warehouse: bool | None = None) -> tuple[str, ...]:
    """Table names in catalogue order, filtered on the given facts."""
    return tuple(
        t.name for t in CATALOGUE
        if (layer is None or t.layer == layer)
        and (published is None or t.published == published)
        and (in_warehouse is None or t.in_warehouse == in_warehouse)
    )


MODEL_TABLES = names(layer="model")
PUBLISHED_TABLES = names(published=True)
# the warehouse's order: model, indicators, publication support, quality
WAREHOUSE_TABLES = names(in_warehouse=True)
KEYED_TABLES = {t.name: list(t.key) for t in CATALOGUE if t.key and t.in_warehouse}

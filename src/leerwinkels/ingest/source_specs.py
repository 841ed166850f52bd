"""The declarative source descriptions in ``sources/*.yaml``: a typed model that refuses what it
does not know, and the frozen dataclasses the rest of the pipeline reads.

A typo in a source description used to change results silently (``stoped_flag`` turned stopped
trajectories into completed ones). Every key is now checked against the pydantic model below
(unknown keys and wrong types are refused everywhere, nested mappings included), cross-field
facts are checked after, and pydantic's errors are translated into one line per problem that
names the file, the path of the key and, for a misspelt key, the closest valid one.

``python -m leerwinkels.ingest.source_specs --schema`` writes ``sources/schema.json`` (the JSON Schema of the
model) that editors use to check a description while a steward types.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import json
import os
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from unicodedata import normalize

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from leerwinkels.contract.code_lists import CODE_LISTS, UNKNOWN
from leerwinkels.contract.code_lists import LEERWINKELS as _LEERWINKEL_LIST
from leerwinkels.ingest.parsing import label_key_py
from leerwinkels.project_files import SOURCES_DIR

SCHEMA_FILE = "schema.json"
LEERWINKELS = tuple(_LEERWINKEL_LIST)
NETWORK_FOLDER = "netwerk"
PARTITIONS = (*LEERWINKELS, NETWORK_FOLDER)
ROLES = {"trajectories", "clients", "contacts", "referrals", "contact_rows", "survey", "costs"}
# the roles whose rows carry a trajectory status (roles.trajectories.status_expr)
STATUS_ROLES = ("trajectories", "contact_rows")
# client_id values that are not a mapped field (roles.persons.local_client_id)
CLIENT_ID_RULES = ("trajectory_id", "name_and_birth_year")
# The typed options of a sheet that say how its rows are read (SOURCES.md, "Sheet options").
# Each has a default that follows from the columns, so an older description keeps its meaning;
# sources/*.yaml write them explicitly.
#   postcode_from: where a trajectory's postcode comes from
POSTCODE_FROM = ("postcode", "municipality")
#   contacts_from: where a trajectory sheet's contacts come from
CONTACTS_FROM = ("contact_sheets", "wide_columns", "count_column")
#   current_values: which row of a contact_rows trajectory holds its current fields
CURRENT_VALUES = ("latest_contact",)
# The model fields a sheet of each role can map (keys of `columns`): what src/leerwinkels/ingest/roles/
# reads for that role. A field outside these would be read by nothing: refused, so that a
# misspelt `birth_dat` does not silently drop every birth date. A field that a status_rule
# names (completed_flag, stopped_flag) is allowed besides. Extend these with staging.
_PERSON_FIELDS = ("national_number", "birth_date", "birth_year", "gender", "postcode",
                  "education_level", "dutch_level", "labour_status")
_TRAJECTORY_FIELDS = ("trajectory_id", "closed_date", "status", "inflow_channel", "learning_question", "referrals",
                      *_PERSON_FIELDS, "municipality")
FIELDS_BY_ROLE: dict[str, tuple[str, ...]] = {
    "clients": ("client_id", *_PERSON_FIELDS),
    "trajectories": (*_TRAJECTORY_FIELDS, "intake_date", "client_id", "client_name", "contact_count"),
    "contact_rows": (*_TRAJECTORY_FIELDS, "contact_date", "contact_type", "minutes"),  # intake = first contact
    "contacts": ("trajectory_id", "contact_date", "contact_type", "minutes"),
    "referrals": ("trajectory_id", "referral_date", "destination"),
    "survey": ("leerwinkel_name", "trajectory_id", "response_date", "training_started", "situation", "qualification",
               "insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning", "satisfaction"),
    "costs": ("leerwinkel_name", "year", "staff_cost", "operating_cost", "fte"),
}
# code lists of indicators.CODE_LISTS that are derived, never mapped from a source label
DERIVED_CODE_LISTS = ("leerwinkel", "age_band")


class SourceSpecError(ValueError):
    """A source description in sources/ is inconsistent: one problem per line of the message."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------- what the pipeline reads


@dataclass(frozen=True)
class SheetSpec:
    role: str
    columns: dict[str, str]
    sheet: str | None = None
    sheet_pattern: str | None = None
    header_row: int = 1
    personal: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # source columns holding people's names (personal or mapped)
    client_id: str = "trajectory_id"
    status_rule: dict = field(default_factory=dict)
    referral_list_separator: str | None = None
    closed_date_open_values: tuple[str, ...] = ()
    skip_rows_where: dict | None = None
    wide_contacts: tuple[str, ...] = ()
    wide_referrals: tuple[str, ...] = ()
    minutes_per_unit: float = 1.0
    postcode_from: str = "postcode"  # POSTCODE_FROM
    contacts_from: str | None = None  # CONTACTS_FROM (trajectories sheets only)
    current_values: str | None = None  # CURRENT_VALUES (contact_rows sheets only)

    @property
    def client_by_name_and_birth_year(self) -> bool:
        """The client is recognised by normalised name and birth year (no client number)."""
        return self.client_id == "name_and_birth_year"

    def matches(self, sheet_name: str) -> bool:
        if self.sheet is not None:
            return normalize("NFC", sheet_name).strip() == normalize("NFC", self.sheet).strip()  # NFC: a Mac saves it decomposed
        return re.search(self.sheet_pattern or "", normalize("NFC", sheet_name)) is not None

    @property
    def label(self) -> str:
        return self.sheet or f"/{self.sheet_pattern}/"


@dataclass(frozen=True)
class FileSpec:
    pattern: str
    format: str
    sheets: tuple[SheetSpec, ...]
    encoding: str = "utf-8"
    separator: str = ","
    decimal_comma: bool = False
    excel_serial_dates: bool = False


@dataclass(frozen=True)
class SourceSpec:
    leerwinkel: str
    display_name: str
    folder: str
    files: tuple[FileSpec, ...]
    codes: dict[str, dict]
    path: Path

    def code_map(self, code_list: str) -> dict:
        return self.codes.get(code_list, {})


# ---------------------------------------------------------------- the typed model of the YAML

Text = Annotated[str, Field(strict=True, min_length=1)]
# Literals built from the contract's lists at import: pydantic checks the values; a static type
# checker cannot evaluate them, so it sees plain text
if TYPE_CHECKING:
    Role = str
    StatusCode = str
    Partition = str
    PostcodeFrom = str
    ContactsFrom = str
    CurrentValues = str
else:
    Role = Literal[tuple(sorted(ROLES))]
    StatusCode = Literal[tuple(CODE_LISTS["status"])]
    Partition = Literal[PARTITIONS]
    PostcodeFrom = Literal[POSTCODE_FROM]
    ContactsFrom = Literal[CONTACTS_FROM]
    CurrentValues = Literal[CURRENT_VALUES]


Problem = tuple[tuple, str]  # (location below the model, e.g. ("names", 1); text)


def _problems(*problems: Problem) -> PydanticCustomError:
    """Cross-field problems of one model, expanded into one line each by :func:`_problem_lines`."""
    return PydanticCustomError("spec_problems", "{count} problem(s)", {"count": len(problems), "problems": list(problems)})


# An optional key defaults to None, yet its type has no None: a key written but left empty
# (`status_rule:`) is refused instead of silently meaning the default.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusFromColumn(_Strict):
    """The status is a column mapped through ``codes.status``; where its label is not mapped the
    status is derived from the closed date."""

    column: Text = Field(description="the mapped field (a key of `columns`) holding the status label")
    empty: StatusCode = Field(None, description="the status of a row whose status cell is empty")


class StatusDerived(_Strict):
    """Open until a closed date; then completed, unless a flag column says otherwise."""

    derive: Literal["closed_date"] = Field(description="open while closed_date is empty, else completed")
    completed_flag: Text = Field(None, description="mapped field (codes.flag): closed and not flagged is stopped")
    stopped_flag: Text = Field(None, description="mapped field (codes.flag): closed and flagged is stopped")

    @model_validator(mode="after")
    def _one_flag(self) -> StatusDerived:
        if self.completed_flag is not None and self.stopped_flag is not None:
            raise _problems(((), "give completed_flag or stopped_flag, not both"))
        return self


_STATUS_SHAPES: dict[str, type[_Strict]] = {"column": StatusFromColumn, "derive": StatusDerived}


def _status_shape(raw: Any) -> str | None:
    """The variant of a status_rule: by its defining key (or its class, when serialising)."""
    if isinstance(raw, BaseModel):
        return next(tag for tag, cls in _STATUS_SHAPES.items() if isinstance(raw, cls))
    if not isinstance(raw, dict):
        return None
    shapes = [tag for tag in _STATUS_SHAPES if tag in raw]
    return shapes[0] if len(shapes) == 1 else None


StatusRule = Annotated[
    Annotated[StatusFromColumn, Tag("column")] | Annotated[StatusDerived, Tag("derive")],
    Discriminator(
        _status_shape,
        custom_error_type="status_rule_shape",
        custom_error_message="status_rule must have either 'column' or 'derive'",
    ),
]


class SkipRowsWhere(_Strict):
    """Rows that are not data (a Totaal row): dropped when the field equals the text."""

    column: Text = Field(description="the mapped field (a key of `columns`) to compare")
    equals: Text = Field(description="the label, compared case-insensitively after trimming")


class SheetModel(_Strict):
    role: Role = Field(description="what the rows of this sheet are")
    columns: Annotated[dict[Text, Text], Field(min_length=1)] = Field(description="model field → source header")
    sheet: Text = Field(None, description="the sheet's name (xlsx; or sheet_pattern)")
    sheet_pattern: Text = Field(None, description="regular expression of the sheet names (xlsx; or sheet)")
    header_row: Annotated[int, Field(strict=True, ge=1)] = Field(1, description="the row (1-based) holding the headers")
    personal: list[Text] = Field([], description="source headers of personal columns that are not mapped (dropped at ingest)")
    names: list[Text] = Field([], description="source headers (personal or mapped) holding people's names")
    client_id: Text = Field("trajectory_id", description="who the client is: trajectory_id (one client per trajectory), "
                            "name_and_birth_year (normalised client_name and birth year: no client number), or a mapped field")
    status_rule: StatusRule = Field(None, description="how the trajectory status is found")
    referral_list_separator: Text = Field(None, description="separator of several destinations in one referrals cell")
    closed_date_open_values: list[Text] = Field([], description="closed_date labels that mean 'still open'")
    skip_rows_where: SkipRowsWhere = Field(None, description="rows that are not data rows (a Totaal row)")
    wide_contacts: list[Text] = Field([], description="source headers of contact-date columns (one contact each)")
    wide_referrals: list[Text] = Field([], description="source headers of referral-destination columns")
    minutes_per_unit: Annotated[float, Field(strict=True, gt=0)] = Field(1.0, description="minutes in one unit of the minutes column")
    postcode_from: PostcodeFrom = Field(
        None, description="where the postcode comes from: postcode (the mapped postcode column) or municipality (the mapped "
                          "municipality name through codes.municipality_postcode); default: municipality when only it is mapped")
    contacts_from: ContactsFrom = Field(
        None, description="trajectories sheets: where the contacts come from: contact_sheets (a contacts sheet, one row per "
                          "contact), wide_columns (the dates in wide_contacts) or count_column (the number in the mapped "
                          "contact_count: that many contacts at the intake date, no durations); default as the columns say")
    current_values: CurrentValues = Field(
        None, description="contact_rows sheets: the trajectory's fields (status, closing date, person fields) are those of "
                          "its latest contact by contact date (latest_contact: on equal dates the later row); its intake "
                          "date is the first contact's date")

    @field_validator("sheet_pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise PydanticCustomError("regex", "is not a valid regular expression ({why})", {"why": exc.msg}) from None
        return pattern

    @model_validator(mode="after")
    def _consistent(self) -> SheetModel:
        problems = [*self._field_problems(), *self._status_rule_problems(), *self._skip_problems(),
                    *self._client_id_problems(), *self._name_problems(), *self._option_problems()]
        if self.sheet is not None and self.sheet_pattern is not None:
            problems.append((("sheet_pattern",), "give sheet or sheet_pattern, not both"))
        if problems:
            raise _problems(*problems)
        return self

    def _flag_fields(self) -> list[str]:
        rule = self.status_rule.model_dump(exclude_none=True) if self.status_rule is not None else {}
        return [value for key, value in rule.items() if key.endswith("_flag")]

    def _field_problems(self) -> list[Problem]:
        """Every mapped field is one that staging reads for this role (or a status flag)."""
        known = [*FIELDS_BY_ROLE[self.role], *self._flag_fields()]
        return [(("columns", f), f"{f!r} is not a field of a {self.role} sheet{_did_you_mean(f, known)}")
                for f in self.columns if f not in known]

    def _status_rule_problems(self) -> list[Problem]:
        """A status only on a sheet that has one; the fields it names are mapped."""
        if self.status_rule is None:
            return []
        problems: list[Problem] = []
        if self.role not in STATUS_ROLES:
            problems.append((("status_rule",), f"only a sheet of role {' or '.join(STATUS_ROLES)} has a status (this one is {self.role})"))
        for key, value in self.status_rule.model_dump(exclude_none=True).items():
            if key in ("column", "completed_flag", "stopped_flag") and value not in self.columns:
                problems.append((("status_rule", key), _not_a_field(value, sorted(self.columns))))
        return problems

    def _skip_problems(self) -> list[Problem]:
        """skip_rows_where compares a column staging has: a mapped field or a wide column."""
        if self.skip_rows_where is None:
            return []
        allowed = [*self.columns, *self.wide_contacts, *self.wide_referrals]
        if self.skip_rows_where.column in allowed:
            return []
        return [(("skip_rows_where", "column"), _not_a_field(self.skip_rows_where.column, allowed))]

    def _client_id_problems(self) -> list[Problem]:
        if self.client_id == "name_and_birth_year":
            return [] if "client_name" in self.columns else [(("client_id",), "name_and_birth_year needs the field 'client_name' in columns")]
        if self.client_id in CLIENT_ID_RULES or self.client_id in self.columns:
            return []
        return [(("client_id",), _not_a_field(self.client_id, [*CLIENT_ID_RULES, *self.columns]))]

    def resolved_postcode_from(self) -> str:
        if self.postcode_from is not None:
            return self.postcode_from
        return "municipality" if "municipality" in self.columns and "postcode" not in self.columns else "postcode"

    def resolved_contacts_from(self) -> str | None:
        if self.role != "trajectories":
            return None
        if self.contacts_from is not None:
            return self.contacts_from
        if "contact_count" in self.columns:
            return "count_column"
        return "wide_columns" if self.wide_contacts else "contact_sheets"

    def _option_problems(self) -> list[Problem]:
        """The typed options agree with the role and the columns: an option that would be read
        by nothing, or that says other than the columns, is refused."""
        problems: list[Problem] = []
        if self.postcode_from is not None and self.postcode_from not in self.columns:
            problems.append((("postcode_from",), f"{self.postcode_from} needs the field {self.postcode_from!r} in columns"))
        if self.contacts_from is not None:
            if self.role != "trajectories":
                problems.append((("contacts_from",), f"only a sheet of role trajectories has contacts_from (this one is {self.role})"))
            elif self.contacts_from == "count_column" and "contact_count" not in self.columns:
                problems.append((("contacts_from",), "count_column needs the field 'contact_count' in columns"))
            elif self.contacts_from == "wide_columns" and not self.wide_contacts:
                problems.append((("contacts_from",), "wide_columns needs the contact-date headers in wide_contacts"))
            elif self.contacts_from != "count_column" and "contact_count" in self.columns:
                problems.append((("contacts_from",), f"{self.contacts_from} contradicts the mapped field 'contact_count' "
                                                     "(a count column): give contacts_from: count_column, or drop contact_count"))
            elif self.contacts_from != "wide_columns" and self.wide_contacts:
                problems.append((("contacts_from",), f"{self.contacts_from} contradicts wide_contacts: give contacts_from: wide_columns"))
        if self.current_values is not None and self.role != "contact_rows":
            problems.append((("current_values",), f"only a sheet of role contact_rows has current_values (this one is {self.role})"))
        return problems

    def _name_problems(self) -> list[Problem]:
        """``names`` lists headers whose values hide labels: a header that is neither personal
        nor mapped would hide nothing."""
        known = {_header_key(h): h for h in (*self.personal, *self.columns.values())}
        return [(("names", i), f"{header!r} is neither in personal nor a mapped header{_did_you_mean(header, list(known.values()))}")
                for i, header in enumerate(self.names) if _header_key(header) not in known]


class FileModel(_Strict):
    pattern: Text = Field(description="file name pattern (fnmatch: * and ?) in the Leerwinkel's folder")
    format: Literal["csv", "xlsx"]
    sheets: Annotated[list[SheetModel], Field(min_length=1)] = Field(description="xlsx: one entry per sheet (role); csv: exactly one")
    encoding: Text = Field("utf-8", description="csv: text encoding (utf-8, utf-8-sig, windows-1252, ...)")
    separator: Annotated[str, Field(strict=True, min_length=1, max_length=1)] = Field(",", description="csv: field separator")
    decimal_comma: StrictBool = Field(False, description="numbers are written 1,5")
    excel_serial_dates: StrictBool = Field(False, description="date cells may hold Excel serial day numbers")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise PydanticCustomError("encoding", "is not a text encoding Python knows (e.g. utf-8, windows-1252)") from None
        return encoding

    @field_validator("pattern")
    @classmethod
    def _file_name_only(cls, pattern: str) -> str:
        if "/" in pattern or "\\" in pattern:
            raise PydanticCustomError("pattern", "is matched against file names in the Leerwinkel's folder: no folders")
        return pattern

    @model_validator(mode="after")
    def _sheets_fit_format(self) -> FileModel:
        problems: list[Problem] = []
        if self.format == "csv":
            if len(self.sheets) != 1:
                problems.append((("sheets",), f"a csv file has exactly one sheet entry, got {len(self.sheets)}"))
            problems += [(("sheets", i), "a csv file has no sheets: remove sheet/sheet_pattern")
                         for i, s in enumerate(self.sheets) if s.sheet is not None or s.sheet_pattern is not None]
        else:
            problems += [(("sheets", i), "an xlsx sheet entry needs sheet (its name) or sheet_pattern")
                         for i, s in enumerate(self.sheets) if s.sheet is None and s.sheet_pattern is None]
        if problems:
            raise _problems(*problems)
        return self


def _code_value(codes: list[str]) -> Any:
    return Literal[(*codes, UNKNOWN)]


Label = Text  # a source label as a Leerwinkel writes it (compared case-insensitively after trimming)
_code_list_fields: dict[str, Any] = {
    # ignore[misc]: the value type is built from the code list at import
    name: (dict[Label, _code_value(codes)], Field(None, description=f"source label → {name} code"))  # type: ignore[misc]
    for name, codes in CODE_LISTS.items()
    if name not in DERIVED_CODE_LISTS
}
# the mappings that are not code lists of MODEL.md: what staging reads with code_map(...)
_code_list_fields |= {
    "flag": (dict[Label, StrictBool], Field(None, description="label → true/false (completed_flag, stopped_flag)")),
    "qualification": (dict[Label, StrictBool], Field(None, description="survey answer → true/false")),
    "agreement_scale": (dict[Label, Annotated[int, Field(strict=True, ge=1, le=5)]], Field(None, description="survey answer → 1..5")),
    "municipality_postcode": (dict[Label, Annotated[str, Field(strict=True, pattern=r"^\d{4}$")]],
                              Field(None, description="municipality name → postcode (4 digits, quoted)")),
}


class _CodeMappingsBase(_Strict):
    @model_validator(mode="after")
    def _labels_distinct(self) -> _CodeMappingsBase:
        """Labels are compared trimmed and case-insensitively (parsing.map_code): two labels that
        then are one, with different codes, would leave one of them silently unused."""
        problems: list[Problem] = []
        for name, mapping in self:
            seen: dict[str, str] = {}
            for label, code in (mapping or {}).items():
                first = seen.setdefault(label_key_py(label), label)
                if first != label and mapping[first] != code:
                    problems.append(((name, label), f"is the label {first!r} (case and spaces do not count) with another code"))
        if problems:
            raise _problems(*problems)
        return self


if TYPE_CHECKING:  # a model built at import from the code lists: to a type checker, its base
    CodeMappings = _CodeMappingsBase
else:
    CodeMappings = create_model("CodeMappings", __base__=_CodeMappingsBase, __doc__="Per code list: source label → code.", **_code_list_fields)


class SourceModel(_Strict):
    """One Leerwinkel's (or the network's) deliveries: files, sheets, columns and code mappings."""

    model_config = ConfigDict(title="Leerwinkels source description")

    leerwinkel: Partition = Field(description="the Leerwinkel code (or netwerk)")
    display_name: Text = Field(description="the name as the survey and cost files write it")
    folder: Text = Field(description="the Leerwinkel's folder in the landing folder")
    files: Annotated[list[FileModel], Field(min_length=1)]
    codes: CodeMappings = Field(default_factory=CodeMappings)

    @model_validator(mode="after")
    def _status_codes_given(self) -> SourceModel:
        """A status read through a code list needs that list: without codes.flag every closed
        trajectory of a completed_flag sheet would count as stopped."""
        problems = []
        for i, file in enumerate(self.files):
            for j, sheet in enumerate(file.sheets):
                needed = (["flag"] if sheet._flag_fields() else []) + (["status"] if isinstance(sheet.status_rule, StatusFromColumn) else [])
                problems += [(("files", i, "sheets", j, "status_rule"), f"needs the code list codes.{name}")
                             for name in needed if getattr(self.codes, name) is None]
        if problems:
            raise _problems(*problems)
        return self


def _header_key(header: str) -> str:
    # as readers.normalise_header compares headers (not imported: readers imports this module)
    return re.sub(r"\s+", " ", header).strip().lower()


def _did_you_mean(word: str, choices: list[str]) -> str:
    by_lower = {str(c).lower(): str(c) for c in choices}  # 'CSV' is close to 'csv'
    close = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def _not_a_field(value: str, fields: list[str]) -> str:
    return f"{value!r} is not a key of columns{_did_you_mean(value, fields)}"


# ---------------------------------------------------------------- pydantic errors → lines


_EXPECTED = {
    "string_type": "text", "int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)", "list_type": "a list",
}


def _yaml_kind(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping", type(None): "nothing"}
    return kinds.get(type(value), type(value).__name__)


def _strip(tp: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        if typing.get_origin(tp) is Annotated:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) in (Union, types.UnionType) and type(None) in typing.get_args(tp):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007 - a Union built at run time
        else:
            return tp


def _walk(loc: tuple) -> tuple[list, type[BaseModel] | None]:
    """The location without pydantic's union tags, and the model holding its last key."""
    tp: Any = SourceModel
    visible, holder = [], None
    for part in loc:
        tp = _strip(tp)
        if typing.get_origin(tp) is Union and part in _STATUS_SHAPES:
            tp = _STATUS_SHAPES[part]
            continue
        visible.append(part)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            holder = tp
            info = tp.model_fields.get(part) if isinstance(part, str) else None
            tp = info.annotation if info else None
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            tp = None
    return visible, holder


def _path(parts: list) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def _describe(error: Mapping[str, Any], parts: list, holder: type[BaseModel] | None) -> list[tuple[list, str]]:
    """(location, text) lines for one pydantic error."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "extra_forbidden":
        valid = list(holder.model_fields) if holder else []
        hint = _did_you_mean(parts[-1], valid) or (f" (allowed: {', '.join(valid)})" if valid else "")
        return [(parts[:-1], f"unknown key {parts[-1]!r}{hint}")]
    if kind == "missing":
        return [(parts[:-1], f"missing required key {parts[-1]!r}")]
    if parts and parts[-1] == "[key]":
        quote = " (YAML reads yes/no/on/off/true/false unquoted as true/false)" if isinstance(value, bool) else ""
        return [(parts[:-2], f"the key {value!r} must be text: put it in quotes{quote}")]
    if kind == "spec_problems":
        return [([*parts, *sub], text) for sub, text in ctx["problems"]]
    if kind == "status_rule_shape":
        return [(parts, _status_shape_problem(value))]
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        quote = " (YAML reads yes/no/on/off/true/false unquoted as true/false: put it in quotes)" if isinstance(value, bool) else ""
        return [(parts, f"{value!r} is not one of {', '.join(allowed)}{_did_you_mean(str(value), allowed)}{quote}")]
    if kind in _EXPECTED:
        quote = " (put it in quotes)" if kind == "string_type" and isinstance(value, (bool, int, float)) else ""
        return [(parts, f"expected {_EXPECTED[kind]}, got {_yaml_kind(value)}{quote}")]
    if kind in ("too_short", "string_too_short"):
        return [(parts, "must not be empty")]
    if kind == "string_too_long":
        return [(parts, f"must be at most {ctx.get('max_length')} character(s)")]
    if kind == "string_pattern_mismatch":
        return [(parts, f"{value!r} must match {ctx.get('pattern')}")]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than", "less_than_equal": "at most"}
        bound = next(iter(ctx.values()), "")
        return [(parts, f"must be {words[kind]} {bound}")]
    return [(parts, error["msg"])]  # our own custom errors (regex, encoding, pattern)


def _status_shape_problem(value: Any) -> str:
    shapes = "either {column: <field>, empty: <status>} (status read from a column) or {derive: closed_date} with optionally completed_flag or stopped_flag"
    if not isinstance(value, dict):
        return f"expected a mapping, got {_yaml_kind(value)}: {shapes}"
    if all(tag in value for tag in _STATUS_SHAPES):
        return f"has both 'column' and 'derive': {shapes}"
    valid = sorted({k for cls in _STATUS_SHAPES.values() for k in cls.model_fields})
    unknown = [f"unknown key {k!r}{_did_you_mean(k, valid)}" for k in value if k not in valid]
    return "; ".join([*unknown, f"needs {shapes}"])


def _line_of(node: yaml.Node | None, parts: list) -> int | None:
    """The line (1-based) of the deepest key of ``parts`` that the YAML has."""
    line = None
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _problem_lines(file_name: str, error: ValidationError, document: yaml.Node | None = None) -> list[str]:
    lines = []
    for e in error.errors(include_url=False):
        parts, holder = _walk(e["loc"])
        for where, text in _describe(e, parts, holder):
            path = _path(where)
            line = _line_of(document, where if e["type"] == "spec_problems" else parts)
            at = f" (line {line})" if line else ""
            lines.append(f"{file_name}: {path}: {text}{at}" if path else f"{file_name}: {text}{at}")
    return lines


# ---------------------------------------------------------------- loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """Refuses a key written twice in one mapping: YAML keeps the last one silently, so a
    second ``status_rule`` or ``columns`` would undo the first without a word."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, typing.Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is written twice in one mapping", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep)


def _read_yaml(path: Path) -> Any:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceSpecError([f"{path.name}: not UTF-8 text at line {line}: save the file as UTF-8"]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or "unreadable"
        raise SourceSpecError([f"{path.name}: not valid YAML{where}: {what}"]) from None


def _to_spec(model: SourceModel, path: Path) -> SourceSpec:
    files = tuple(
        FileSpec(
            pattern=f.pattern, format=f.format, sheets=tuple(_to_sheet(s) for s in f.sheets), encoding=f.encoding,
            separator=f.separator, decimal_comma=f.decimal_comma, excel_serial_dates=f.excel_serial_dates,
        )
        for f in model.files
    )
    codes = model.codes.model_dump(exclude_none=True)
    return SourceSpec(model.leerwinkel, model.display_name, model.folder, files, codes, path)


def _to_sheet(s: SheetModel) -> SheetSpec:
    return SheetSpec(
        role=s.role, columns=dict(s.columns), sheet=s.sheet, sheet_pattern=s.sheet_pattern, header_row=s.header_row,
        personal=tuple(s.personal), names=tuple(s.names), client_id=s.client_id,
        status_rule=s.status_rule.model_dump(exclude_none=True) if s.status_rule else {},
        referral_list_separator=s.referral_list_separator, closed_date_open_values=tuple(s.closed_date_open_values),
        skip_rows_where=s.skip_rows_where.model_dump() if s.skip_rows_where else None,
        wide_contacts=tuple(s.wide_contacts), wide_referrals=tuple(s.wide_referrals), minutes_per_unit=s.minutes_per_unit,
        postcode_from=s.resolved_postcode_from(), contacts_from=s.resolved_contacts_from(),
        current_values=(s.current_values or "latest_contact") if s.role == "contact_rows" else None,
    )


MAX_PROBLEMS = 30  # per file: a list of 1,000 wrong entries is not 1,000 lines on a terminal


def _at_most(lines: list[str], file_name: str) -> list[str]:
    if len(lines) <= MAX_PROBLEMS:
        return lines
    return [*lines[:MAX_PROBLEMS], f"{file_name}: ... and {len(lines) - MAX_PROBLEMS} more problem(s)"]


def load_source_spec(path: Path) -> SourceSpec:
    raw = _read_yaml(path)
    if raw is None:
        raise SourceSpecError([f"{path.name}: is empty: expected the keys {', '.join(SourceModel.model_fields)}"])
    try:
        model = SourceModel.model_validate(raw)
    except ValidationError as exc:
        # parsed again as a node tree (the text parsed once already): the lines of the keys
        document = yaml.compose(path.read_bytes().decode("utf-8"), Loader=yaml.SafeLoader)
        raise SourceSpecError(_at_most(_problem_lines(path.name, exc, document), path.name)) from None
    return _to_spec(model, path)


def sources_dir() -> Path:
    return Path(os.environ.get("LEERWINKELS_SOURCE_SPECS", SOURCES_DIR))


@lru_cache(maxsize=8)
def _load_all(directory: str) -> dict[str, SourceSpec]:
    specs: dict[str, SourceSpec] = {}
    problems: list[str] = []
    refused: set[str] = set()
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            spec = load_source_spec(path)
        except SourceSpecError as exc:  # every file's problems in one message
            problems += exc.problems
            refused.add(path.stem)  # not reported missing as well
            continue
        problems += _clash_problems(spec, specs.values())
        specs.setdefault(spec.leerwinkel, spec)
    missing = set(PARTITIONS) - set(specs) - refused
    if missing:
        problems.append(f"{directory}: no source description for {sorted(missing)}")
    if problems:
        raise SourceSpecError(problems)
    return specs


def _clash_problems(spec: SourceSpec, earlier) -> list[str]:
    """A Leerwinkel described twice, or two sharing a display name (the survey and cost rows
    of one would be counted for the other)."""
    problems = []
    for other in earlier:
        if other.leerwinkel == spec.leerwinkel:
            problems.append(f"{spec.path.name}: leerwinkel {spec.leerwinkel!r} is already described by {other.path.name}")
        elif _header_key(other.display_name) == _header_key(spec.display_name):
            problems.append(f"{spec.path.name}: display_name {spec.display_name!r} is also the display_name in {other.path.name}")
    return problems


def all_specs() -> dict[str, SourceSpec]:
    return _load_all(str(sources_dir()))


def display_names() -> dict[str, str]:
    """Leerwinkel display name (as the survey and cost file write it) → code."""
    return {spec.display_name: code for code, spec in all_specs().items() if code in LEERWINKELS}


# ---------------------------------------------------------------- JSON Schema for editors


def json_schema() -> dict:
    """The JSON Schema of a source description (sources/schema.json)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **SourceModel.model_json_schema()}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leerwinkels.ingest.source_specs", description="Check sources/*.yaml, or write their JSON Schema.")
    parser.add_argument("--schema", action="store_true", help=f"write {SCHEMA_FILE} into the sources folder")
    args = parser.parse_args(argv)
    if args.schema:
        target = SOURCES_DIR / SCHEMA_FILE
        target.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    try:
        specs = all_specs()
    except SourceSpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(specs)} source descriptions in {sources_dir()} are valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())

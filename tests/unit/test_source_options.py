"""The typed options of a sheet in sources/*.yaml (postcode_from, contacts_from, current_values,
client_id: name_and_birth_year): each does what it says on a tiny source staged for real, and
an option that contradicts the role or the columns is refused with a line naming the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from leerwinkels.ingest.source_specs import SourceSpecError, load_source_spec
from leerwinkels.ingest.staging import stage_source
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from tests.conftest import AS_OF, TEST_KEY

HEAD = """leerwinkel: genk
display_name: Leerwinkel Proef
folder: genk
files:
  - pattern: "proef_*.csv"
    format: csv
    sheets:
      - role: {role}
        columns:
{columns}
{options}
codes:
  gender: {{M: male, V: female}}
  status: {{afgesloten: completed, lopend: open}}
  municipality_postcode: {{Genk: "3600", Hasselt: "3500"}}
"""


def _description(folder: Path, role: str, columns: dict[str, str], options: str = "") -> Path:
    lines = "\n".join(f"          {field}: {header}" for field, header in columns.items())
    indented = "\n".join(f"        {line}" for line in options.strip().splitlines())
    path = folder / "genk.yaml"
    path.write_text(HEAD.format(role=role, columns=lines, options=indented), encoding="utf-8")
    return path


def _stage(tmp_path: Path, description: Path, rows: list[str]) -> dict[str, pl.DataFrame]:
    landing = tmp_path / "landing"
    (landing / "genk").mkdir(parents=True)
    (landing / "genk" / "proef_20261120.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = load_source_spec(description)
    return stage_source(spec, landing, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")


TRAJECTORY = {"trajectory_id": "nr", "intake_date": "intake", "closed_date": "einde", "birth_year": "jaar"}


def test_contacts_from_count_column_counts_that_many_contacts_at_the_intake_date(tmp_path):
    description = _description(tmp_path, "trajectories", {**TRAJECTORY, "contact_count": "gesprekken"}, "contacts_from: count_column")
    staged = _stage(tmp_path, description, ["nr,intake,einde,jaar,gesprekken", "T1,2026-03-02,,1980,4", "T2,2026-04-01,,1990,"])
    trajectories = staged["trajectories"].sort("intake_date")
    assert trajectories["contacts"].to_list() == [4, 0]
    assert trajectories["guidance_minutes"].to_list() == [None, None]
    events = staged["contact_events"].sort("event_date")
    assert events["event_date"].to_list() == [date(2026, 3, 2), date(2026, 4, 1)] and events["contacts"].to_list() == [4, 0]


def test_postcode_from_municipality_maps_the_municipality_name(tmp_path):
    description = _description(tmp_path, "trajectories", {**TRAJECTORY, "municipality": "gemeente"}, "postcode_from: municipality")
    staged = _stage(tmp_path, description, ["nr,intake,einde,jaar,gemeente", "T1,2026-03-02,,1980,genk ", "T2,2026-04-01,,1990,Hasselt"])
    assert staged["trajectories"].sort("intake_date")["postcode"].to_list() == ["3600", "3500"]


def test_postcode_from_defaults_to_municipality_when_only_it_is_mapped():
    from leerwinkels.ingest.source_specs import all_specs

    assert all_specs()["mechelen"].files[0].sheets[0].postcode_from == "municipality"
    assert all_specs()["genk"].files[0].sheets[0].postcode_from == "postcode"


def test_current_values_latest_contact_takes_the_latest_contact_by_date_not_by_row(tmp_path):
    columns = {"trajectory_id": "dossier", "contact_date": "datum", "status": "status", "closed_date": "afgesloten_op", "birth_year": "jaar",
               "contact_type": "soort", "minutes": "minuten", "referrals": "verwijzing",
               "national_number": "rrn"}
    description = _description(tmp_path, "contact_rows", columns, "status_rule: {column: status}\ncurrent_values: latest_contact")
    # the closing row is written first, but its contact is the latest: it holds the current values
    staged = _stage(tmp_path, description, [
        "dossier,datum,status,afgesloten_op,jaar,soort,minuten,verwijzing,rrn",
        "D1,2026-05-10,afgesloten,2026-05-10,1980,,30,,",
        "D1,2026-02-01,lopend,,1980,,30,,",
        "D1,2026-03-15,lopend,,1980,,30,,",
    ])
    trajectory = staged["trajectories"].row(0, named=True)
    assert staged["trajectories"].height == 1
    assert trajectory["status"] == "completed" and trajectory["closed_date"] == date(2026, 5, 10)
    assert trajectory["intake_date"] == date(2026, 2, 1) and trajectory["contacts"] == 3


def test_client_by_name_and_birth_year_recognises_one_person_across_trajectories(tmp_path):
    columns = {**TRAJECTORY, "client_name": "klant"}
    description = _description(tmp_path, "trajectories", columns, "client_id: name_and_birth_year\npersonal: []\nnames: [klant]")
    staged = _stage(tmp_path, description, [
        "nr,intake,einde,jaar,klant",
        "T1,2026-01-05,,1980,Jan  Peeters",
        "T2,2026-06-01,,1980,jan peéters",  # the same person: case, accents and spaces do not count
        "T3,2026-06-02,,1981,Jan Peeters",  # another birth year: another person
    ])
    keys = staged["trajectories"].sort("intake_date")["client_key"].to_list()
    assert keys[0] == keys[1] and keys[2] != keys[0]
    assert "Peeters" not in str(staged["trajectories"].to_dicts())


@pytest.mark.parametrize(("role", "columns", "options", "expected"), [
    ("trajectories", TRAJECTORY, "contacts_from: count_column", "count_column needs the field 'contact_count' in columns"),
    ("trajectories", TRAJECTORY, "contacts_from: wide_columns", "wide_columns needs the contact-date headers in wide_contacts"),
    ("trajectories", {**TRAJECTORY, "contact_count": "n"}, "contacts_from: contact_sheets", "contradicts the mapped field 'contact_count'"),
    ("trajectories", TRAJECTORY, "wide_contacts: [C1]\ncontacts_from: contact_sheets", "contradicts wide_contacts"),
    ("contacts", {"trajectory_id": "nr", "contact_date": "datum"}, "contacts_from: contact_sheets", "only a sheet of role trajectories has contacts_from"),
    ("trajectories", TRAJECTORY, "current_values: latest_contact", "only a sheet of role contact_rows has current_values"),
    ("trajectories", TRAJECTORY, "postcode_from: municipality", "municipality needs the field 'municipality' in columns"),
    ("trajectories", TRAJECTORY, "contacts_from: per_row", "contacts_from"),
    ("trajectories", TRAJECTORY, "latest_row_wins: true", "latest_row_wins"),
])
def test_an_unknown_or_contradictory_option_is_refused_naming_the_file(tmp_path, role, columns, options, expected):
    description = _description(tmp_path, role, columns, options)
    with pytest.raises(SourceSpecError) as caught:
        load_source_spec(description)
    message = str(caught.value)
    assert expected in message, message
    assert all(line.startswith("genk.yaml: ") for line in message.splitlines()), message
    assert "Traceback" not in message and "pydantic" not in message

"""The source descriptions in sources/*.yaml: every one validates, and a steward's typo is refused
at load with a line naming the file, the key's path (and line) and what to write instead."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from leerwinkels.cli import main
from leerwinkels.ingest.source_specs import (
    FIELDS_BY_ROLE,
    MAX_PROBLEMS,
    PARTITIONS,
    ROLES,
    SCHEMA_FILE,
    SOURCES_DIR,
    FileSpec,
    SheetSpec,
    SourceSpec,
    SourceSpecError,
    all_specs,
    load_source_spec,
    schema_text,
)
from tests.conftest import SAMPLES

YAMLS = sorted(SOURCES_DIR.glob("*.yaml"))


@pytest.fixture
def specs_dir(tmp_path) -> Path:
    """A private copy of sources/ that a test may break."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> Path:
    """Replace text in one description as a steward would type it; the text must be there."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(SourceSpecError) as caught:
        load_source_spec(path)
    message = str(caught.value)
    assert "Traceback" not in message and "pydantic" not in message and "validation error" not in message
    assert all(line.startswith(f"{path.name}: ") for line in message.splitlines()), message
    return message


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# ---------------------------------------------------------------- the committed descriptions


@pytest.mark.parametrize("path", YAMLS, ids=[p.name for p in YAMLS])
def test_every_source_description_validates(path):
    spec = load_source_spec(path)
    assert isinstance(spec, SourceSpec) and spec.path == path
    assert all(isinstance(f, FileSpec) and all(isinstance(s, SheetSpec) for s in f.sheets) for f in spec.files)
    assert all(s.role in ROLES for f in spec.files for s in f.sheets)


def test_the_descriptions_cover_every_partition_once():
    assert sorted(spec.leerwinkel for spec in map(load_source_spec, YAMLS)) == sorted(PARTITIONS)
    assert set(all_specs()) == set(PARTITIONS)


def test_loaded_descriptions_keep_the_shapes_staging_reads():
    """status_rule and skip_rows_where stay plain mappings of the keys written; lists become tuples."""
    leuven = load_source_spec(SOURCES_DIR / "leuven.yaml").files[0].sheets[0]
    assert leuven.status_rule == {"derive": "closed_date", "stopped_flag": "stopped_flag"}
    assert isinstance(leuven.wide_contacts, tuple) and isinstance(leuven.personal, tuple)
    mechelen = load_source_spec(SOURCES_DIR / "mechelen.yaml").files[0].sheets[0]
    assert mechelen.skip_rows_where == {"column": "trajectory_id", "equals": "Totaal"}
    genk = load_source_spec(SOURCES_DIR / "genk.yaml")
    assert genk.files[0].sheets[0].status_rule == {"column": "status", "empty": "open"}
    assert genk.code_map("gender") == {"Man": "male", "Vrouw": "female", "X": "x"}
    assert genk.files[1].sheets[0].minutes_per_unit == 60


def test_every_role_has_its_fields():
    assert set(FIELDS_BY_ROLE) == ROLES


@pytest.mark.parametrize("path", YAMLS, ids=[p.name for p in YAMLS])
def test_every_description_points_editors_at_the_schema(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_FILE}"


def test_the_committed_schema_is_the_generated_one():
    committed = (SOURCES_DIR / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(), "sources/schema.json is stale: run `uv run python -m leerwinkels.ingest.source_specs --schema`"


def test_the_schema_refuses_unknown_keys_in_every_object():
    """So that an editor underlines `stoped_flag` as the steward types it."""
    schema = json.loads((SOURCES_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))
    objects = [schema, *schema["$defs"].values()]
    assert all(o.get("additionalProperties") is False for o in objects if "properties" in o)
    assert "stopped_flag" in schema["$defs"]["StatusDerived"]["properties"]


# ---------------------------------------------------------------- typos refused at load


def test_a_misspelt_status_flag_is_refused_naming_file_key_and_suggestion(specs_dir):
    path = _edit(specs_dir, "leuven.yaml", "stopped_flag: stopped_flag}", "stoped_flag: stopped_flag}")
    message = _refusal(path)
    line = _line_of(path, "stoped_flag")
    assert message == (
        f"leuven.yaml: files[0].sheets[0].status_rule: unknown key 'stoped_flag' (did you mean 'stopped_flag'?) (line {line})"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("header_row: 1\n        columns:\n          trajectory_id: \"Dossiernr / N° dossier\"\n          national",
         "header_row: \"two\"\n        columns:\n          trajectory_id: \"Dossiernr / N° dossier\"\n          national",
         "brussel.yaml: files[0].sheets[0].header_row: expected a whole number, got text"),
        ("        columns:\n          trajectory_id: \"Dossiernr / N° dossier\"\n          contact_date",
         "        columns: [a, b]\n        unused:\n          trajectory_id: \"Dossiernr / N° dossier\"\n          contact_date",
         "brussel.yaml: files[0].sheets[1].columns: expected a mapping (key: value), got a list"),
        ("    format: xlsx", "    format: [xlsx]", "brussel.yaml: files[0].format: [\'xlsx\'] is not one of csv, xlsx"),
        ("    format: xlsx", "    format: XLSX", "brussel.yaml: files[0].format: 'XLSX' is not one of csv, xlsx (did you mean 'xlsx'?)"),
    ],
    ids=["header_row-text", "columns-list", "format-list", "format-case"],
)
def test_a_wrong_type_is_refused_naming_the_key_and_the_expected_type(specs_dir, old, new, expected):
    message = _refusal(_edit(specs_dir, "brussel.yaml", old, new))
    assert expected in message


def test_a_typo_inside_skip_rows_where_is_refused_at_load_not_at_run_time(specs_dir):
    path = _edit(specs_dir, "mechelen.yaml", "{column: trajectory_id, equals: Totaal}", "{colum: trajectory_id, equals: Totaal}")
    message = _refusal(path)
    assert "mechelen.yaml: files[0].sheets[0].skip_rows_where: unknown key 'colum' (did you mean 'column'?)" in message
    # a field that is not mapped would be a KeyError when the sheet is staged
    path = _edit(specs_dir, "mechelen.yaml", "{colum: trajectory_id,", "{column: trajectory,")
    assert "skip_rows_where.column: 'trajectory' is not a key of columns (did you mean 'trajectory_id'?)" in _refusal(path)


def test_an_unknown_role_is_refused_with_the_roles(specs_dir):
    message = _refusal(_edit(specs_dir, "west_vlaanderen.yaml", "role: referrals", "role: referral"))
    assert "west_vlaanderen.yaml: files[0].sheets[3].role: 'referral' is not one of" in message
    assert "(did you mean 'referrals'?)" in message


def test_a_sheet_pattern_that_does_not_compile_is_refused(specs_dir):
    message = _refusal(_edit(specs_dir, "mechelen.yaml", 'sheet_pattern: "^\\\\s*\\\\d{4}\\\\s*$"', 'sheet_pattern: "^(\\\\d{4}"'))
    assert "mechelen.yaml: files[0].sheets[0].sheet_pattern: is not a valid regular expression" in message


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("leuven.yaml", "{derive: closed_date, stopped_flag: stopped_flag}", "{derive: closed_date, stopped_flag: stoppedflag}",
         "status_rule.stopped_flag: 'stoppedflag' is not a key of columns (did you mean 'stopped_flag'?)"),
        ("gent.yaml", "status_rule: {column: status}", "status_rule: {colum: status}",
         "status_rule: unknown key 'colum' (did you mean 'column'?)"),
        ("gent.yaml", "status_rule: {column: status}", "status_rule: {column: status, derive: closed_date}",
         "status_rule: has both 'column' and 'derive'"),
        ("genk.yaml", "{column: status, empty: open}", "{column: status, empty: opn}",
         "status_rule.empty: 'opn' is not one of open, completed, stopped (did you mean 'open'?)"),
        ("west_vlaanderen.yaml", "completed_flag: completed_flag}", "completed_flag: completed_flag, stopped_flag: completed_flag}",
         "files[0].sheets[1].status_rule: give completed_flag or stopped_flag, not both"),
    ],
    ids=["flag-field", "shape-typo", "two-shapes", "empty-status", "two-flags"],
)
def test_each_status_rule_shape_is_checked(specs_dir, name, old, new, expected):
    assert expected in _refusal(_edit(specs_dir, name, old, new))


def test_a_mapped_field_must_be_one_the_role_reads(specs_dir):
    message = _refusal(_edit(specs_dir, "brussel.yaml", "          birth_date: ", "          birth_dat: "))
    assert "brussel.yaml: files[0].sheets[0].columns.birth_dat: 'birth_dat' is not a field of a trajectories sheet (did you mean 'birth_date'?)" in message
    # staging reads no municipality on a client sheet: it would be dropped without a word
    message = _refusal(_edit(specs_dir, "west_vlaanderen.yaml", "          postcode: postcode\n", "          municipality: woonplaats\n"))
    assert "files[0].sheets[0].columns.municipality: 'municipality' is not a field of a clients sheet" in message


def test_a_status_rule_needs_the_code_list_it_reads(specs_dir):
    """Without codes.flag every closed West-Vlaanderen trajectory would count as stopped."""
    message = _refusal(_edit(specs_dir, "west_vlaanderen.yaml", "  flag: {ja: true, x: true, nee: false}\n", ""))
    assert "west_vlaanderen.yaml: files[0].sheets[1].status_rule: needs the code list codes.flag" in message


def test_code_values_must_belong_to_the_code_list(specs_dir):
    message = _refusal(_edit(specs_dir, "brussel.yaml", "V: female", "V: femal"))
    assert "brussel.yaml: codes.gender.V: 'femal' is not one of female, male, x, unknown (did you mean 'female'?)" in message
    message = _refusal(_edit(specs_dir, "brussel.yaml", "  gender: {", "  gendre: {"))
    assert "brussel.yaml: codes: unknown key 'gendre' (did you mean 'gender'?)" in message


def test_two_labels_that_compare_equal_with_different_codes_are_refused(specs_dir):
    message = _refusal(_edit(specs_dir, "leuven.yaml", "flag: {ja: true, x: true, nee: false}", "flag: {ja: true, x: true, nee: false, \" Ja\": false, X: true}"))
    assert message.splitlines()[0].startswith("leuven.yaml: codes.flag[' Ja']: is the label 'ja' (case and spaces do not count) with another code")
    assert len(message.splitlines()) == 1  # the same code twice is harmless


def test_an_unquoted_yes_in_a_code_mapping_says_to_quote_it(specs_dir):
    message = _refusal(_edit(specs_dir, "netwerk.yaml", 'Ja: "yes"', "Ja: yes"))
    assert "netwerk.yaml: codes.training_started.Ja: True is not one of yes, no, enrolled, unknown" in message
    assert "put it in quotes" in message


def test_names_must_be_personal_or_mapped_headers(specs_dir):
    message = _refusal(_edit(specs_dir, "genk.yaml", "names: [Naam]", "names: [Naam, Voornaam]"))
    assert "genk.yaml: files[0].sheets[0].names[1]: 'Voornaam' is neither in personal nor a mapped header" in message


def test_an_xlsx_sheet_needs_a_sheet_name_and_csv_has_none(specs_dir):
    assert "files[0].sheets[0]: an xlsx sheet entry needs sheet" in _refusal(_edit(specs_dir, "leuven.yaml", "      - sheet: Dossiers\n        role", "      - role"))
    assert "files[0].sheets[0]: a csv file has no sheets" in _refusal(_edit(specs_dir, "gent.yaml", "      - role: contact_rows", "      - sheet: x\n        role: contact_rows"))


def test_every_problem_of_a_file_is_one_line(specs_dir):
    _edit(specs_dir, "leuven.yaml", "header_row: 1", "header_rows: 1")
    path = _edit(specs_dir, "leuven.yaml", "    format: xlsx", "    format: xls")
    lines = _refusal(path).splitlines()
    assert len(lines) == 2
    assert any("unknown key 'header_rows' (did you mean 'header_row'?)" in line for line in lines)
    assert any("files[0].format: 'xls' is not one of csv, xlsx (did you mean 'xlsx'?)" in line for line in lines)


def test_a_flood_of_problems_is_cut_short(specs_dir):
    many = ", ".join(str(i) for i in range(MAX_PROBLEMS + 5))
    lines = _refusal(_edit(specs_dir, "genk.yaml", "personal: [Naam, Gemeente]", f"personal: [{many}]")).splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[0].startswith("genk.yaml: files[0].sheets[0].personal[0]: expected text, got a number (put it in quotes)")
    assert lines[-1] == "genk.yaml: ... and 5 more problem(s)"


def test_not_valid_yaml_names_the_file_and_the_line(specs_dir):
    path = _edit(specs_dir, "genk.yaml", "separator: \";\"\n    decimal_comma: true\n    sheets:", "separator: \";\"\n    decimal_comma: [true\n    sheets:")
    message = _refusal(path)
    assert message.startswith("genk.yaml: not valid YAML at line ")
    # the unclosed list runs on until the key on the next line
    assert f"at line {_line_of(path, 'sheets:')}, column 11: expected ',' or ']'" in message


def test_a_description_saved_in_another_encoding_names_the_line(specs_dir):
    path = specs_dir / "genk.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("windows-1252"))
    assert _refusal(path) == f"genk.yaml: not UTF-8 text at line {_line_of(SOURCES_DIR / 'genk.yaml', 'heroriëntering')}: save the file as UTF-8"


def test_a_key_written_twice_is_refused_with_its_line(specs_dir):
    path = _edit(specs_dir, "leuven.yaml", "        client_id: trajectory_id\n", "        client_id: trajectory_id\n        names: [Notities]\n")
    assert _refusal(path) == f"leuven.yaml: not valid YAML at line {_line_of(path, 'names: [Notities]')}, column 9: the key 'names' is written twice in one mapping"


def test_all_specs_reports_every_bad_file_and_no_false_missing(specs_dir, monkeypatch):
    _edit(specs_dir, "leuven.yaml", "stopped_flag: stopped_flag}", "stoped_flag: stopped_flag}")
    _edit(specs_dir, "genk.yaml", "display_name:", "display_nam:")
    monkeypatch.setenv("LEERWINKELS_SOURCE_SPECS", str(specs_dir))
    with pytest.raises(SourceSpecError) as caught:
        all_specs()
    message = str(caught.value)
    assert "genk.yaml: unknown key 'display_nam' (did you mean 'display_name'?)" in message
    assert "leuven.yaml: files[0].sheets[0].status_rule: unknown key 'stoped_flag'" in message
    assert "no source description" not in message


def test_a_leerwinkel_described_twice_or_a_shared_display_name_is_refused(specs_dir, monkeypatch):
    shutil.copy(specs_dir / "genk.yaml", specs_dir / "genk_copy.yaml")
    _edit(specs_dir, "leuven.yaml", "display_name: Leerwinkel Leuven", "display_name: Leerwinkel  genk")
    monkeypatch.setenv("LEERWINKELS_SOURCE_SPECS", str(specs_dir))
    with pytest.raises(SourceSpecError) as caught:
        all_specs()
    assert "genk_copy.yaml: leerwinkel 'genk' is already described by genk.yaml" in str(caught.value)
    assert "leuven.yaml: display_name 'Leerwinkel  genk' is also the display_name in genk.yaml" in str(caught.value)


# ---------------------------------------------------------------- the command


def test_consolidate_refuses_a_bad_source_description_readably(specs_dir, tmp_path, monkeypatch, capsys):
    _edit(specs_dir, "leuven.yaml", "stopped_flag: stopped_flag}", "stoped_flag: stopped_flag}")
    monkeypatch.setenv("LEERWINKELS_SOURCE_SPECS", str(specs_dir))
    database = tmp_path / "w.sqlite"
    code = main(["consolidate", "--sources", str(SAMPLES / "landing"), "--database", f"sqlite:///{database}",
                 "--staging", str(tmp_path / "s"), "--publication", str(tmp_path / "p")])
    out = capsys.readouterr()
    assert code != 0
    assert "leuven.yaml: files[0].sheets[0].status_rule: unknown key 'stoped_flag' (did you mean 'stopped_flag'?)" in out.err
    assert "Traceback" not in out.out + out.err
    assert not database.exists() and not (tmp_path / "p").exists()

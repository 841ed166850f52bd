"""The demo generator's labels (tools/demo-data, leerwinkels_demo) map through sources/*.yaml to
the codes it meant, read with the pipeline's own spec parsing and label mapping; and a label
changed in a YAML file changes the demo data with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from leerwinkels.contract.code_lists import CODE_LISTS, LEERWINKELS, UNKNOWN
from leerwinkels.ingest import parsing
from leerwinkels.ingest.source_specs import SourceSpec, load_source_spec
from leerwinkels.project_files import SOURCES_DIR
from leerwinkels_demo import code_tables as g
from leerwinkels_demo import sources

SPECS: dict[str, SourceSpec] = {path.stem: load_source_spec(path) for path in sorted(Path(SOURCES_DIR).glob("*.yaml"))}

# the generator's label tables per Leerwinkel, and the code list each is indexed by
PER_LEERWINKEL = {
    "education_level": g.EDU,
    "dutch_level": g.DUTCH,
    "labour_status": g.LABOUR,
    "inflow_channel": g.INFLOW,
    "learning_question": g.QUESTION,
    "gender": g.GENDER,
    "destination": g.DEST,
    "contact_type": g.CTYPE,
}
# (source, code list, label table indexed like the code list)
SINGLE = [
    ("brussel", "status", g.BR_STATUS),
    ("gent", "status", g.GE_STATUS),
    ("netwerk", "training_started", g.TRAINING_STARTED),
    ("netwerk", "situation", g.SITUATION),
]


class _Variant:
    """Stands in for the generator's random source in ``label_variant``: always draws variant ``k``."""

    def __init__(self, k: int):
        self.k = k

    def randrange(self, n: int) -> int:
        return self.k % n


def _mapped(source: str, code_list: str, labels: list[str]) -> list[object]:
    """The codes the pipeline reads for ``labels`` (parsing.map_code, as staging does)."""
    mapping = SPECS[source].code_map(code_list)
    frame = pl.DataFrame({"label": labels}, schema={"label": pl.String})
    return frame.select(parsing.map_code(pl.col("label"), mapping)).to_series().to_list()


def _written(entry) -> list[str]:
    """Every text the generator may write for one table entry: each label and its stray-space/capital variants."""
    labels = [] if entry is None else list(entry) if isinstance(entry, tuple) else [entry]
    return [v for label in labels for v in [label, *(g.label_variant(_Variant(k), label) for k in range(6))]]  # type: ignore[arg-type]


def _cases():
    for code_list, tables in PER_LEERWINKEL.items():
        for li, table in tables.items():
            yield LEERWINKELS[li], code_list, table
    yield from SINGLE


@pytest.mark.parametrize(("source", "code_list", "table"), list(_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_label_the_generator_writes_maps_to_the_code_it_meant(source, code_list, table):
    codes = CODE_LISTS[code_list]
    assert len(table) == len(codes), f"{source} {code_list}: one entry per code"
    for code, entry in zip(codes, table, strict=True):
        written = _written(entry)
        assert _mapped(source, code_list, written) == [code] * len(written), (source, code_list, code, written)
    assert any(entry is not None for entry in table), f"{source} has no label at all for {code_list}"


def test_gent_writes_its_unknown_label_and_the_others_leave_the_cell_empty():
    for table in (g.EDU_UNKNOWN, g.DUTCH_UNKNOWN):
        assert table[sources.GE] == "onbekend"
        assert all(label is None for li, label in table.items() if li != sources.GE)
    assert _mapped("gent", "education_level", [g.EDU_UNKNOWN[sources.GE]]) == [UNKNOWN]
    assert _mapped("gent", "dutch_level", [g.DUTCH_UNKNOWN[sources.GE]]) == [UNKNOWN]


def test_genk_closing_reasons_are_read_as_completed_or_stopped():
    assert _mapped("genk", "status", [*g.GK_REASON_COMPLETED, g.GK_REFERRED]) == ["completed"] * 3
    assert _mapped("genk", "status", list(g.GK_REASON_STOPPED)) == ["stopped"] * 2


def test_survey_scale_and_qualification_labels_map_to_their_points():
    assert [SPECS["netwerk"].code_map("agreement_scale")[k] for k in g.SCALE] == [1, 2, 3, 4, 5]
    assert [SPECS["netwerk"].code_map("qualification")[k] for k in g.QUALIFICATION] == [True, False]


def test_the_planted_unmapped_labels_map_to_nothing():
    for li, (code_list, label) in g.UNMAPPED.items():
        assert _mapped(LEERWINKELS[li], code_list, [label]) == [None]


def test_mechelen_municipalities_map_to_the_postcodes_written_beside_them():
    towns = SPECS["mechelen"].code_map("municipality_postcode")
    for postcode, town in g.POSTCODES[sources.ME]:
        assert towns[town] == str(postcode)


def test_a_label_changed_in_a_yaml_file_changes_the_demo_data(tmp_path):
    specs = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, specs)
    genk = specs / "genk.yaml"
    genk.write_text(genk.read_text(encoding="utf-8").replace("{Man: male, Vrouw: female, X: x}",
                                                             "{Man: male, Vrouwelijk: female, X: x}"), encoding="utf-8")
    landing = tmp_path / "landing"
    env = {**os.environ, "LEERWINKELS_SOURCE_SPECS": str(specs)}
    done = subprocess.run([sys.executable, "-m", "leerwinkels.cli", "demo-data", str(landing), "--trajectories", "60", "--seed", "3"],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    clients = next((landing / "genk").glob("klanten_*.csv")).read_text(encoding="cp1252")
    assert "Vrouwelijk" in clients and ";Vrouw;" not in clients

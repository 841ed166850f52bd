"""Demo data never touches real data: the demo generator refuses a folder of someone's
files, the demo key is refused on a landing folder without the demo marker (CLI and the
Dagster resource path alike), and `make run`/`make ui` without LEERWINKELS_SOURCES work in
a demo area of their own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from leerwinkels import cli
from leerwinkels.privacy.pseudonymise import DEMO_KEY_PREFIX, DEMO_MARKER, KEY_ENV_VAR, DemoKeyRefused
from tests.factories import REPO_ROOT as ROOT

DEMO_KEY = DEMO_KEY_PREFIX + "0000000000000000"


def _tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


def test_the_makefile_demo_key_has_the_recognised_prefix():
    assert f"DEMO_KEY := {DEMO_KEY_PREFIX}" in (ROOT / "Makefile").read_text()


def test_demo_data_refuses_a_folder_with_a_foreign_file_and_leaves_it_untouched(tmp_path, capsys):
    landing = tmp_path / "landing"
    (landing / "brussel").mkdir(parents=True)
    (landing / "brussel" / "Leerwinkel_Brussel_2026-11-20.xlsx").write_bytes(b"a steward's real delivery")
    before = _tree(landing)
    assert cli.main(["demo-data", str(landing), "--trajectories", "50"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert str(landing) in err and DEMO_MARKER in err and "never written over" in err
    assert _tree(landing) == before
    assert not (landing / DEMO_MARKER).exists()


def test_demo_data_marks_its_folder_and_may_write_into_it_again(tmp_path):
    landing = tmp_path / "demo"
    assert cli.main(["demo-data", str(landing), "--trajectories", "40", "--seed", "3"]) == 0
    marker = json.loads((landing / DEMO_MARKER).read_text())
    assert marker["seed"] == 3 and marker["trajectories"] == 40
    assert "leerwinkels_demo" in marker["generator"] and marker["created"]
    assert cli.main(["demo-data", str(landing), "--trajectories", "40", "--seed", "4"]) == 0
    assert json.loads((landing / DEMO_MARKER).read_text())["seed"] == 4
    # an empty folder is fine too
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert cli.main(["demo-data", str(tmp_path / "empty"), "--trajectories", "10"]) == 0


def test_the_demo_key_on_a_folder_without_marker_is_refused_and_nothing_is_written(tmp_path, sample_landing, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV_VAR, DEMO_KEY)
    out = tmp_path / "out"
    args = ["consolidate", "--sources", str(sample_landing), "--database", f"sqlite:///{out / 'wh.sqlite'}",
            "--staging", str(out / "staging"), "--publication", str(out / "publication"), "--as-of", "2026-11-26"]
    before = _tree(sample_landing)
    assert cli.main(args) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert KEY_ENV_VAR in err and DEMO_MARKER in err and "demo" in err
    assert DEMO_KEY not in err  # the prefix, never the key
    assert "Traceback" not in err
    assert not out.exists()
    assert _tree(sample_landing) == before


def test_the_dagster_resource_path_refuses_the_demo_key_too(tmp_path, sample_landing, monkeypatch):
    from leerwinkels.definitions import build_resources
    from leerwinkels.defs.assets.ingest import staged_leerwinkel
    from leerwinkels.defs.resources import PseudonymKey

    with pytest.raises(DemoKeyRefused, match=DEMO_MARKER):
        PseudonymKey(key=DEMO_KEY, landing_path=str(sample_landing)).pseudonymiser()
    monkeypatch.setenv(KEY_ENV_VAR, DEMO_KEY)
    resources = build_resources(sources=str(sample_landing), database_url=f"sqlite:///{tmp_path / 'wh.sqlite'}",
                                staging_dir=str(tmp_path / "staging"), publication_dir=str(tmp_path / "publication"))
    result = dg.materialize([staged_leerwinkel], partition_key="genk", resources=resources, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    error, messages = failure.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any(KEY_ENV_VAR in m and DEMO_MARKER in m for m in messages)
    assert not result.get_asset_materialization_events()
    # with the marker the same folder is accepted (a generated demo folder carries it)
    (sample_landing / DEMO_MARKER).write_text("{}")
    assert PseudonymKey(key=DEMO_KEY, landing_path=str(sample_landing)).pseudonymiser() is not None


def test_the_demo_key_on_a_demo_folder_works(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV_VAR, DEMO_KEY)
    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "0")
    demo = tmp_path / "demo"
    assert cli.main(["demo-data", str(demo / "landing"), "--trajectories", "120", "--seed", "2"]) == 0
    code = cli.main(["consolidate", "--sources", str(demo / "landing"), "--database", f"sqlite:///{demo / 'warehouse.sqlite'}",
                     "--staging", str(demo / "staging"), "--publication", str(demo / "publication"), "--as-of", "2026-11-26"])
    assert code == 0, capsys.readouterr().err
    assert (demo / "warehouse.sqlite").is_file()
    assert any((demo / "publication").iterdir())


def _make_n(target: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LEERWINKELS_")}
    environ.update(env)
    result = subprocess.run(["make", "-n", target], cwd=ROOT, env=environ, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["run", "ui"])
def test_make_without_sources_uses_its_own_demo_area(target):
    recipe = _make_n(target)
    assert "demo-data data/demo/landing" in recipe
    for setting in ("LEERWINKELS_SOURCES=data/demo/landing", "LEERWINKELS_STAGING_DIR=data/demo/staging",
                    "LEERWINKELS_DATABASE_URL=sqlite:///data/demo/warehouse.sqlite",
                    "LEERWINKELS_PUBLICATION_DIR=data/demo/publication", "LEERWINKELS_SETTLE_SECONDS=0",
                    f"LEERWINKELS_PSEUDONYM_KEY={DEMO_KEY_PREFIX}"):
        assert setting in recipe, setting
    # never the default landing folder, staging, warehouse or publication of real data
    for real in ("data/landing", "data/staging", "data/warehouse.sqlite", "data/publication"):
        assert real not in recipe, real


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["run", "ui"])
def test_make_with_sources_uses_them_and_no_demo(target):
    recipe = _make_n(target, LEERWINKELS_SOURCES="/srv/leerwinkels/landing")
    # the clone's own path may hold "demo" (a folder named after a task): not a demo area
    assert "demo" not in recipe.replace(str(ROOT), "<clone>").replace("data/dagster_home", "")
    assert ("leerwinkels consolidate" if target == "run" else "dagster dev") in recipe


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_the_demo_consolidates_an_earlier_then_the_final_delivery():
    """Late registrations show only from a Leerwinkel's second delivery on (issue 20)."""
    steps = [line for line in _make_n("run").splitlines() if "leerwinkels demo-data" in line or "leerwinkels consolidate" in line]
    assert len(steps) == 4
    assert "demo-data" in steps[0] and "--earlier-delivery" in steps[0]
    assert "consolidate" in steps[1] and "consolidate" in steps[3]
    assert "demo-data" in steps[2] and "--earlier-delivery" not in steps[2]
    # both deliveries of the same network (arguments alike) and both runs judged on the same as-of date
    assert steps[0].split(" --earlier-delivery")[0] == steps[2]
    assert all("LEERWINKELS_AS_OF=" in step for step in (steps[1], steps[3]))

"""dq/targets.yaml: validated on load, every target an assumption, statuses exactly at their limits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from leerwinkels.quality.targets import DEFAULT_TARGETS, MEASURES, Target, TargetsError, load_targets, status_expr, status_of, worst_status


def test_the_repository_targets_load_with_the_issue_defaults():
    targets = load_targets(DEFAULT_TARGETS)
    assert targets.late_days == 30 and targets.idle_days == 180
    assert set(targets.targets) == set(MEASURES)
    assert all(t.is_assumption for t in targets.targets.values())
    assert targets.late_days_source.startswith("assumption") and targets.idle_days_source.startswith("assumption")


@pytest.mark.parametrize(("value", "status"), [
    (0.0, "green"), (0.05, "green"), (0.0500001, "orange"), (0.15, "orange"), (0.1500001, "red"), (1.0, "red"), (None, None),
])
def test_status_at_the_boundaries(value, status):
    target = Target(green_max=0.05, orange_max=0.15, source="assumption")
    assert status_of(value, target) == status
    # the polars expression the scorecard uses says the same
    got = pl.DataFrame({"m": [value]}, schema={"m": pl.Float64}).select(status_expr("m", target)).item()
    assert got == status


def test_count_targets_at_their_boundaries():
    target = Target(green_max=0, orange_max=3, source="assumption")
    assert [status_of(v, target) for v in (0, 1, 3, 4)] == ["green", "orange", "orange", "red"]


def test_worst_status():
    assert worst_status(["green", None, "orange"]) == "orange"
    assert worst_status(["green", "red", "orange"]) == "red"
    assert worst_status([None, None]) is None


def _write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT_TARGETS.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "says"), [
    (lambda raw: raw["targets"].pop("missing_gender"), "missing ['missing_gender']"),
    (lambda raw: raw["targets"]["quarantine_share"].update(orange_max=0.001), "orange_max must not be below green_max"),
    (lambda raw: raw.update(version=2026.1), "quoted string"),
    (lambda raw: raw["targets"]["duplicate_share"].pop("source"), "duplicate_share.source"),
    (lambda raw: raw.update(late_days=-1), "late_days"),
])
def test_an_invalid_targets_file_is_refused_with_a_clear_message(tmp_path, change, says):
    with pytest.raises(TargetsError, match=None) as caught:
        load_targets(_write(tmp_path, change))
    assert says in str(caught.value)


def test_a_missing_targets_file_says_so(tmp_path):
    with pytest.raises(TargetsError, match="cannot be read"):
        load_targets(tmp_path / "nope.yaml")

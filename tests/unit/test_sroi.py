"""Tests for src/leerwinkels/sroi/calculate.py (spec: SROI.md)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
import yaml

from leerwinkels.sroi import calculate as sroi
from leerwinkels.sroi.calculate import (
    LEERWINKELS,
    OUTCOMES,
    SroiParameterError,
    build_sroi,
    build_sroi_inputs,
    case_study_table,
    classify_outcomes,
    load_parameters,
    missing_cost_rows,
)
from tests.factories import REPO_ROOT

PARAMETERS = REPO_ROOT / "sroi" / "parameters.yaml"
AS_OF = date(2026, 11, 26)

TRAJECTORY_SCHEMA = {
    "trajectory_key": pl.String,
    "client_key": pl.String,
    "leerwinkel": pl.String,
    "intake_date": pl.Date,
    "closed_date": pl.Date,
    "status": pl.String,
    "age_at_intake": pl.Int32,
    "education_level": pl.String,
    "labour_status": pl.String,
}
FOLLOWUP_SCHEMA = {
    "trajectory_key": pl.String,
    "response_date": pl.Date,
    "training_started": pl.String,
    "situation": pl.String,
    "qualification": pl.Boolean,
}


def make_frames(rows: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Trajectories and their (latest) follow-ups from compact hand-made rows.

    Defaults: a closed (completed) 2023 trajectory at genk of a 40-year-old jobseeker with
    upper secondary education, who answered the survey: not working, no training.
    `respond=False` leaves a trajectory without a response.
    """
    trajectories, followups = [], []
    for n, row in enumerate(rows):
        key = row.get("key", f"t{n}")
        status = row.get("status", "completed")
        closed = row.get("closed", date(2023, 6, 30) if status != "open" else None)
        trajectories.append(
            {
                "trajectory_key": key,
                "client_key": row.get("client", f"c{n}"),
                "leerwinkel": row.get("leerwinkel", "genk"),
                "intake_date": row.get("intake", date(2023, 1, 15)),
                "closed_date": closed,
                "status": status,
                "age_at_intake": row.get("age", 40),
                "education_level": row.get("education", "upper_secondary"),
                "labour_status": row.get("labour", "jobseeker"),
            }
        )
        if row.get("respond", True):
            followups.append(
                {
                    "trajectory_key": key,
                    "response_date": date(2024, 1, 10),
                    "training_started": row.get("training", "no"),
                    "situation": row.get("situation", "jobseeker"),
                    "qualification": row.get("qualification", False),
                }
            )
    return (
        pl.DataFrame(trajectories, schema=TRAJECTORY_SCHEMA),
        pl.DataFrame(followups, schema=FOLLOWUP_SCHEMA),
    )


def outcome_of(**row) -> str | None:
    trajectories, followups = make_frames([row])
    result = classify_outcomes(trajectories, followups)
    assert result.height <= 1
    return result.get_column("outcome")[0] if result.height else "not classified"


@pytest.fixture(scope="module")
def params():
    return load_parameters(PARAMETERS)


def costs_frame(rows: list[tuple[str, int, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"leerwinkel": lw, "year": y, "staff_cost": s, "operating_cost": o, "fte": 1.0}
            for lw, y, s, o in rows
        ],
        schema={
            "leerwinkel": pl.String,
            "year": pl.Int32,
            "staff_cost": pl.Float64,
            "operating_cost": pl.Float64,
            "fte": pl.Float64,
        },
    )


# --------------------------------------------------------------------------- case 1


def test_case_1_reproduces_the_study(params):
    table = case_study_table(params).filter(pl.col("case") == "case_1")
    assert table.columns == ["case", "item", "benefits", "costs"]
    assert table.height == 7 + 2
    total = table.filter(pl.col("item") == "total").row(0, named=True)
    net = table.filter(pl.col("item") == "net_effect_government").row(0, named=True)
    assert total["benefits"] == 30382.57
    # The study prints -24,607.37; its seven items add up to -24,607.36: the study's
    # total is one cent off from rounding its unrounded inputs. We keep the sum of the items.
    assert total["costs"] == -24607.36, "sum of the study's cost items (study prints -24,607.37)"
    assert net["benefits"] == 54989.93
    assert net["costs"] is None


def test_case_1_totals_are_exact_and_one_cent_from_the_printed_cost_total(params):
    (case,) = [c for c in params.case_studies if c.name == "case_1"]
    assert case.total_benefits == Decimal("30382.57") == case.published_benefits
    assert case.total_costs == Decimal("-24607.36")
    assert case.published_costs - case.total_costs == Decimal("-0.01"), (
        "the study's printed cost total (-24,607.37) is one cent off its items"
    )
    assert case.net_effect_government == Decimal("54989.93")


def test_case_1_items_as_in_the_study_table(params):
    table = case_study_table(params)
    items = table.filter(~pl.col("item").is_in(["total", "net_effect_government"]))
    assert items.select("benefits", "costs").rows() == [
        (-803.38, -22953.84),
        (None, -3728.57),
        (14916.36, None),
        (469.59, None),
        (15800.00, 6494.40),
        (None, -760.39),
        (None, -3658.96),
    ]


def test_proxies_are_computed_from_items(params):
    assert params.version == "2026.2"
    assert params.proxy_eur("work_from_invalidity") == (
        Decimal("22953.84") - Decimal("803.38") + Decimal("14916.36")
        + Decimal("469.59") + Decimal("760.39") + Decimal("3658.96")
    ) == Decimal("41955.76")
    assert params.proxy_eur("work_from_other_status") == Decimal("19805.30")
    assert params.proxy_eur("early_school_leaving_prevented") == Decimal("18387")
    assert params.proxy_eur("training_started") == 0
    assert params.proxy_is_assumption("training_started")
    assert not params.proxy_is_assumption("work_from_invalidity")
    assert (params.deadweight.value, params.attribution.value) == (0.30, 0.50)
    assert params.deadweight.is_assumption and params.attribution.is_assumption
    assert (params.low.deadweight, params.low.attribution) == (0.50, 0.70)
    assert (params.high.deadweight, params.high.attribution) == (0.10, 0.30)


# --------------------------------------------------------------------------- outcome rules


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # work_from_invalidity vs employed at intake
        ({"labour": "sickness_invalidity", "situation": "working"}, "work_from_invalidity"),
        ({"labour": "sickness_invalidity", "situation": "sick"}, None),
        ({"labour": "employed", "situation": "working"}, None),
        # work_from_other_status: every listed status, and not without work
        ({"labour": "jobseeker", "situation": "working"}, "work_from_other_status"),
        ({"labour": "social_assistance", "situation": "working"}, "work_from_other_status"),
        ({"labour": "student", "situation": "working"}, "work_from_other_status"),
        ({"labour": "other", "situation": "working"}, "work_from_other_status"),
        ({"labour": "unknown", "situation": "working"}, "work_from_other_status"),
        ({"labour": "jobseeker", "situation": "jobseeker"}, None),
        # early_school_leaving_prevented: age 24 vs 25
        ({"age": 24, "education": "lower_secondary", "situation": "in_training"},
         "early_school_leaving_prevented"),
        ({"age": 25, "education": "lower_secondary", "situation": "in_training"}, None),
        ({"age": None, "education": "lower_secondary", "situation": "in_training"}, None),
        # education lower_secondary / primary / none vs upper_secondary
        ({"age": 20, "education": "primary", "situation": "in_training"},
         "early_school_leaving_prevented"),
        ({"age": 20, "education": "none", "situation": "in_training"},
         "early_school_leaving_prevented"),
        ({"age": 20, "education": "upper_secondary", "situation": "in_training"}, None),
        ({"age": 20, "education": "foreign_unrecognised", "situation": "in_training"}, None),
        # in_training vs qualification vs neither
        ({"age": 20, "education": "lower_secondary", "situation": "other", "qualification": True},
         "early_school_leaving_prevented"),
        ({"age": 20, "education": "lower_secondary", "situation": "other", "qualification": False},
         None),
        ({"age": 20, "education": "lower_secondary", "situation": "other", "qualification": None},
         None),
        # training_started: yes only
        ({"training": "yes"}, "training_started"),
        ({"training": "enrolled"}, None),
        ({"training": "no"}, None),
        ({"training": "unknown"}, None),
        # precedence: each response counts once, in the table's order
        ({"labour": "sickness_invalidity", "situation": "working", "training": "yes"},
         "work_from_invalidity"),
        ({"labour": "jobseeker", "situation": "working", "age": 20,
          "education": "lower_secondary", "qualification": True, "training": "yes"},
         "work_from_other_status"),
        ({"age": 20, "education": "lower_secondary", "situation": "in_training",
          "training": "yes"}, "early_school_leaving_prevented"),
        # employed at intake and working now is no work outcome; another rule may still apply
        ({"labour": "employed", "situation": "working", "training": "yes"}, "training_started"),
        ({"labour": "employed", "situation": "working", "age": 20,
          "education": "lower_secondary", "qualification": True},
         "early_school_leaving_prevented"),
    ],
)
def test_outcome_rules(row, expected):
    assert outcome_of(**row) == expected


@pytest.mark.parametrize(
    ("row", "counted"),
    [
        ({"status": "completed"}, True),
        ({"status": "stopped"}, True),
        ({"status": "open"}, False),
        ({"status": "completed", "closed": None}, False),
    ],
)
def test_only_closed_trajectories_are_classified(row, counted):
    result = outcome_of(labour="sickness_invalidity", situation="working", **row)
    assert result == ("work_from_invalidity" if counted else "not classified")


def test_classification_keys_and_closing_year():
    trajectories, followups = make_frames(
        [
            {"key": "a", "leerwinkel": "gent", "closed": date(2024, 12, 31), "training": "yes"},
            {"key": "b", "respond": False, "training": "yes"},
        ]
    )
    result = classify_outcomes(trajectories, followups)
    assert result.columns == ["trajectory_key", "leerwinkel", "year", "outcome"]
    assert result.rows() == [("a", "gent", 2024, "training_started")]


# --------------------------------------------------------------------------- ind_sroi_inputs


def sample_frames():
    return make_frames(
        [
            # genk, closed 2023: one work_from_invalidity, two work_from_other_status
            {"leerwinkel": "genk", "labour": "sickness_invalidity", "situation": "working"},
            {"leerwinkel": "genk", "situation": "working"},
            {"leerwinkel": "genk", "situation": "working", "status": "stopped"},
            # gent, closed 2024: one early school leaving, one training started, one nothing
            {"leerwinkel": "gent", "intake": date(2022, 3, 1), "closed": date(2024, 2, 1),
             "age": 19, "education": "none", "situation": "in_training"},
            {"leerwinkel": "gent", "intake": date(2022, 3, 1), "closed": date(2024, 2, 1),
             "training": "yes"},
            {"leerwinkel": "gent", "intake": date(2022, 3, 1), "closed": date(2024, 2, 1)},
            # genk, closed 2024: one more work_from_other_status
            {"leerwinkel": "genk", "closed": date(2024, 5, 5), "situation": "working"},
            # open: not counted
            {"leerwinkel": "leuven", "status": "open", "situation": "working"},
        ]
    )


def count_of(inputs: pl.DataFrame, leerwinkel: str, year: int, outcome: str) -> int:
    return inputs.filter(
        (pl.col("leerwinkel") == leerwinkel) & (pl.col("year") == year)
        & (pl.col("outcome") == outcome)
    ).get_column("count").item()


def test_sroi_inputs_grid_counts_and_values(params):
    trajectories, followups = sample_frames()
    inputs = build_sroi_inputs(trajectories, followups, params, AS_OF)
    assert inputs.columns == [
        "leerwinkel", "year", "outcome", "count", "proxy_eur",
        "deadweight", "attribution", "value_eur", "parameter_version", "present_value_eur",
    ]
    years = list(range(2022, 2027))  # earliest intake 2022 .. as-of year 2026
    assert inputs.height == (len(LEERWINKELS) + 1) * len(years) * len(OUTCOMES)
    assert inputs.select("leerwinkel", "year", "outcome").n_unique() == inputs.height
    assert sorted(inputs.get_column("year").unique().to_list()) == years
    assert inputs.schema["year"] == pl.Int64 and inputs.schema["count"] == pl.Int64
    assert inputs.equals(inputs.sort("leerwinkel", "year", "outcome"))
    assert count_of(inputs, "genk", 2023, "work_from_invalidity") == 1
    assert count_of(inputs, "genk", 2023, "work_from_other_status") == 2
    assert count_of(inputs, "genk", 2024, "work_from_other_status") == 1
    assert count_of(inputs, "gent", 2024, "early_school_leaving_prevented") == 1
    assert count_of(inputs, "gent", 2024, "training_started") == 1
    assert count_of(inputs, "leuven", 2023, "work_from_other_status") == 0
    assert count_of(inputs, "all", 2024, "work_from_other_status") == 1
    assert count_of(inputs, "all", 2023, "work_from_other_status") == 2
    # `all` sums the six Leerwinkels
    six = (
        inputs.filter(pl.col("leerwinkel") != "all")
        .group_by("year", "outcome").agg(pl.col("count").sum().alias("six"))
    )
    network = inputs.filter(pl.col("leerwinkel") == "all").join(six, on=["year", "outcome"])
    assert (network.get_column("count") == network.get_column("six")).all()
    assert inputs.get_column("count").sum() == 2 * 6
    # value = count x proxy x (1 - deadweight) x (1 - attribution)
    # (in cents, rounded half up: 19,805.30 x 0.35 = 6,931.855 -> 6,931.86)
    factor = (1 - Decimal("0.30")) * (1 - Decimal("0.50"))
    for row in inputs.iter_rows(named=True):
        exact = row["count"] * Decimal(str(row["proxy_eur"])) * factor
        assert row["value_eur"] == float(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))
        assert row["proxy_eur"] == float(params.proxy_eur(row["outcome"]))
    assert set(inputs.get_column("parameter_version")) == {"2026.2"}
    genk_2023 = inputs.filter((pl.col("leerwinkel") == "genk") & (pl.col("year") == 2023))
    assert genk_2023.get_column("value_eur").sum() == pytest.approx(
        (41955.76 + 2 * 19805.30) * 0.35
    )


def test_changing_a_proxy_in_a_copy_changes_values_and_version(params, tmp_path):
    copy = tmp_path / "parameters.yaml"
    shutil.copy(PARAMETERS, copy)
    raw = yaml.safe_load(copy.read_text(encoding="utf-8"))
    raw["version"] = "2026.2-test"
    raw["items"]["early_school_leaving_cost_avoided"]["amount_eur"] = 20000
    copy.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    changed = load_parameters(copy)

    trajectories, followups = sample_frames()
    before = build_sroi_inputs(trajectories, followups, params, AS_OF)
    after = build_sroi_inputs(trajectories, followups, changed, AS_OF)

    def esl(frame):
        return frame.filter(
            (pl.col("leerwinkel") == "gent") & (pl.col("year") == 2024)
            & (pl.col("outcome") == "early_school_leaving_prevented")
        ).row(0, named=True)

    assert esl(before)["value_eur"] == pytest.approx(18387 * 0.35)
    assert esl(after)["proxy_eur"] == 20000
    assert esl(after)["value_eur"] == pytest.approx(20000 * 0.35)
    assert set(after.get_column("parameter_version")) == {"2026.2-test"}
    costs = costs_frame([("gent", 2024, 100000.0, 0.0)])
    ratios = build_sroi(after, costs, changed)
    assert set(ratios.get_column("parameter_version")) == {"2026.2-test"}
    gent = ratios.filter((pl.col("leerwinkel") == "gent") & (pl.col("year") == 2024))
    assert gent.get_column("value_eur").item() == pytest.approx(20000 * 0.35)
    # the original file is untouched
    assert load_parameters(PARAMETERS).version == "2026.2"


def test_env_variable_overrides_default_path(tmp_path, monkeypatch):
    copy = tmp_path / "elsewhere.yaml"
    text = PARAMETERS.read_text(encoding="utf-8").replace('version: "2026.2"', 'version: "env-1"')
    copy.write_text(text, encoding="utf-8")
    monkeypatch.setenv(sroi.ENV_PARAMETERS, str(copy))
    assert load_parameters().version == "env-1"
    monkeypatch.delenv(sroi.ENV_PARAMETERS)
    assert load_parameters().path == PARAMETERS


# --------------------------------------------------------------------------- ind_sroi


def test_sroi_ratios_costs_and_completeness(params):
    trajectories, followups = sample_frames()
    inputs = build_sroi_inputs(trajectories, followups, params, AS_OF)
    costs = costs_frame(
        [
            ("genk", 2023, 200000.0, 50000.0),
            ("genk", 2024, 180000.0, 20000.0),
            ("gent", 2022, 100000.0, 0.0),
            ("gent", 2023, 0.0, 0.0),  # a zero cost: no ratio
            # gent 2024 missing although gent has a trajectory active in 2024
            ("leuven", 2023, 90000.0, 10000.0),
        ]
    )
    result = build_sroi(inputs, costs, params, trajectories=trajectories)
    assert result.columns == [
        "leerwinkel", "year", "value_eur", "cost_eur", "sroi_ratio", "sroi_ratio_low",
        "sroi_ratio_high", "cost_complete", "parameter_version", "assumptions",
        "present_value_eur", "net_present_value_eur",
    ]
    assert result.height == (len(LEERWINKELS) + 1) * 5
    assert result.select("leerwinkel", "year").n_unique() == result.height
    assert result.equals(result.sort("leerwinkel", "year"))

    def row(leerwinkel, year):
        return result.filter(
            (pl.col("leerwinkel") == leerwinkel) & (pl.col("year") == year)
        ).row(0, named=True)

    genk = row("genk", 2023)
    assert genk["cost_eur"] == 250000.0
    assert genk["value_eur"] == pytest.approx((41955.76 + 2 * 19805.30) * 0.35, abs=0.01)
    assert genk["sroi_ratio"] == pytest.approx(genk["value_eur"] / 250000.0)
    assert genk["sroi_ratio_low"] == pytest.approx(genk["value_eur"] / 0.35 * 0.15 / 250000.0,
                                                   abs=1e-6)
    assert genk["sroi_ratio_high"] == pytest.approx(genk["value_eur"] / 0.35 * 0.63 / 250000.0,
                                                    abs=1e-6)
    assert genk["cost_complete"] is True
    # ratio = value / cost on every row with a positive cost; null without a cost row or at 0
    for r in result.iter_rows(named=True):
        if r["cost_eur"] is None or r["cost_eur"] == 0:
            assert r["sroi_ratio"] is None and r["sroi_ratio_low"] is None
            assert r["sroi_ratio_high"] is None
        else:
            assert r["sroi_ratio"] == pytest.approx(r["value_eur"] / r["cost_eur"])
            assert r["sroi_ratio_low"] <= r["sroi_ratio"] <= r["sroi_ratio_high"]
    assert row("gent", 2023)["cost_eur"] == 0.0 and row("gent", 2023)["sroi_ratio"] is None
    gent_2024 = row("gent", 2024)
    assert gent_2024["cost_eur"] is None and gent_2024["sroi_ratio"] is None
    assert gent_2024["value_eur"] == pytest.approx(18387 * 0.35)
    assert gent_2024["cost_complete"] is False
    # a Leerwinkel without activity and without a cost row is not an incomplete cost
    assert row("brussel", 2024)["cost_eur"] is None and row("brussel", 2024)["cost_complete"]

    # `all`: sums of values and of the costs present; flagged when one is missing
    network_2024 = row("all", 2024)
    assert network_2024["cost_eur"] == 200000.0
    assert network_2024["value_eur"] == pytest.approx(19805.30 * 0.35 + 18387 * 0.35, abs=0.01)
    assert network_2024["sroi_ratio"] == pytest.approx(network_2024["value_eur"] / 200000.0)
    assert network_2024["cost_complete"] is False
    network_2023 = row("all", 2023)
    assert network_2023["cost_eur"] == 250000.0 + 0.0 + 100000.0
    assert network_2023["cost_complete"] is True  # gent's 2023 row exists (0)
    assert network_2023["value_eur"] == pytest.approx(genk["value_eur"], abs=0.01)
    assert row("all", 2026)["cost_eur"] is None and row("all", 2026)["sroi_ratio"] is None

    assert set(result.get_column("parameter_version")) == {"2026.2"}
    text = result.get_column("assumptions")[0]
    assert "deadweight 0.30 and attribution 0.50 are assumptions" in text
    assert "training_started valued at 0" in text

    missing = missing_cost_rows(costs, trajectories, AS_OF)
    assert missing.columns == ["leerwinkel", "year"]
    assert ("gent", 2024) in missing.rows()
    assert ("genk", 2023) not in missing.rows()
    # leuven's trajectory is open (intake 2023): active 2023..2026, cost only for 2023
    assert [r for r in missing.rows() if r[0] == "leuven"] == [
        ("leuven", 2024), ("leuven", 2025), ("leuven", 2026)
    ]
    assert not any(r[0] == "brussel" for r in missing.rows())


def test_sroi_without_trajectories_expects_all_six_cost_rows(params):
    trajectories, followups = sample_frames()
    inputs = build_sroi_inputs(trajectories, followups, params, AS_OF)
    costs = costs_frame([(lw, 2023, 100000.0, 0.0) for lw in LEERWINKELS])
    result = build_sroi(inputs, costs, params)
    complete = dict(
        result.filter(pl.col("leerwinkel") == "all").select("year", "cost_complete").rows()
    )
    assert complete == {2022: False, 2023: True, 2024: False, 2025: False, 2026: False}
    assert result.filter(
        (pl.col("leerwinkel") == "all") & (pl.col("year") == 2023)
    ).get_column("cost_eur").item() == 600000.0


def test_sroi_refuses_inputs_from_another_parameter_version(params):
    trajectories, followups = sample_frames()
    inputs = build_sroi_inputs(trajectories, followups, params, AS_OF).with_columns(
        pl.lit("1999.1").alias("parameter_version")
    )
    with pytest.raises(ValueError, match="1999.1"):
        build_sroi(inputs, costs_frame([]), params)


# --------------------------------------------------------------------------- validation


def write_variant(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(PARAMETERS.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _drop_item(raw):
    del raw["items"]["crime_cost_avoided"]


def _drop_proxy(raw):
    del raw["outcomes"]["training_started"]["proxy"]


def _drop_amount(raw):
    del raw["items"]["vat_on_increased_consumption"]["amount_eur"]


def _amount_as_text(raw):
    raw["items"]["vat_on_increased_consumption"]["amount_eur"] = "469,59"


def _rate_too_high(raw):
    raw["deadweight"]["value"] = 1.5


def _sensitivity_negative(raw):
    raw["sensitivity"]["high"]["attribution"] = -0.1


def _drop_version(raw):
    del raw["version"]


def _unquoted_version(raw):
    raw["version"] = 2026.1


def _unknown_outcome(raw):
    raw["outcomes"]["volunteering"] = {"proxy": ["crime_cost_avoided"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop_item, "outcome 'work_from_invalidity' refers to unknown item 'crime_cost_avoided'"),
        (_drop_proxy, "outcome 'training_started' has no proxy"),
        (_drop_amount, "item 'vat_on_increased_consumption' has no amount_eur"),
        (_amount_as_text, "item 'vat_on_increased_consumption': amount_eur '469,59' is not a number"),
        (_rate_too_high, "deadweight 1.5 is outside 0-1"),
        (_sensitivity_negative, "sensitivity.high.attribution -0.1 is outside 0-1"),
        (_drop_version, "missing version"),
        (_unquoted_version, "version must be a quoted string"),
        (_unknown_outcome, "unknown outcome 'volunteering'"),
    ],
)
def test_invalid_parameter_files_give_a_clear_error(tmp_path, change, message):
    path = write_variant(tmp_path, change)
    with pytest.raises(SroiParameterError) as info:
        load_parameters(path)
    text = str(info.value)
    assert text.startswith(f"SROI parameter file {path}: "), text
    assert message in text, text
    assert "Traceback" not in text


def test_missing_or_broken_file_gives_a_clear_error(tmp_path):
    with pytest.raises(SroiParameterError, match="cannot be read"):
        load_parameters(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(SroiParameterError, match="not valid YAML"):
        load_parameters(broken)


def test_parameters_are_frozen(params):
    with pytest.raises(AttributeError):
        params.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        params.items["crime_cost_avoided"] = None  # type: ignore[index]

"""SROI to the Social Value standard (issue 17; SROI.md, "To the standard of the Social Value
principles"): present value, payers, the tornado, the Value Map and their publication."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml

from leerwinkels.contract.tables import PUBLISHED_TABLES, WAREHOUSE_TABLES
from leerwinkels.contract.views import VIEWS
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import protect
from leerwinkels.publication.value_map import TOTAL_LABELS, VALUE_MAP_NAME
from leerwinkels.publication.workbook import TABLES, write_publication
from leerwinkels.sroi import calculate as sroi
from leerwinkels.sroi.parameters import PAYERS, SroiParameterError, load_parameters
from leerwinkels.sroi.payers import SCENARIOS, build_sroi_by_payer
from leerwinkels.sroi.sensitivity import build_sroi_sensitivity, tornado_variants
from leerwinkels.sroi.value import discount_factor
from leerwinkels.sroi.value_map import value_map_outcomes, value_map_totals
from tests.factories import REPO_ROOT, followup, followups, trajectories, trajectory

PARAMETERS = REPO_ROOT / "sroi" / "parameters.yaml"
AS_OF = date(2025, 12, 31)
KEY = Pseudonymiser(b"social-value-test-key-0123456789")
LEERWINKELS = ["brussel", "genk", "gent", "leuven", "mechelen", "west_vlaanderen"]


def network_frames(seed: int = 17) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """About 600 closed trajectories over 2022-2025 with follow-ups of every outcome, and a
    cost row for every Leerwinkel-year but one (gent 2023)."""
    rng = random.Random(seed)
    rows, answers = [], []
    for n in range(600):
        lw = rng.choice(LEERWINKELS)
        year = rng.choice([2022, 2023, 2024, 2025])
        key = f"t{n}"
        rows.append(trajectory(
            key, f"c{n}", lw, date(year, 1, 10), date(year, rng.randint(2, 12), 1),
            labour_status=rng.choice(["sickness_invalidity", "jobseeker", "social_assistance", "employed", "student"]),
            age_at_intake=rng.choice([19, 22, 33, 47]),
            education_level=rng.choice(["none", "primary", "lower_secondary", "upper_secondary", "higher"]),
        ))
        if rng.random() < 0.7:
            answers.append(followup(
                key, date(year + 1, 2, 1),
                situation=rng.choice(["working", "in_training", "jobseeker", "other"]),
                training_started=rng.choice(["yes", "no"]),
                qualification=rng.random() < 0.2,
            ))
    costs = pl.DataFrame(
        [(lw, y, 150_000.0 + 1000 * i, 20_000.0, 2.0)
         for i, lw in enumerate(LEERWINKELS) for y in (2022, 2023, 2024, 2025) if (lw, y) != ("gent", 2023)],
        schema={"leerwinkel": pl.String, "year": pl.Int32, "staff_cost": pl.Float64,
                "operating_cost": pl.Float64, "fte": pl.Float64},
        orient="row",
    )
    return trajectories(*rows), followups(*answers), costs


def tables_for(params) -> dict[str, pl.DataFrame]:
    t, f, costs = network_frames()
    inputs = sroi.build_sroi_inputs(t, f, params, AS_OF)
    result = sroi.build_sroi(inputs, costs, params, trajectories=t)
    return {
        "ind_sroi_inputs": inputs,
        "ind_sroi": result,
        "ind_sroi_by_payer": build_sroi_by_payer(inputs, params),
        "ind_sroi_sensitivity": build_sroi_sensitivity(inputs, result, params),
    }


def variant_file(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(PARAMETERS.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _longer_outcomes(raw):
    """Every work outcome lasts 3 years with a drop-off of 0.2; early school leaving has its
    own deadweight and a displacement: the rates differ per outcome."""
    for outcome in ("work_from_invalidity", "work_from_other_status"):
        raw["outcomes"][outcome]["duration_years"] = {"value": 3, "source": "assumption"}
        raw["outcomes"][outcome]["drop_off"] = {"value": 0.2, "source": "assumption"}
    raw["outcomes"]["early_school_leaving_prevented"]["deadweight"] = {"value": 0.4, "source": "assumption"}
    raw["outcomes"]["early_school_leaving_prevented"]["displacement"] = {"value": 0.1, "source": "assumption"}
    raw["version"] = "test-longer"


@pytest.fixture(scope="module")
def params():
    return load_parameters(PARAMETERS)


@pytest.fixture(scope="module")
def tables(params):
    return tables_for(params)


@pytest.fixture
def longer(tmp_path):
    return load_parameters(variant_file(tmp_path, _longer_outcomes))


# --------------------------------------------------------------------------- parameters


def test_every_outcome_gets_the_global_rates_as_defaults(params):
    for outcome in sroi.OUTCOMES:
        rates = params.outcome_rates[outcome]
        assert (rates.deadweight.value, rates.attribution.value) == (0.30, 0.50)
        assert (rates.displacement.value, rates.drop_off.value, rates.duration.years) == (0.0, 0.0, 1)
        assert rates.stakeholder and rates.indicator
    assert params.discount_rate.value == 0.035 and params.discount_rate.is_assumption
    assert params.version == "2026.2"


def test_every_item_has_a_payer_labelled_as_assumption(params):
    for item in params.items.values():
        assert item.payer in PAYERS
        assert item.payer_source.startswith("assumption"), item.name


def _bad_payer(raw):
    raw["items"]["crime_cost_avoided"]["payer"] = "european_union"


def _no_payer_source(raw):
    del raw["items"]["vat_on_increased_consumption"]["payer_source"]


def _discount_above_one(raw):
    raw["discount_rate"]["value"] = 3.5


def _duration_outside_tornado(raw):
    raw["duration_years"]["value"] = 5


def _unknown_outcome_field(raw):
    raw["outcomes"]["training_started"]["dropoff"] = 0.1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_bad_payer, "items.crime_cost_avoided.payer: Input should be 'federal_social_security'"),
        (_no_payer_source, "items.vat_on_increased_consumption.payer_source: Field required"),
        (_discount_above_one, "discount_rate.value: Input should be less than or equal to 1"),
        (_duration_outside_tornado, "tornado.duration_years [1, 3] must contain duration_years 5"),
        (_unknown_outcome_field, "outcomes.training_started.dropoff: Extra inputs are not permitted"),
    ],
)
def test_social_value_fields_are_validated_with_clear_messages(tmp_path, change, message):
    path = variant_file(tmp_path, change)
    with pytest.raises(SroiParameterError) as info:
        load_parameters(path)
    assert str(info.value).startswith(f"SROI parameter file {path}: ")
    assert message in str(info.value)


# --------------------------------------------------------------------------- present value


def test_hand_computed_present_value_duration_3_drop_off_02_discount_0035(tmp_path):
    # One jobseeker at gent, closed in 2024, working now: work_from_other_status, proxy
    # 14,916.36 + 469.59 + 760.39 + 3,658.96 = 19,805.30 EUR.
    # impact = 1 x 19,805.30 x (1 - 0.30) x (1 - 0.50) x (1 - 0) = 6,931.855 -> 6,931.86 (cents, half up)
    # discount factor, duration 3, drop-off 0.2, discount rate 0.035:
    #   t=0: 1
    #   t=1: 0.8 / 1.035            = 0.7729468599...
    #   t=2: 0.64 / 1.035^2 = 0.64 / 1.071225 = 0.5974468482...
    #   sum                         = 2.3703937081...
    # present value = 6,931.855 x 2.3703937081 = 16,431.2255... -> 16,431.23
    assert discount_factor(3, 0.2, 0.035) == pytest.approx(1 + 0.8 / 1.035 + 0.64 / 1.071225, abs=1e-15)

    def change(raw):
        raw["outcomes"]["work_from_other_status"]["duration_years"] = {"value": 3, "source": "assumption"}
        raw["outcomes"]["work_from_other_status"]["drop_off"] = {"value": 0.2, "source": "assumption"}
        raw["discount_rate"]["value"] = 0.035

    params = load_parameters(variant_file(tmp_path, change))
    t = trajectories(trajectory("a", "x", "gent", date(2024, 1, 5), date(2024, 5, 1), labour_status="jobseeker"))
    f = followups(followup("a", date(2024, 6, 1), situation="working"))
    inputs = sroi.build_sroi_inputs(t, f, params, date(2024, 12, 31))
    row = inputs.filter(leerwinkel="gent", outcome="work_from_other_status").row(0, named=True)
    assert row["value_eur"] == 6931.86
    assert row["present_value_eur"] == 16431.23
    costs = pl.DataFrame({"leerwinkel": ["gent"], "year": [2024], "staff_cost": [9e3], "operating_cost": [1e3], "fte": [1.0]},
                         schema_overrides={"year": pl.Int32})
    result = sroi.build_sroi(inputs, costs, params, trajectories=t).filter(leerwinkel="gent").row(0, named=True)
    assert result["present_value_eur"] == 16431.23
    assert result["net_present_value_eur"] == 16431.23 - 10_000.0
    assert result["sroi_ratio"] == pytest.approx(1.643123)
    assert "work_from_other_status 3 y drop-off 0.20" in result["assumptions"]


def _old_ind_sroi(inputs: pl.DataFrame, costs: pl.DataFrame, trajectories_: pl.DataFrame, params) -> pl.DataFrame:
    """The first version's formula, kept as a reference: value = count x proxy x (1 -
    deadweight) x (1 - attribution) in cents; ratios over the cost, low/high with the
    sensitivity rates. (Cost and completeness come from the same code path.)"""
    def value(dw: float, at: float) -> pl.Expr:
        return (pl.col("count") * pl.col("proxy_eur") * ((1 - dw) * (1 - at))).round(2, mode="half_away_from_zero")

    values = inputs.group_by("leerwinkel", "year").agg(
        value(params.deadweight.value, params.attribution.value).sum().round(2).alias("value_eur"),
        value(params.low.deadweight, params.low.attribution).sum().round(2).alias("value_low"),
        value(params.high.deadweight, params.high.attribution).sum().round(2).alias("value_high"),
    )
    new = sroi.build_sroi(inputs, costs, params, trajectories=trajectories_)
    return values.join(new.select("leerwinkel", "year", "cost_eur"), on=["leerwinkel", "year"]).with_columns(
        pl.when(pl.col("cost_eur") > 0).then(pl.col("value_eur") / pl.col("cost_eur")).alias("sroi_ratio"),
        pl.when(pl.col("cost_eur") > 0).then(pl.col("value_low") / pl.col("cost_eur")).alias("sroi_ratio_low"),
        pl.when(pl.col("cost_eur") > 0).then(pl.col("value_high") / pl.col("cost_eur")).alias("sroi_ratio_high"),
    ).select("leerwinkel", "year", "value_eur", "sroi_ratio", "sroi_ratio_low", "sroi_ratio_high").sort("leerwinkel", "year")


def test_defaults_give_the_first_versions_ind_sroi_row_by_row(params, tables):
    t, _f, costs = network_frames()
    inputs, result = tables["ind_sroi_inputs"], tables["ind_sroi"]
    old_inputs_value = (inputs["count"] * inputs["proxy_eur"] * 0.35).round(2, mode="half_away_from_zero")
    assert inputs["value_eur"].to_list() == old_inputs_value.to_list()
    assert inputs["present_value_eur"].to_list() == inputs["value_eur"].to_list()
    old = _old_ind_sroi(inputs, costs, t, params)
    new = result.select(old.columns)
    assert new.height == old.height > 20
    assert new.to_dicts() == old.to_dicts()  # exact floats, nulls in place
    assert result["present_value_eur"].to_list() == result["value_eur"].to_list()
    assert result["sroi_ratio"].null_count() > 0  # gent 2023 has no cost row


# --------------------------------------------------------------------------- payers


@pytest.mark.parametrize("which", ["defaults", "longer"])
def test_payers_add_up_to_the_present_value_for_every_row_and_scenario(params, longer, which):
    p = params if which == "defaults" else longer
    built = tables_for(p)
    by_payer, result = built["ind_sroi_by_payer"], built["ind_sroi"]
    assert by_payer.height == result.height * len(PAYERS) * len(SCENARIOS)
    sums = by_payer.group_by("leerwinkel", "year", "scenario").agg(pl.col("value_eur").sum().round(2).alias("payers"))
    central = sums.filter(scenario="central").join(result, on=["leerwinkel", "year"])
    assert central.height == result.height
    assert (central["payers"] == central["present_value_eur"]).all()
    # low and high: the present value behind the low and high ratios
    for scenario, column in (("low", "sroi_ratio_low"), ("high", "sroi_ratio_high")):
        with_cost = sums.filter(scenario=scenario).join(result, on=["leerwinkel", "year"]).filter(pl.col("cost_eur") > 0)
        assert with_cost.height > 0
        assert (with_cost["payers"] / with_cost["cost_eur"] - with_cost[column]).abs().max() < 1e-12
    assert set(by_payer["parameter_version"]) == {p.version}


def test_payer_split_follows_the_items(params):
    # one jobseeker working: federal_social_security gets wage taxes and contributions + health
    # care; federal_tax VAT + crime costs; x 0.35
    t = trajectories(trajectory("a", "x", "gent", date(2024, 1, 5), date(2024, 5, 1), labour_status="jobseeker"))
    f = followups(followup("a", date(2024, 6, 1), situation="working"))
    inputs = sroi.build_sroi_inputs(t, f, params, date(2024, 12, 31))
    split = build_sroi_by_payer(inputs, params).filter(leerwinkel="gent", year=2024, scenario="central")
    values = dict(zip(split["payer"], split["value_eur"], strict=True))
    assert values == pytest.approx({
        "federal_social_security": round((14916.36 + 760.39) * 0.35, 2),
        "federal_tax": round((469.59 + 3658.96) * 0.35, 2),
        "flemish": 0.0, "local": 0.0,
    }, abs=0.011)
    assert round(sum(values.values()), 2) == round(19805.30 * 0.35 + 1e-9, 2)


# --------------------------------------------------------------------------- tornado


@pytest.mark.parametrize("which", ["defaults", "longer"])
def test_tornado_ranges_contain_the_central_ratio(params, longer, which):
    p = params if which == "defaults" else longer
    built = tables_for(p)
    tornado, result = built["ind_sroi_sensitivity"], built["ind_sroi"]
    assert tornado.height == result.height * len(tornado_variants(p))
    joined = tornado.join(result.select("leerwinkel", "year", "sroi_ratio"), on=["leerwinkel", "year"])
    with_ratio = joined.filter(pl.col("sroi_ratio").is_not_null())
    assert with_ratio.height > 0
    assert ((with_ratio["ratio_low"] <= with_ratio["sroi_ratio"]) & (with_ratio["sroi_ratio"] <= with_ratio["ratio_high"])).all()
    no_ratio = joined.filter(pl.col("sroi_ratio").is_null())
    assert no_ratio["ratio_low"].null_count() == no_ratio.height


def test_tornado_moves_one_parameter_at_a_time(params, tables):
    tornado = tables["ind_sroi_sensitivity"].filter(leerwinkel="all", year=2024)
    ranges = {r["parameter"]: (r["ratio_low"], r["ratio_high"]) for r in tornado.iter_rows(named=True)}
    central = tables["ind_sroi"].filter(leerwinkel="all", year=2024)["sroi_ratio"].item()
    # with duration 1 neither drop-off nor the discount rate changes anything
    assert ranges["drop_off"] == ranges["discount_rate"] == (central, central)
    assert ranges["proxy:training_started"] == (central, central)  # proxy 0
    assert ranges["duration_years"][0] == central and ranges["duration_years"][1] > 2 * central
    # deadweight 0.50-0.10 with attribution 0.50: factor 0.25-0.45 against 0.35
    assert ranges["deadweight"] == pytest.approx((central * 0.25 / 0.35, central * 0.45 / 0.35), rel=1e-4)


# --------------------------------------------------------------------------- Value Map


def test_value_map_totals_equal_ind_sroi(params, longer):
    for p in (params, longer):
        built = tables_for(p)
        outcomes = value_map_outcomes(built["ind_sroi_inputs"], p)
        totals = value_map_totals(built["ind_sroi"])
        assert outcomes["outcome"].to_list()[:4] == list(sroi.OUTCOMES)
        sums = outcomes.group_by("year").agg(pl.col("present_value_eur").sum().round(2).alias("sum"))
        joined = totals.join(sums, on="year")
        assert joined.height == totals.height > 0
        assert (joined["sum"] == joined["present_value_eur"]).all()
        network = built["ind_sroi"].filter(leerwinkel="all").sort("year")
        assert totals["present_value_eur"].to_list() == network["present_value_eur"].to_list()
        assert totals["net_present_value_eur"].to_list() == network["net_present_value_eur"].to_list()


def _sheet_rows(path: Path, year: int) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[f"Value Map {year}"].iter_rows(values_only=True)]


def test_published_value_map_is_the_published_sroi_tables(tmp_path, params, tables):
    """A reader who subtracts the Value Map from the published ind_sroi tables finds nothing:
    its quantities are the published (perturbed) counts and its euro figures the published ones."""
    write_publication(tables, tmp_path, pseudonymiser=KEY)
    published_inputs = pl.read_csv(tmp_path / "ind_sroi_inputs.csv")
    published_sroi = pl.read_csv(tmp_path / "ind_sroi.csv")
    exact_network = tables["ind_sroi_inputs"].filter(leerwinkel="all", year=2024)
    rows = _sheet_rows(tmp_path / VALUE_MAP_NAME, 2024)
    header = rows.index(next(r for r in rows if r[0] == "Stakeholder"))
    body = rows[header + 1:header + 5]
    network = published_inputs.filter(leerwinkel="all", year=2024)
    for r in body:
        pub = network.filter(outcome=r[1]).row(0, named=True)
        assert (r[3], r[11], r[12]) == (pub["count"], pub["value_eur"], pub["present_value_eur"])
    # the counts were perturbed somewhere: the map shows the published, not the exact counts
    assert len(body) == len(sroi.OUTCOMES) and exact_network.height == len(sroi.OUTCOMES)
    totals = {r[0]: r[1] for r in rows if r[0] in TOTAL_LABELS.values()}
    pub_all = published_sroi.filter(leerwinkel="all", year=2024).row(0, named=True)
    assert totals[TOTAL_LABELS["present_value_eur"]] == pytest.approx(pub_all["present_value_eur"], abs=0.005)
    assert totals[TOTAL_LABELS["net_present_value_eur"]] == pytest.approx(pub_all["net_present_value_eur"], abs=0.005)
    assert totals[TOTAL_LABELS["sroi_ratio"]] == pytest.approx(pub_all["sroi_ratio"], rel=1e-12)
    assert round(sum(r[12] for r in body), 2) == pytest.approx(pub_all["present_value_eur"], abs=0.005)


# --------------------------------------------------------------------------- publication and warehouse


def test_new_tables_reach_warehouse_views_pub_and_publication(tmp_path, tables):
    for name in ("ind_sroi_by_payer", "ind_sroi_sensitivity"):
        assert name in WAREHOUSE_TABLES and name in PUBLISHED_TABLES and name in TABLES
        assert f"v_{name}" in {v.name for v in VIEWS}
    paths = write_publication(tables, tmp_path, pseudonymiser=KEY)
    names = {p.name for p in paths}
    assert {"ind_sroi_by_payer.csv", "ind_sroi_sensitivity.csv", VALUE_MAP_NAME} <= names
    wb = openpyxl.load_workbook(tmp_path / "leerwinkels_indicatoren.xlsx")
    assert {"SROI per begunstigde", "SROI-gevoeligheid"} <= set(wb.sheetnames)


def test_published_payers_and_tornado_come_from_the_published_counts(params, tables):
    """An exact tornado end minus the central value is 25 % of one outcome's value, hence its
    count: the published tables are computed again from the perturbed counts instead."""
    published = protect(tables, KEY)[0]
    assert not published["ind_sroi_inputs"]["count"].equals(tables["ind_sroi_inputs"]["count"])  # perturbed
    again_payers = build_sroi_by_payer(published["ind_sroi_inputs"], params)
    again_tornado = build_sroi_sensitivity(published["ind_sroi_inputs"], published["ind_sroi"], params)
    assert published["ind_sroi_by_payer"].equals(again_payers)
    assert published["ind_sroi_sensitivity"].equals(again_tornado)
    assert not published["ind_sroi_by_payer"].equals(tables["ind_sroi_by_payer"])
    # the published net present value is the published present value minus the cost
    pub = published["ind_sroi"].filter(pl.col("cost_eur").is_not_null())
    assert ((pub["present_value_eur"] - pub["cost_eur"]).round(2) == pub["net_present_value_eur"]).all()


def test_new_outputs_pass_the_personal_data_scan(tmp_path, tables):
    """Read as text, as the publication check reads them: no cell of the new CSVs or of the
    Value Map looks like a national number, e-mail address or phone number (a euro figure
    written as 80396.29000000001 would)."""
    from leerwinkels.privacy.personal_data import personal_data_hits

    write_publication(tables, tmp_path, pseudonymiser=KEY)
    for name in ("ind_sroi_by_payer", "ind_sroi_sensitivity", "ind_sroi", "ind_sroi_inputs"):
        assert not personal_data_hits(pl.read_csv(tmp_path / f"{name}.csv", infer_schema_length=0)), name
    wb = openpyxl.load_workbook(tmp_path / VALUE_MAP_NAME)
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert cells and not personal_data_hits(pl.DataFrame({"cell": cells}))

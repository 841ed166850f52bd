"""The attacker of INDICATORS.md, "Protection that withstands subtraction".

A generated folder is consolidated through the real pipeline; from its model the indicator
tables are built twice: as they are (release 1) and with one trajectory added (release 2,
the next night). The attacker knows every linear identity that holds between the true
counts of the published tables (the `all` row and the six Leerwinkels, inflow partners
and new trajectories, the dimensions of the breakdown, the outcome counts and the
responses, the SROI outcome counts), that release 2 = release 1 + 0 or 1 in every cell,
and the publication rule (the blanks of 1-4; or the noise bound and that 0 stays 0, with
the same noise for the same cell every night). For every protected cell (true count 1-4
in either release) linear programming (HiGHS, one model per year solved again for each cell) gives the smallest and largest value the
cell can have. Primary suppression gives cells away; the protection must not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import highspy
import numpy as np
import polars as pl
import pytest
from scipy.sparse import coo_matrix

from leerwinkels.indicators.tables import LEERWINKELS, NETWORK, build_outcomes, build_reach, build_reach_breakdown, build_referrals
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import NOISE_MAX
from leerwinkels.publication.workbook import TABLES, _with_sroi_smallest_count, suppress_small_cells, write_publication
from leerwinkels.run.runner import consolidate
from leerwinkels.sroi import calculate as sroi
from leerwinkels_demo import generate_landing
from tests.conftest import read_warehouse

AS_OF = date(2026, 11, 26)
KEY = "attack-test-key-0123456789abcdef"
MIN_WIDTH = 5  # INDICATORS.md: a protected count's feasible range at least 5 wide
COUNT_TABLES = ["ind_reach", "ind_reach_breakdown", "ind_referrals", "ind_outcomes", "ind_sroi_inputs"]

Cell = tuple  # (table, leerwinkel, year, other key values, column)


# --------------------------------------------------------------------------- the two releases


def _contact_events(trajectories: pl.DataFrame, contacts: pl.DataFrame) -> pl.DataFrame:
    """contact_events (docs/model-frames.md) from the warehouse: a row per logged contact,
    and for trajectories with a count but no contact rows (Mechelen) one at intake."""
    logged = contacts.join(trajectories.select("trajectory_key", "leerwinkel"), on="trajectory_key").select(
        "leerwinkel", "trajectory_key", pl.col("contact_date").alias("event_date"),
        pl.lit(1, pl.Int64).alias("contacts"), pl.col("minutes").cast(pl.Float64),
    )
    counted = trajectories.join(contacts.select("trajectory_key").unique(), on="trajectory_key", how="anti").filter(
        pl.col("contacts") > 0
    ).select("leerwinkel", "trajectory_key", pl.col("intake_date").alias("event_date"),
             pl.col("contacts").cast(pl.Int64), pl.lit(None, pl.Float64).alias("minutes"))
    return pl.concat([logged, counted])


def _indicator_tables(model: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    t, f = model["trajectories"], model["followups"]
    params = sroi.load_parameters()
    inputs = sroi.build_sroi_inputs(t, f, params, AS_OF)
    return {
        "ind_reach": build_reach(t, _contact_events(t, model["contacts"]), AS_OF),
        "ind_reach_breakdown": build_reach_breakdown(t, AS_OF),
        "ind_referrals": build_referrals(t, model["referrals"], AS_OF),
        "ind_outcomes": build_outcomes(t, f, AS_OF),
        "ind_sroi_inputs": inputs,
        "ind_sroi": sroi.build_sroi(inputs, model["costs"], params, trajectories=t),
    }


def _with_one_more_trajectory(model: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The model of the next night: a new client's trajectory at genk, a copy of a closed
    genk trajectory with a follow-up response and a referral (so it is in many cells)."""
    t = model["trajectories"]
    with_all = (
        t.filter((pl.col("leerwinkel") == "genk") & (pl.col("status") == "completed"))
        .join(model["followups"].select("trajectory_key"), on="trajectory_key", how="semi")
        .join(model["referrals"].select("trajectory_key"), on="trajectory_key", how="semi")
        .sort("trajectory_key")
    )
    source = with_all.row(0, named=True)["trajectory_key"]
    new_key, new_client = "f" * 64, "e" * 64

    def copied(frame: pl.DataFrame, **extra) -> pl.DataFrame:
        rows = frame.filter(pl.col("trajectory_key") == source).with_columns(trajectory_key=pl.lit(new_key), **extra)
        return pl.concat([frame, rows.select(frame.columns)])

    return {
        **model,
        "trajectories": copied(t, client_key=pl.lit(new_client)),
        "followups": copied(model["followups"]),
        "referrals": copied(model["referrals"]),
        "contacts": copied(model["contacts"]),
    }


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    root = tmp_path_factory.mktemp("attack")
    generate_landing(root / "landing", trajectories=2000, seed=14, workers=1, as_of=AS_OF)
    mp = pytest.MonkeyPatch()
    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", KEY)
    mp.delenv("DAGSTER_HOME", raising=False)
    try:
        result = consolidate(
            sources=root / "landing", database_url=f"sqlite:///{root / 'wh.sqlite'}", as_of=AS_OF.isoformat(),
            staging_dir=root / "staging", publication_dir=root / "publication",
        )
    finally:
        mp.undo()
    assert result.success, result.error
    model = read_warehouse(f"sqlite:///{root / 'wh.sqlite'}")
    return _indicator_tables(model), _indicator_tables(_with_one_more_trajectory(model))


# --------------------------------------------------------------------------- cells and identities


def _cells(tables: dict[str, pl.DataFrame]) -> dict[Cell, float | None]:
    """Every published count cell of the count tables: (table, leerwinkel, year, rest, column)."""
    out: dict[Cell, float | None] = {}
    for name in COUNT_TABLES:
        meta = TABLES[name]
        rest = [k for k in meta.key if k not in ("leerwinkel", "year")]
        counts = [c.name for c in meta.published if c.kind == "count"]
        frame = tables[name]
        for row in frame.select(*meta.key, *counts).iter_rows(named=True):
            other = tuple(str(row[k]) for k in rest)
            for c in counts:
                out[(name, str(row["leerwinkel"]), int(row["year"]), other, c)] = row[c]
    return out


Identity = tuple[dict[Cell, int], str]  # (coefficients, "eq" | "le"): sum(coef * x) == / <= 0


def _identities(true: dict[Cell, float]) -> list[Identity]:
    """Every identity an attacker could know, kept where it holds on the true counts."""
    candidates: list[Identity] = []
    groups: dict[tuple, dict[str, Cell]] = defaultdict(dict)
    for cell in true:
        table, lw, year, other, col = cell
        groups[(table, year, other, col)][lw] = cell
    # the network row and the six Leerwinkels
    for by_lw in groups.values():
        parts = [by_lw[lw] for lw in LEERWINKELS if lw in by_lw]
        total = by_lw.get(NETWORK)
        if total is None:
            continue
        coef = {total: 1, **dict.fromkeys(parts, -1)}
        candidates += [(coef, "eq"), (coef, "le")] + [({p: 1, total: -1}, "le") for p in parts]
    years = sorted({c[2] for c in true})
    dims = sorted({c[3][0] for c in true if c[0] == "ind_reach_breakdown"})
    for lw in [*LEERWINKELS, NETWORK]:
        for y in years:
            def x(table, col, other=(), lw=lw, y=y):  # bound now: the cells of this Leerwinkel and year
                return (table, lw, y, other, col)

            reach = {c: x("ind_reach", c) for c in ("new_trajectories", "active_trajectories", "clients_reached", "new_clients", "vulnerable_clients")}
            inflow = [c for c in true if c[:3] == ("ind_referrals", lw, y) and c[3][0] == "in"]
            candidates.append(({**dict.fromkeys(inflow, 1), reach["new_trajectories"]: -1}, "eq"))
            by_dim = {d: [c for c in true if c[:3] == ("ind_reach_breakdown", lw, y) and c[3][0] == d] for d in dims}
            first = by_dim[dims[0]]
            for d in dims[1:]:
                candidates.append(({**dict.fromkeys(by_dim[d], 1), **dict.fromkeys(first, -1)}, "eq"))
            for col in ("new_clients", "new_trajectories"):
                candidates += [({**dict.fromkeys(first, 1), reach[col]: -1}, "eq"), ({**dict.fromkeys(first, 1), reach[col]: -1}, "le")]
            for small, large in [("vulnerable_clients", "clients_reached"), ("new_clients", "clients_reached"),
                                 ("clients_reached", "active_trajectories"), ("new_trajectories", "active_trajectories"),
                                 ("new_clients", "new_trajectories")]:
                candidates.append(({reach[small]: 1, reach[large]: -1}, "le"))
            responses = x("ind_outcomes", "responses")
            candidates.append(({responses: 1, x("ind_outcomes", "closed_trajectories"): -1}, "le"))
            for group in [("training_started", "training_enrolled"), ("working", "in_training", "jobseeker"), ("qualification",),
                          *[(c.name,) for c in TABLES["ind_outcomes"].published if c.name.endswith("_answered")]]:
                candidates.append(({**{x("ind_outcomes", g): 1 for g in group}, responses: -1}, "le"))
            outcomes = [c for c in true if c[:3] == ("ind_sroi_inputs", lw, y)]
            candidates.append(({**dict.fromkeys(outcomes, 1), responses: -1}, "le"))
    kept = []
    for coef, sense in candidates:
        if any(c not in true for c in coef):
            continue
        value = sum(k * true[c] for c, k in coef.items())
        if (sense == "eq" and value == 0) or (sense == "le" and value <= 0):
            kept.append((coef, sense))
    return kept


# --------------------------------------------------------------------------- the attack


def _hidden_numerators(outcomes: pl.DataFrame) -> dict[tuple, tuple[float, Cell, float, float]]:
    """What a published share or mean with an unpublished numerator gives away under the
    noise rule: share x published denominator = the perturbed numerator (agreeing answers,
    sum of scores). (leerwinkel, year, numerator) -> (that value, denominator cell, lo, hi)
    where lo x denominator <= numerator <= hi x denominator. A value at a clipping bound
    says less (only an inequality) and is left out."""
    out = {}
    for col in TABLES["ind_outcomes"].published:
        if not col.ratio or col.ratio[0] in outcomes.columns:
            continue
        lo, hi = col.value_range
        for lw, year, value, den in outcomes.select("leerwinkel", "year", col.name, col.ratio[1]).iter_rows():
            if value is None or not den or value == hi or (value == lo and lo > 0):
                continue
            numerator = value * den
            out[(lw, int(year), col.ratio[0])] = (round(numerator, 6), ("ind_outcomes", lw, int(year), (), col.ratio[1]), lo, hi)
    return out


def attack(
    true: list[dict[Cell, float]], published: list[dict[Cell, float | None]], rule: str,
    hidden: list[dict[tuple, tuple[float, Cell, float, float]]] | None = None,
) -> dict[tuple, tuple[float, float]]:
    """(release, cell) -> (min, max) of every protected cell (true 1-4) under the
    identities of each release, the release difference and the rule's bounds (and, for
    the noise, what shares with unpublished numerators give: ``hidden``)."""
    ranges = {}
    for year in sorted({c[2] for c in true[0]}):
        variables: dict[tuple, int] = {}

        def var(name: tuple, variables: dict[tuple, int] = variables) -> int:  # this year's variables
            return variables.setdefault(name, len(variables))

        rows: list[tuple[dict[int, float], str, float]] = []  # (coef by variable, sense, rhs)
        bounds: dict[int, tuple[float, float | None]] = {}
        for r, (t, p) in enumerate(zip(true, published, strict=False)):
            cells = {c: v for c, v in t.items() if c[2] == year}
            for coef, sense in _identities(cells):
                rows.append(({var((r, c)): k for c, k in coef.items()}, sense, 0.0))
            for c in cells:
                value = p[c]
                i = var((r, c))
                if rule == "suppression":  # published exact; blank = 1 to 4
                    bounds[i] = (value, value) if value is not None else (1, 4)
                elif value >= 1:  # x = p - e, e the cell's noise (the same every night)
                    bounds[i] = (1, None)
                    rows.append(({i: 1, var(("noise", c)): 1}, "eq", float(value)))
                    bounds[var(("noise", c))] = (-NOISE_MAX, NOISE_MAX)
                else:  # 0 published: 0, or x + e <= 0
                    bounds[i] = (0, NOISE_MAX)
        for r, numerators in enumerate(hidden or []):
            for (lw, y, name), (value, den, lo, hi) in numerators.items():
                if y != year:
                    continue
                h = var((r, ("hidden", lw, y, name)))
                if value > 0:  # h = value - e, the numerator's own noise
                    bounds[h] = (1, None)
                    rows.append(({h: 1, var(("noise", ("hidden", lw, y, name))): 1}, "eq", float(value)))
                    bounds[var(("noise", ("hidden", lw, y, name)))] = (-NOISE_MAX, NOISE_MAX)
                else:
                    bounds[h] = (0, NOISE_MAX)
                rows.append(({var((r, den)): lo, h: -1}, "le", 0.0))
                rows.append(({h: 1, var((r, den)): -hi}, "le", 0.0))
                other = var((1 - r, ("hidden", lw, y, name)))  # the other night: + 0 to hi (one more answer)
                if r == 1:
                    rows.append(({other: 1, h: -1}, "le", 0.0))
                    rows.append(({h: 1, other: -1}, "le", float(hi)))
        for c in (c for c in true[0] if c[2] == year):  # one trajectory added: + 0 or 1 (contacts: + its contacts)
            change = true[1][c] - true[0][c]
            assert change >= 0, c
            rows.append(({var((0, c)): 1, var((1, c)): -1}, "le", 0.0))
            if change <= 1:
                rows.append(({var((1, c)): 1, var((0, c)): -1}, "le", 1.0))
        n = len(variables)
        for i in range(n):
            bounds.setdefault(i, (None, None))

        solver = _solver(rows, [bounds[i] for i in range(n)])
        for (r, c), i in list(variables.items()):
            if r == "noise" or c[0] == "hidden" or not 1 <= true[r][c] <= 4:
                continue
            ranges[(r, c)] = (_extreme(solver, i, 1, (rule, r, c)), _extreme(solver, i, -1, (rule, r, c)))
    return ranges


def _solver(rows: list[tuple[dict[int, float], str, float]], bounds: list[tuple[float | None, float | None]]) -> highspy.Highs:
    """One year's constraints (``sum(coef * x) <= rhs`` or ``== rhs``) and variable bounds as
    one HiGHS model, solved again for every objective: only the objective changes, so HiGHS
    starts each solve from the last optimal basis (a fresh linprog model per objective took
    ~8 ms, and the two tests solve ~13,000)."""
    n = len(bounds)
    matrix = coo_matrix(
        ([v for coef, _, _ in rows for v in coef.values()],
         ([k for k, (coef, _, _) in enumerate(rows) for _ in coef], [i for coef, _, _ in rows for i in coef])),
        shape=(len(rows), n),
    ).tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array([-inf if lo is None else lo for lo, _ in bounds], dtype=float)
    lp.col_upper_ = np.array([inf if hi is None else hi for _, hi in bounds], dtype=float)
    lp.row_lower_ = np.array([rhs if sense == "eq" else -inf for _, sense, rhs in rows], dtype=float)
    lp.row_upper_ = np.array([rhs for _, _, rhs in rows], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    # a new objective leaves the last optimal basis feasible: primal simplex goes on from it
    # (presolve would throw that basis away)
    solver.setOptionValue("presolve", "off")
    solver.setOptionValue("simplex_strategy", 4)
    solver.passModel(lp)
    return solver


def _extreme(solver: highspy.Highs, i: int, sign: int, what: tuple) -> float:
    """The smallest (sign 1) or largest (sign -1) value variable ``i`` can take."""
    solver.changeColCost(i, sign)
    solver.run()
    status = solver.getModelStatus()
    assert status == highspy.HighsModelStatus.kOptimal, (*what, solver.modelStatusToString(status))  # the truth is feasible
    value = sign * solver.getInfo().objective_function_value
    solver.changeColCost(i, 0)
    return value


def _summary(ranges: dict[tuple, tuple[float, float]]) -> dict[str, int]:
    return {
        "protected": len(ranges),
        "exact": sum(hi - lo < 1e-6 for lo, hi in ranges.values()),
        "narrower_than_5": sum(hi - lo < MIN_WIDTH - 1e-6 for lo, hi in ranges.values()),
    }


def test_the_attack_recovers_cells_from_primary_suppression(releases):
    """Today's export (blank 1-4 and what derives from it): cells come back exactly."""
    true = [_cells(r) for r in releases]
    published = []
    for tables in releases:
        helped = _with_sroi_smallest_count(tables)
        published.append(_cells({n: suppress_small_cells(helped[n], n) for n in COUNT_TABLES}))
    summary = _summary(attack(true, published, "suppression"))
    print("primary suppression:", summary)
    assert summary["protected"] > 100
    assert summary["exact"] > 0  # single people recovered by subtraction
    assert summary["narrower_than_5"] == summary["protected"]  # a blank is known to be 1-4


def test_the_attack_recovers_nothing_from_the_protected_export(releases, tmp_path):
    """The export as written (CSV files of write_publication, two nights, the same key)."""
    true = [_cells(r) for r in releases]
    published, hidden = [], []
    for night, tables in enumerate(releases):
        out = tmp_path / f"night{night}"
        write_publication(tables, out, pseudonymiser=Pseudonymiser(KEY.encode()))
        published.append(_cells({n: pl.read_csv(out / f"{n}.csv") for n in COUNT_TABLES}))
        hidden.append(_hidden_numerators(pl.read_csv(out / "ind_outcomes.csv")))
    assert sum(len(h) for h in hidden) > 100
    ranges = attack(true, published, "perturbation", hidden)
    summary = _summary(ranges)
    print("protection:", summary)
    assert summary["protected"] > 100
    assert summary["exact"] == 0
    narrow = [(cell[1], hi - lo) for cell, (lo, hi) in ranges.items() if hi - lo < MIN_WIDTH - 1e-6]
    assert not narrow, narrow[:10]

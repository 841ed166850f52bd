"""Protection of the published indicator tables that withstands subtraction
(INDICATORS.md, "Protection that withstands subtraction"; the method in docs/indicators.md).

Stable, bounded, key-derived noise per published count cell:

- every count cell gets a noise ``e`` in ``{-NOISE_MAX .. NOISE_MAX}`` drawn from
  HMAC-SHA256(network key, ``cell:<table>|<key values>|<column>``): secret because the key
  is, and the same every night for the same cell, so that two releases differ only by the
  true change (independent noise per release could be averaged or intersected away);
- a true 0 stays 0 (an empty cell is nobody); a true ``x >= 1`` is published as
  ``max(0, x + e)``;
- shares, means and euro values are computed again from the perturbed counts (a share =
  published numerator / published denominator), so that every published figure is a
  function of the published counts and adds nothing an attacker could subtract. A share
  whose numerator is not a column (the agreeing answers of an insight statement) gets that
  numerator perturbed as a count of its own, not written out.

Pure functions: no Dagster, no I/O. The tables' metadata (which columns are counts, what a
share or value is computed from) is :data:`leerwinkels.publication.workbook.TABLES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from leerwinkels.evidence.wilson import wilson_bounds
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.workbook import TABLES, Column, Table

# The largest noise. An attacker bounds a protected cell from above by any cell that contains
# it (an `all` row, a total) and from below through its siblings; a published 0 means
# "0 to NOISE_MAX" and a published p >= 1 "p - NOISE_MAX to p + NOISE_MAX". One containing
# cell leaves a range at least NOISE_MAX - 4 wide; a total minus a few large siblings whose
# noises all sit near their extremes can leave less. 12 was chosen with the attack test
# (tests/test_disclosure_attack.py): with 9 one cell of 2,181 came down to a range of 3,
# with 12 none (docs/indicators.md, "Publication export").
NOISE_MAX = 12
NOISE_PREFIX = "cell:"


# --------------------------------------------------------------------------- noise


def cell_labels(frame: pl.DataFrame, table: str, key: tuple[str, ...], column: str) -> pl.Series:
    """``cell:<table>|<key values>|<column>`` per row: the message whose HMAC gives the
    cell's noise (stable: it names the cell, not the records in it)."""
    return frame.select(
        pl.concat_str(
            [pl.lit(NOISE_PREFIX + table), *[pl.col(k).cast(pl.String) for k in key], pl.lit(column)],
            separator="|",
        ).alias("label")
    ).to_series()


def cell_noise(
    frame: pl.DataFrame, table: str, key: tuple[str, ...], column: str,
    pseudonymiser: Pseudonymiser, noise_max: int = NOISE_MAX,
) -> pl.Series:
    """The noise of every cell of ``column``: uniform in ``{-noise_max .. noise_max}``
    (the first 60 bits of the HMAC modulo 2 * noise_max + 1; the bias is below 1e-16)."""
    meta = TABLES.get(table)
    if meta is not None and column in meta.noise_twins:  # the same figure in another table: its noise (issue 16)
        return _noise_of_labels(_twin_labels(frame, meta, column), column, pseudonymiser, noise_max)
    return _noise_of_labels(cell_labels(frame, table, key, column), column, pseudonymiser, noise_max)


def _noise_of_labels(labels: pl.Series, column: str, pseudonymiser: Pseudonymiser, noise_max: int) -> pl.Series:
    digests = pseudonymiser.series(labels)
    draw = digests.str.slice(0, 15).str.to_integer(base=16)
    return (draw % (2 * noise_max + 1) - noise_max).cast(pl.Int64).alias(column)


def _twin_labels(frame: pl.DataFrame, table: Table, column: str) -> pl.Series:
    """The cell labels of ``column``, where the same figure is published in another table
    (``Table.noise_twins``, issue 16) that table's cell label: one figure, one noise. Two
    independent noises on one figure could be intersected to a narrow range."""
    labels = pl.concat_str(
        [pl.lit(NOISE_PREFIX + table.name), *[pl.col(k).cast(pl.String) for k in table.key], pl.lit(column)], separator="|"
    )
    for twin in reversed(table.noise_twins.get(column, ())):
        parts = [pl.lit(k[1:]) if k.startswith("=") else pl.col(k).cast(pl.String) for k in twin.key]
        label = pl.concat_str([pl.lit(NOISE_PREFIX + twin.table), *parts, pl.lit(twin.column)], separator="|")
        applies = pl.col(twin.when[0]).is_in(list(twin.when[1])) if twin.when else pl.lit(True)
        labels = pl.when(applies).then(label).otherwise(labels)
    return frame.select(labels.alias("label")).to_series()


def perturbed(count: pl.Expr, noise: pl.Expr) -> pl.Expr:
    """0 stays 0 (and null null); ``x > 0`` becomes ``max(0, x + noise)``."""
    return pl.when(count > 0).then(pl.max_horizontal(count + noise, pl.lit(0))).otherwise(count)


# --------------------------------------------------------------------------- one table


def _noise_column(name: str) -> str:
    return f"__noise_{name}"


def _exact_column(name: str) -> str:
    return f"__exact_{name}"


def _required(table: Table) -> list[str]:
    needed = [c.name for c in table.published]
    for col in table.published:
        if col.ratio:
            needed.append(col.ratio[1])
        if col.scales_with:
            needed.append(col.scales_with)
    return list(dict.fromkeys(needed))


def _check(frame: pl.DataFrame, table: Table) -> None:
    missing = [name for name in _required(table) if name not in frame.columns]
    if missing:
        hint = " (build_outcomes(..., answered_counts=True) adds the *_answered counts)" if table.name == "ind_outcomes" else ""
        raise ValueError(f"{table.name}: columns missing for publication: {missing}{hint}")


def _protect_table(
    frame: pl.DataFrame, table: Table, published: Mapping[str, pl.DataFrame],
    pseudonymiser: Pseudonymiser, noise_max: int,
) -> pl.DataFrame:
    """``frame`` with its counts perturbed and every figure derived from them recomputed;
    the exact values of the derived columns kept in ``__exact_*`` helper columns."""
    counts = [c.name for c in table.published if c.kind == "count"]
    # numerators that are not columns (e.g. agreeing answers): value x denominator
    hidden = {
        c.ratio[0]: (pl.col(c.name) * pl.col(c.ratio[1])).round(0 if c.kind == "share" else 6)
        for c in table.published
        if c.ratio and c.ratio[0] not in frame.columns
    }
    out = frame.with_columns(**hidden)
    noises = [cell_noise(out, table.name, table.key, name, pseudonymiser, noise_max).alias(_noise_column(name))
              for name in [*counts, *hidden]]
    derived = [c for c in table.published if c.ratio or c.scales_with or c.sum_of or c.wilson or c.difference]
    out = out.with_columns(noises).with_columns(pl.col(c.name).alias(_exact_column(c.name)) for c in derived)
    out = out.with_columns(
        [perturbed(pl.col(name), pl.col(_noise_column(name))).cast(pl.Int64).alias(name) for name in counts]
        + [perturbed(pl.col(name), pl.col(_noise_column(name))).alias(name) for name in hidden]
    )
    for col in derived:
        if col.sum_of:
            other_table, source = col.sum_of
            out = _with_sum(out, col, published[other_table], source, table.key)
    for col in derived:
        if col.ratio:
            numerator, denominator = col.ratio
            low, high = col.value_range or (float("-inf"), float("inf"))
            value = (pl.col(numerator).cast(pl.Float64) / pl.col(denominator)).clip(low, high)
            # where the published denominator is 0 there is nothing to divide: null, as exact
            out = out.with_columns(pl.when((pl.col(denominator) > 0) & _in_rows(col)).then(value).alias(col.name))
        elif col.scales_with:
            base = col.scales_with
            exact_base = _exact_column(base) if _exact_column(base) in out.columns else None
            if exact_base is None:  # a count: its exact value is in the input frame
                out = out.with_columns(frame.get_column(base).alias(_exact_column(base)))
                exact_base = _exact_column(base)
            factor = pl.col(base).cast(pl.Float64) / pl.col(exact_base)
            value = pl.col(col.name) * factor
            if col.kind == "euro":
                value = value.round(2)
            out = out.with_columns(
                pl.when(pl.col(exact_base) != 0).then(value).otherwise(pl.col(col.name)).alias(col.name)
            )
    for col in derived:
        if col.wilson:  # issue 16: an interval end from the published counts, like a ratio
            numerator, denominator, end = col.wilson
            # the perturbed numerator can exceed the perturbed denominator: clip it as the share is clipped
            interval = wilson_bounds(pl.min_horizontal(numerator, denominator), pl.col(denominator))
            interval_end = interval[0] if end == "low" else interval[1]
            out = out.with_columns(pl.when(_in_rows(col)).then(interval_end).cast(pl.Float64).alias(col.name))
        if col.difference:  # after the columns it subtracts (net present value = present value - cost)
            minuend, subtrahend = col.difference
            out = out.with_columns((pl.col(minuend) - pl.col(subtrahend)).round(2).alias(col.name))
    return out


def _in_rows(col: Column) -> pl.Expr:
    """The rows a derived column is computed in (``Column.only_rows``); blank in the others."""
    if col.only_rows is None:
        return pl.lit(True)
    column, values = col.only_rows
    return pl.col(column).is_in(list(values))


def _with_sum(frame: pl.DataFrame, col: Column, other: pl.DataFrame, source: str, key: tuple[str, ...]) -> pl.DataFrame:
    """``col`` = the published sum of ``source`` in ``other`` over ``key`` (``col.sum_of``; e.g. the
    SROI value of a Leerwinkel-year = the sum of its published outcome values)."""
    sums = other.group_by(list(key)).agg(pl.col(source).sum().round(2).alias("__sum"))
    sums = sums.with_columns(pl.col(k).cast(frame.schema[k]) for k in key)
    joined = frame.join(sums, on=list(key), how="left")
    return joined.with_columns(pl.coalesce("__sum", pl.col(col.name)).alias(col.name)).drop("__sum")


# --------------------------------------------------------------------------- information loss

LOSS_COLUMNS = [
    "table", "count_cells", "perturbed_cells", "changed_cells", "max_abs_change",
    "mean_abs_change", "headline_cells", "headline_published",
]


def _loss_row(exact: pl.DataFrame, protected: pl.DataFrame, table: Table) -> dict[str, object]:
    counts = [c.name for c in table.published if c.kind == "count"]
    changes = pl.concat(
        [
            pl.DataFrame({"exact": exact.get_column(n), "published": protected.get_column(n)},
                         schema={"exact": pl.Int64, "published": pl.Int64})
            for n in counts
        ]
    ) if counts else pl.DataFrame(schema={"exact": pl.Int64, "published": pl.Int64})
    perturbed_cells = changes.filter(pl.col("exact") > 0)
    change = (perturbed_cells.get_column("published") - perturbed_cells.get_column("exact")).abs()
    headline = [c.name for c in table.published if c.headline]
    computable = sum(int(exact.get_column(n).is_not_null().sum()) for n in headline)
    published_cells = sum(
        int((exact.get_column(n).is_not_null() & protected.get_column(n).is_not_null()).sum()) for n in headline
    )
    return {
        "table": table.name,
        "count_cells": changes.height,
        "perturbed_cells": perturbed_cells.height,
        "changed_cells": int((change > 0).sum()),
        "max_abs_change": int(_number(change.max())),
        "mean_abs_change": float(_number(change.mean())),
        "headline_cells": computable,
        "headline_published": published_cells,
    }


def _number(value: object) -> int | float:
    """A numeric aggregate of a column (max, mean); 0 when there was nothing to aggregate (null)."""
    return value if isinstance(value, int | float) else 0


# --------------------------------------------------------------------------- entry point


def protect(
    tables: Mapping[str, pl.DataFrame], pseudonymiser: Pseudonymiser, noise_max: int = NOISE_MAX
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The tables as they may be published (counts perturbed, shares, means and values
    computed from the perturbed counts; same columns and rows as given) and the information
    loss per table (:data:`LOSS_COLUMNS`). ``tables`` are not changed. A table without
    metadata in TABLES or without a column its protection needs raises (KeyError/ValueError)."""
    for name in tables:
        if name not in TABLES:
            raise KeyError(
                f"no publication metadata for table {name!r}: declare it in leerwinkels.publication.workbook.TABLES "
                "(counts and what each share derives from) before it can be published"
            )
    published: dict[str, pl.DataFrame] = {}
    loss = []
    for table in TABLES.values():  # TABLES order: ind_sroi_inputs before ind_sroi (its sum)
        if table.name not in tables:
            continue
        frame = tables[table.name]
        _check(frame, table)
        if any(c.sum_of and c.sum_of[0] not in published for c in table.published):
            raise ValueError(f"{table.name}: needs {[c.sum_of[0] for c in table.published if c.sum_of]} to be published with it")
        if table.recompute is not None:  # computed again from the published frames (SROI by payer, tornado)
            protected = table.recompute(published)
        else:
            protected = _protect_table(frame, table, published, pseudonymiser, noise_max)
        published[table.name] = protected.select(frame.columns)
        loss.append(_loss_row(frame, published[table.name], table))
    return published, pl.DataFrame(loss, schema={
        "table": pl.String, "count_cells": pl.Int64, "perturbed_cells": pl.Int64, "changed_cells": pl.Int64,
        "max_abs_change": pl.Int64, "mean_abs_change": pl.Float64, "headline_cells": pl.Int64,
        "headline_published": pl.Int64,
    })


def loss_markdown(loss: pl.DataFrame) -> str:
    """The information loss per table as a markdown table."""
    header = "| " + " | ".join(loss.columns) + " |\n|" + "---|" * len(loss.columns) + "\n"
    body = "".join(
        "| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |\n"
        for row in loss.iter_rows()
    )
    return header + body


def information_loss_metadata(tables: Mapping[str, pl.DataFrame], pseudonymiser: Pseudonymiser) -> dict[str, int | float | str]:
    """Plain values for a run's metadata: the protection's parameters and information loss
    (counts of cells and changes only, never a value of a cell)."""
    loss = protect(tables, pseudonymiser)[1]
    changed = loss.get_column("perturbed_cells")
    total_change = float((loss.get_column("mean_abs_change") * changed).sum())
    return {
        "noise_max": NOISE_MAX,
        "perturbed_cells": int(changed.sum()),
        "max_abs_change": int(_number(loss.get_column("max_abs_change").max())),
        "mean_abs_change": round(total_change / int(changed.sum()), 3) if int(changed.sum()) else 0.0,
        "headline_cells_published": f"{int(loss.get_column('headline_published').sum())} of "
        f"{int(loss.get_column('headline_cells').sum())}",
        "information_loss": loss_markdown(loss),
    }


# --------------------------------------------------------------------------- verification


def protection_problems(
    exact: Mapping[str, pl.DataFrame], published: Mapping[str, pl.DataFrame],
    pseudonymiser: Pseudonymiser | None = None, noise_max: int = NOISE_MAX,
) -> list[str]:
    """What is wrong with a publication (``published``: the frames as read back, any
    dtype) against the exact tables, as messages naming table, column and how many cells,
    never a value. Must hold: every exact table is published with the same rows; every
    count is a whole number >= 0, 0 where the exact count is 0, within ``noise_max`` of
    the exact count otherwise; shares within [0, 1]; and, given the key, every count is
    exactly the value :func:`protect` gives (the noise of that cell)."""
    problems: list[str] = []
    expected = protect(exact, pseudonymiser, noise_max)[0] if pseudonymiser is not None else {}
    for name, frame in exact.items():
        table = TABLES[name]
        if name not in published:
            problems.append(f"{name}: not published")
            continue
        got = published[name]
        counts = [c.name for c in table.published if c.kind == "count"]
        if got.height != frame.height or any(c not in got.columns for c in counts):
            problems.append(f"{name}: published rows or columns differ from the exact table")
            continue
        key = list(table.key)
        left = frame.select(*[pl.col(k).cast(pl.String) for k in key], *counts)
        right = got.select(
            *[pl.col(k).cast(pl.String) for k in key],
            *[pl.col(c).cast(pl.Float64, strict=False).alias(f"__pub_{c}") for c in counts],
        )
        joined = left.join(right, on=key, how="left")
        if expected:
            joined = joined.join(
                expected[name].select(*[pl.col(k).cast(pl.String) for k in key],
                                      *[pl.col(c).alias(f"__exp_{c}") for c in counts]),
                on=key, how="left",
            )
        for c in counts:
            pub, ex = pl.col(f"__pub_{c}"), pl.col(c)
            checks = {
                "not a whole number >= 0": pub.is_null() | (pub < 0) | (pub != pub.round(0)),
                "not 0 where the exact count is 0": (ex == 0) & (pub != 0),
                f"further than {noise_max} from the exact count": (ex > 0) & ((pub - ex).abs() > noise_max),
            }
            if expected:
                checks["not the value the protection gives"] = pub != pl.col(f"__exp_{c}")
            for what, wrong in checks.items():
                # a count that is null in the exact table (not measured) must stay null (issue 16)
                wrong = pl.when(ex.is_null()).then(pub.is_not_null()).otherwise(wrong)
                n = int(joined.select(wrong.fill_null(True).sum()).item())
                if n:
                    problems.append(f"{name}.{c}: {n} published count(s) {what}")
        for col in table.published:
            if col.kind == "share" and col.name in got.columns:
                value = got.get_column(col.name).cast(pl.Float64, strict=False)
                n = int(((value < 0) | (value > 1)).sum())
                if n:
                    problems.append(f"{name}.{col.name}: {n} share(s) outside 0-100%")
    return problems


__all__ = [
    "LOSS_COLUMNS", "NOISE_MAX", "cell_labels", "cell_noise", "information_loss_metadata", "loss_markdown",
    "perturbed", "protect", "protection_problems",
]

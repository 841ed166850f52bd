"""The warehouse's views for BI tools, derived from the catalogue.

* ``v_<indicator table>``: the indicator table with the Dutch and French label of every
  coded column joined from ``code_labels`` (``<column>_nl``, ``<column>_fr``). A column whose
  code list depends on another column (``ind_referrals.partner``: ``inflow_channel`` for
  direction ``in``, ``destination`` for ``out``; ``ind_reach_breakdown.category``: the list
  named by ``dimension``) is joined on that code list.
* The protected figures are no views but tables, ``pub_<published table>``, written by the
  warehouse step from the publication's own protection (see docs/indicators.md).

The SQL is plain (LEFT JOIN, CASE) and the same on SQLite and PostgreSQL; identifiers are
quoted with the dialect's quoting. No Dagster import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leerwinkels.contract.tables import CATALOGUE, ColumnFacts, TableFacts

CODE_LABELS = "code_labels"
VIEW_PREFIX = "v_"
PUBLISHED_PREFIX = "pub_"


@dataclass(frozen=True)
class ViewFacts:
    name: str
    table: str
    depends_on: tuple[str, ...]
    labelled_columns: tuple[str, ...]


def _coded(column: ColumnFacts) -> bool:
    return isinstance(column.code_list, str) or column.code_list_by is not None


def _view_facts(table: TableFacts) -> ViewFacts:
    coded = tuple(c.name for c in table.warehouse_columns if _coded(c))
    return ViewFacts(f"{VIEW_PREFIX}{table.name}", table.name, (table.name, CODE_LABELS), coded)


#: one labelled view per indicator table written to the warehouse
VIEWS: tuple[ViewFacts, ...] = tuple(
    _view_facts(t) for t in CATALOGUE if t.layer == "indicator" and t.in_warehouse
)


def published_table_name(table: str) -> str:
    return f"{PUBLISHED_PREFIX}{table}"


def _code_list_sql(column: ColumnFacts, quote: Callable[[str], str]) -> str:
    """The SQL expression naming the code list of ``column`` in a row of table ``t``."""
    if isinstance(column.code_list, str):
        return "'" + column.code_list.replace("'", "''") + "'"
    assert column.code_list_by is not None
    by_column, pairs = column.code_list_by
    if not pairs:
        return f"t.{quote(by_column)}"
    whens = " ".join(f"WHEN '{value}' THEN '{code_list}'" for value, code_list in pairs)
    return f"CASE t.{quote(by_column)} {whens} END"


def view_sql(view: ViewFacts, quote: Callable[[str], str]) -> str:
    """``CREATE VIEW`` of ``view``: every column of its table, then ``<col>_nl`` and ``<col>_fr``."""
    table = next(t for t in CATALOGUE if t.name == view.table)
    selects = [f"t.{quote(c.name)}" for c in table.warehouse_columns]
    joins = []
    for i, name in enumerate(view.labelled_columns):
        column = table.column(name)
        alias = f"l{i}"
        selects += [f"{alias}.label_nl AS {quote(name + '_nl')}", f"{alias}.label_fr AS {quote(name + '_fr')}"]
        joins.append(
            f"LEFT JOIN {quote(CODE_LABELS)} {alias} ON {alias}.code_list = {_code_list_sql(column, quote)} "
            f"AND {alias}.code = t.{quote(name)}"
        )
    return (
        f"CREATE VIEW {quote(view.name)} AS SELECT {', '.join(selects)} FROM {quote(view.table)} t "
        + " ".join(joins)
    )

"""Helpers shared by the asset modules: partitions, metadata, markdown previews."""


import dagster as dg
import polars as pl

from leerwinkels.ingest.source_specs import PARTITIONS

leerwinkel_partitions = dg.StaticPartitionsDefinition(list(PARTITIONS))

OWNERS = ["team:data-platform"]


def markdown_table(frame: pl.DataFrame, limit: int = 20) -> str:
    """A small markdown table of a frame (no pandas/tabulate needed)."""
    if frame.height == 0:
        return "_no rows_"
    shown = frame.head(limit)

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.3f}".rstrip("0").rstrip(".")
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.iter_rows()]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return "\n".join(lines)


def column_schema(frame: pl.DataFrame, table: str | None = None) -> dg.TableSchema:
    """The table's columns as Dagster shows them: for a catalogue table the catalogue's columns
    (type, description, nullable, key), else the frame's columns and types."""
    from leerwinkels.contract.tables import BY_NAME

    facts = BY_NAME.get(table) if table else None
    if facts is None:
        return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()])
    key = facts.key
    columns = [
        dg.TableColumn(
            c.name,
            str(c.dtype),
            description=c.description + (f" (code list `{c.code_list}`)" if c.code_list else "") + (" [internal: never written]" if c.internal else ""),
            constraints=dg.TableColumnConstraints(nullable=c.nullable and c.name not in key, unique=c.unique or key == (c.name,)),
        )
        for c in facts.columns
    ]
    constraints = dg.TableConstraints(other=[f"primary key ({', '.join(key)})"] if key else [f"no key: {facts.no_key_reason}"])
    return dg.TableSchema(columns=columns, constraints=constraints)


def table_metadata(frame: pl.DataFrame, preview: pl.DataFrame | None = None, table: str | None = None, **extra) -> dict:
    """Row count, preview and column schema; with ``table`` also the warehouse table name."""
    from leerwinkels.contract.tables import BY_NAME

    metadata = {
        "dagster/row_count": dg.MetadataValue.int(frame.height),
        "dagster/column_schema": column_schema(frame, table),
        "preview": dg.MetadataValue.md(markdown_table(preview if preview is not None else frame)),
    }
    if table is not None and table in BY_NAME and BY_NAME[table].in_warehouse:
        metadata["dagster/table_name"] = table
    metadata.update(extra)
    return metadata


def definition_metadata(table: str) -> dict:
    """The catalogue's column schema and table name on the asset definition, so the UI shows
    them before the first materialisation."""
    from leerwinkels.contract.tables import BY_NAME

    metadata: dict = {"dagster/column_schema": column_schema(pl.DataFrame(), table)}
    if BY_NAME[table].in_warehouse:
        metadata["dagster/table_name"] = table
    return metadata


def latest_network_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The network rows (`all`) of the latest year: what a steward looks at first."""
    if frame.height == 0 or "year" not in frame.columns:
        return frame
    latest = frame.get_column("year").max()
    return frame.filter((pl.col("leerwinkel") == "all") & (pl.col("year") == latest))


def percent(part: int, whole: int) -> float:
    """A share as the UI shows it to a reader: a percentage rounded to 2 decimals (4.64, not
    0.0464367816091954); 0.0 when there is no whole."""
    return round(100 * part / whole, 2) if whole else 0.0

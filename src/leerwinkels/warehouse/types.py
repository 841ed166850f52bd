"""Column types: the SQL type a polars dtype is stored as, the dtype a stored column is read
back as, and the frames each backend's bulk load takes.

String/Categorical/Enum/Null -> TEXT, Int* -> BIGINT, Float* -> FLOAT(53) (double
precision), Boolean, Date, Datetime -> DATETIME / TIMESTAMP (timezone-aware frames:
TIMESTAMPTZ on PostgreSQL, stored in UTC), Time, Decimal -> NUMERIC, Binary -> BLOB/BYTEA;
lists, structs and durations are refused. Read back, integers are Int64 and
floats/decimals Float64. SQLite stores NaN as NULL; PostgreSQL keeps it.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

# SQLite storage formats of SQLAlchemy's sqlite DATE / DATETIME / TIME types: values
# written in them read back through SQLAlchemy as date / datetime / time.
SQLITE_DATE_FMT = "%Y-%m-%d"
SQLITE_DATETIME_FMT = "%Y-%m-%d %H:%M:%S%.6f"
SQLITE_TIME_FMT = "%H:%M:%S%.6f"


def sqlalchemy_type_for(dtype: pl.DataType) -> sa.types.TypeEngine[Any]:
    """The SQLAlchemy column type a polars dtype is stored as."""
    if dtype == pl.String or dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return sa.Text()
    if dtype == pl.Boolean:
        return sa.Boolean()
    if dtype.is_integer():
        if dtype in (pl.Int128, pl.UInt128):
            return sa.Numeric(39, 0)
        return sa.BigInteger()
    if dtype.is_float():
        return sa.Float(53)
    if isinstance(dtype, pl.Decimal):
        return sa.Numeric(dtype.precision, dtype.scale)
    if dtype == pl.Date:
        return sa.Date()
    if isinstance(dtype, pl.Datetime):
        return sa.DateTime(timezone=dtype.time_zone is not None)
    if dtype == pl.Time:
        return sa.Time()
    if dtype == pl.Binary:
        return sa.LargeBinary()
    raise TypeError(
        f"polars dtype {dtype} has no warehouse column type; "
        "flatten lists/structs and convert durations before writing"
    )


def polars_dtype_for(satype: sa.types.TypeEngine[Any]) -> pl.DataType:
    """The polars dtype a reflected column is read back as."""
    if isinstance(satype, sa.Boolean):
        return pl.Boolean()
    if isinstance(satype, sa.Integer):
        return pl.Int64()
    if isinstance(satype, sa.Float):  # before Numeric: Float subclasses Numeric
        return pl.Float64()
    if isinstance(satype, sa.Numeric):
        if satype.scale == 0 and satype.precision is not None and satype.precision <= 18:
            return pl.Int64()
        return pl.Float64()
    if isinstance(satype, sa.DateTime):  # before Date
        return pl.Datetime("us", "UTC" if getattr(satype, "timezone", False) else None)
    if isinstance(satype, sa.Date):
        return pl.Date()
    if isinstance(satype, sa.Time):
        return pl.Time()
    if isinstance(satype, sa.LargeBinary):
        return pl.Binary()
    return pl.String()


def plain_dtypes(df: pl.DataFrame) -> pl.DataFrame:
    """Categoricals/enums/null columns as text, timezone-aware timestamps in UTC."""
    casts = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype == pl.Null:
            casts.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            casts.append(pl.col(name).dt.convert_time_zone("UTC"))
    return df.with_columns(casts) if casts else df


def frame_for_sqlite(df: pl.DataFrame) -> pl.DataFrame:
    """Columns the ADBC SQLite driver binds, stored the way SQLAlchemy's SQLite types store
    them: dates and timestamps as ISO text, decimals as floats. Integers the driver cannot
    bind (128-bit ones have no Arrow export; it refuses UInt64 above the int64 range) as
    Int64, strictly: a value beyond the int64 range fails here, naming its column."""
    df = plain_dtypes(df)
    casts = []
    for name, dtype in df.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime(SQLITE_DATE_FMT))
        elif isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            if dtype.time_zone is not None:
                col = col.dt.replace_time_zone(None)  # already UTC
            casts.append(col.dt.strftime(SQLITE_DATETIME_FMT))
        elif dtype == pl.Time:
            casts.append(pl.col(name).dt.strftime(SQLITE_TIME_FMT))
        elif isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype in (pl.UInt64, pl.Int128, pl.UInt128):
            casts.append(pl.col(name).cast(pl.Int64, strict=True))
    return df.with_columns(casts) if casts else df


def frame_for_copy(df: pl.DataFrame) -> pl.DataFrame:
    """Columns polars can write as CSV that PostgreSQL's COPY parses back exactly."""
    df = plain_dtypes(df)
    casts = []
    for name, dtype in df.schema.items():
        if dtype == pl.Binary:
            casts.append((pl.lit("\\x") + pl.col(name).bin.encode("hex")).alias(name))
        elif dtype == pl.Time:
            casts.append(pl.col(name).dt.strftime(SQLITE_TIME_FMT).alias(name))
    return df.with_columns(casts).select(df.columns) if casts else df

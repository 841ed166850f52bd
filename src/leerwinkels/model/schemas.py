"""pandera (polars) models of the shared model tables (MODEL.md), validated in the model step."""

from __future__ import annotations

from typing import Optional

import pandera.polars as pa
import polars as pl

from leerwinkels.contract.code_lists import AGE_AT_INTAKE_MAX, AGE_AT_INTAKE_MIN, CODE_LISTS, LEERWINKELS

UNKNOWN = "unknown"


def codes(code_list: str) -> list[str]:
    return [*CODE_LISTS[code_list], UNKNOWN]


class Trajectories(pa.DataFrameModel):
    trajectory_key: str = pa.Field(unique=True, str_length={"min_value": 64, "max_value": 64})
    client_key: str = pa.Field(str_length={"min_value": 64, "max_value": 64})
    leerwinkel: str = pa.Field(isin=LEERWINKELS)
    intake_date: pl.Date
    closed_date: Optional[pl.Date] = pa.Field(nullable=True)
    status: str = pa.Field(isin=["open", "completed", "stopped"])
    inflow_channel: str = pa.Field(isin=codes("inflow_channel"))
    learning_question: str = pa.Field(isin=codes("learning_question"))
    gender: str = pa.Field(isin=codes("gender"))
    birth_year: Optional[pl.Int32] = pa.Field(nullable=True)
    age_at_intake: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": AGE_AT_INTAKE_MIN, "max_value": AGE_AT_INTAKE_MAX})
    age_band: str = pa.Field(isin=codes("age_band"))
    postcode: Optional[str] = pa.Field(nullable=True, str_matches=r"^\d{4}$")
    education_level: str = pa.Field(isin=codes("education_level"))
    dutch_level: str = pa.Field(isin=codes("dutch_level"))
    labour_status: str = pa.Field(isin=codes("labour_status"))
    vulnerable: bool
    contacts: pl.Int64 = pa.Field(ge=0)
    guidance_minutes: Optional[pl.Float64] = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check
    def closed_not_before_intake(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("closed_date").is_null() | (pl.col("closed_date") >= pl.col("intake_date"))).alias("ok"))


class Contacts(pa.DataFrameModel):
    trajectory_key: str
    contact_date: pl.Date
    contact_type: str = pa.Field(isin=codes("contact_type"))
    minutes: Optional[pl.Float64] = pa.Field(nullable=True)


class Referrals(pa.DataFrameModel):
    trajectory_key: str
    referral_date: pl.Date
    destination: str = pa.Field(isin=codes("destination"))


class Followups(pa.DataFrameModel):
    trajectory_key: str = pa.Field(unique=True)
    response_date: Optional[pl.Date] = pa.Field(nullable=True)
    training_started: str = pa.Field(isin=codes("training_started"))
    situation: str = pa.Field(isin=codes("situation"))
    qualification: Optional[bool] = pa.Field(nullable=True)
    insight_labour_market: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 5})
    insight_strengths: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 5})
    insight_barriers: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 5})
    insight_learning: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 5})
    satisfaction: Optional[pl.Int32] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 10})


class Clients(pa.DataFrameModel):
    client_key: str = pa.Field(unique=True)
    leerwinkels: pl.Int64 = pa.Field(in_range={"min_value": 1, "max_value": 6})
    first_intake_date: pl.Date
    trajectories: pl.Int64 = pa.Field(ge=1)


class Costs(pa.DataFrameModel):
    leerwinkel: str = pa.Field(isin=LEERWINKELS)
    year: pl.Int32
    staff_cost: Optional[pl.Float64] = pa.Field(nullable=True)
    operating_cost: Optional[pl.Float64] = pa.Field(nullable=True)
    fte: Optional[pl.Float64] = pa.Field(nullable=True)


MODEL_SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "trajectories": Trajectories,
    "contacts": Contacts,
    "referrals": Referrals,
    "followups": Followups,
    "clients": Clients,
    "costs": Costs,
}


def validate_model(tables: dict[str, pl.DataFrame]) -> None:
    """Raise pandera's SchemaErrors (all failures at once) when a model table breaks its schema."""
    for name, schema in MODEL_SCHEMAS.items():
        if name in tables:
            schema.validate(tables[name], lazy=True)

"""Indicator tables: the public interface read by dashboards, researchers and the funder."""


import dagster as dg
import polars as pl

from leerwinkels.defs.assets.common import OWNERS, definition_metadata, latest_network_rows, table_metadata
from leerwinkels.defs.conditions import AFTER_INGEST, DOWNSTREAM
from leerwinkels.defs.resources import RunSettings
from leerwinkels.indicators import tables as ind
from leerwinkels.sroi import calculate as sroi
from leerwinkels.sroi.payers import build_sroi_by_payer
from leerwinkels.sroi.sensitivity import build_sroi_sensitivity

GROUP = "indicators"


def _output(frame: pl.DataFrame, table: str) -> dg.Output:
    return dg.Output(frame, metadata=table_metadata(frame, latest_network_rows(frame), table=table))


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_reach"),
          description="Reach per Leerwinkel (and `all`) and year: new and active trajectories, clients reached, new and vulnerable clients, contacts, guidance hours.")
def ind_reach(trajectories: pl.DataFrame, contact_events: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    frame = ind.build_reach(trajectories, contact_events, settings.as_of_date())
    return dg.Output(frame, metadata={**table_metadata(frame, latest_network_rows(frame), table="ind_reach"), **reach_plot_metadata(frame)})


def reach_plot_metadata(frame: pl.DataFrame) -> dict[str, dg.MetadataValue]:
    """Numbers the UI plots over the materializations: the network's (`all`) new
    trajectories and clients reached in the latest year, and which year that is."""
    latest = latest_network_rows(frame)
    if latest.height != 1:
        return {}
    row = latest.row(0, named=True)
    return {
        "network_year": dg.MetadataValue.int(int(row["year"])),
        "network_new_trajectories": dg.MetadataValue.int(int(row["new_trajectories"] or 0)),
        "network_clients_reached": dg.MetadataValue.int(int(row["clients_reached"] or 0)),
    }


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_reach_breakdown"),
          description="Distinct clients with a trajectory new in the year, by gender, age band, education, Dutch level, labour status, inflow channel and learning question.")
def ind_reach_breakdown(trajectories: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    return _output(ind.build_reach_breakdown(trajectories, settings.as_of_date()), "ind_reach_breakdown")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_referrals"),
          description="Who refers clients in (inflow channel of new trajectories) and where they are referred out to (destinations, by referral date).")
def ind_referrals(trajectories: pl.DataFrame, referrals: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    return _output(ind.build_referrals(trajectories, referrals, settings.as_of_date()), "ind_referrals")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_outcomes"),
          description="What happens after the guidance: closed trajectories per closing year, survey responses, training, work, qualifications, insight and satisfaction.")
def ind_outcomes(trajectories: pl.DataFrame, followups: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    return _output(ind.build_outcomes(trajectories, followups, settings.as_of_date()), "ind_outcomes")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=AFTER_INGEST, metadata=definition_metadata("code_labels"),
          description="Dutch and French labels for every code, so a dashboard shows `Werkzoekend` instead of `jobseeker`.")
def code_labels() -> dg.Output[pl.DataFrame]:
    frame = ind.code_labels()
    return dg.Output(frame, metadata=table_metadata(frame, frame.group_by("code_list").len().sort("code_list"), table="code_labels"))


def _parameters() -> sroi.SroiParameters:
    try:
        return sroi.load_parameters()
    except sroi.SroiParameterError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_sroi_inputs"),
          description="SROI outcome counts per Leerwinkel, closing year and outcome, with proxy, deadweight and attribution applied (parameters in sroi/parameters.yaml).")
def ind_sroi_inputs(trajectories: pl.DataFrame, followups: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    return _output(sroi.build_sroi_inputs(trajectories, followups, _parameters(), settings.as_of_date()), "ind_sroi_inputs")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_sroi"),
          description="SROI ratio per Leerwinkel and year: present value of the social value over yearly cost, with net present value and a low/high sensitivity range. Null without a cost row.")
def ind_sroi(context: dg.AssetExecutionContext, ind_sroi_inputs: pl.DataFrame, costs: pl.DataFrame, trajectories: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    frame = sroi.build_sroi(ind_sroi_inputs, costs, _parameters(), trajectories=trajectories)
    missing = sroi.missing_cost_rows(costs, trajectories, settings.as_of_date())
    for row in missing.iter_rows(named=True):
        context.log.warning(f"no cost row for {row['leerwinkel']} {row['year']}: its SROI ratio is null")
    metadata = table_metadata(frame, latest_network_rows(frame), table="ind_sroi")
    metadata["missing_cost_rows"] = dg.MetadataValue.int(missing.height)
    return dg.Output(frame, metadata=metadata)


# issue 17: who gains and the tornado (src/leerwinkels/sroi/payers.py, sensitivity.py)
@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_sroi_by_payer"),
          description="The SROI present value split over the payers that save or earn it (federal social security, federal tax, Flemish, local), per scenario.")
def ind_sroi_by_payer(ind_sroi_inputs: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    return _output(build_sroi_by_payer(ind_sroi_inputs, _parameters()), "ind_sroi_by_payer")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_sroi_sensitivity"),
          description="The tornado: the SROI ratio when one parameter alone moves across its range (proxies +-25 %, rates low-high, duration 1-3 years), the rest central.")
def ind_sroi_sensitivity(ind_sroi_inputs: pl.DataFrame, ind_sroi: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    return _output(build_sroi_sensitivity(ind_sroi_inputs, ind_sroi, _parameters()), "ind_sroi_sensitivity")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=AFTER_INGEST, metadata=definition_metadata("sroi_case_studies"),
          description="The impact study's MKBA case(s) reproduced from the parameter file: benefits, costs and the net effect for the government.")
def sroi_case_studies() -> dg.Output[pl.DataFrame]:
    frame = sroi.case_study_table(_parameters())
    return dg.Output(frame, metadata=table_metadata(frame, table="sroi_case_studies"))

"""Indicator tables: the public interface read by dashboards, researchers and the funder."""


import dagster as dg
import polars as pl

from leerwinkels.defs.assets.common import OWNERS, definition_metadata, latest_network_rows, table_metadata
from leerwinkels.defs.conditions import AFTER_INGEST, DOWNSTREAM
from leerwinkels.defs.resources import RunSettings
from leerwinkels.evidence import assumptions as ev_assumptions
from leerwinkels.evidence import bounds as ev_bounds
from leerwinkels.evidence import context as ev_context
from leerwinkels.evidence import followthrough as ev_followthrough
from leerwinkels.evidence import parameters as ev_parameters
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


# ---- issue 16: evidence for the study's four assumptions (EVIDENCE.md; src/leerwinkels/evidence/)


def _evidence_parameters() -> ev_parameters.EvidenceParameters:
    try:
        return ev_parameters.load_parameters()
    except ev_parameters.EvidenceParameterError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_outcomes_by_context"),
          description="What works for whom: in-window outcomes (positive share with its Wilson 95 % interval) of the trajectories closed in the year, by context at intake and by the guidance given.")
def ind_outcomes_by_context(trajectories: pl.DataFrame, followups: pl.DataFrame, referrals: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    frame = ev_context.build_outcomes_by_context(trajectories, followups, referrals, settings.as_of_date(), _evidence_parameters().window)
    return _output(frame, "ind_outcomes_by_context")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_outcome_bounds"),
          description="The positive-outcome share of respondents, reweighted for non-response (labour status x age band), and its bounds with every non-respondent negative or positive.")
def ind_outcome_bounds(trajectories: pl.DataFrame, followups: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    frame = ev_bounds.build_outcome_bounds(trajectories, followups, settings.as_of_date(), _evidence_parameters().window)
    return _output(frame, "ind_outcome_bounds")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("ind_referral_followthrough"),
          description="Did a referral lead somewhere: per referral year and destination, the in-window responses showing a training started or work (null where the survey cannot tell).")
def ind_referral_followthrough(trajectories: pl.DataFrame, followups: pl.DataFrame, referrals: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    frame = ev_followthrough.build_referral_followthrough(trajectories, followups, referrals, settings.as_of_date(), _evidence_parameters().window)
    return _output(frame, "ind_referral_followthrough")


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"polars"}, automation_condition=DOWNSTREAM, metadata=definition_metadata("evidence_assumptions"),
          description="The evidence for the study's assumptions A1-A4 per Leerwinkel, year and indicator: value, n, Wilson interval and a grade by the versioned rubric (evidence/parameters.yaml).")
def evidence_assumptions(trajectories: pl.DataFrame, followups: pl.DataFrame, referrals: pl.DataFrame, ind_sroi: pl.DataFrame,
                         ind_sroi_inputs: pl.DataFrame, settings: RunSettings) -> dg.Output[pl.DataFrame]:
    params = _evidence_parameters()
    frame = ev_assumptions.build_evidence_assumptions(trajectories, followups, referrals, ind_sroi, ind_sroi_inputs, params, settings.as_of_date())
    metadata = table_metadata(frame, latest_network_rows(frame).select("assumption", "indicator", "value", "n", "grade"), table="evidence_assumptions")
    metadata["rubric_version"] = dg.MetadataValue.text(params.version)
    return dg.Output(frame, metadata=metadata)

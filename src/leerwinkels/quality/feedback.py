"""What each Leerwinkel gets back (issue 20): its scorecard beside the network's median, its
quarantined rows with what to do, its unmapped labels, its forgotten dossiers and its late
registrations -- by file, sheet and row of its own current delivery.

One frame per sheet, every row carrying its ``leerwinkel``: the workbook writer
(``quality/feedback_workbook.py``) gives each Leerwinkel only its own rows. No value of a
source cell is here: places, dates, codes, the labels as ``dq_unmapped_values`` may show them.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.ingest.source_specs import LEERWINKELS
from leerwinkels.quality.first_seen import late_expr
from leerwinkels.quality.scorecard import forgotten_dossiers, latest_run, network_median
from leerwinkels.quality.targets import MEASURES, Targets

#: Dutch names of the measures, as the workbook shows them
MEASURE_LABELS_NL = {
    "missing_gender": "Geslacht ontbreekt",
    "missing_age": "Leeftijd ontbreekt (geboortedatum of -jaar)",
    "missing_postcode": "Postcode ontbreekt",
    "missing_education_level": "Opleidingsniveau ontbreekt of onbekend",
    "missing_dutch_level": "Niveau Nederlands ontbreekt of onbekend",
    "missing_labour_status": "Arbeidssituatie ontbreekt of onbekend",
    "missing_inflow_channel": "Toeleider ontbreekt of onbekend",
    "missing_learning_question": "Leervraag ontbreekt of onbekend",
    "missing_national_number": "Geen geldig rijksregisternummer",
    "quarantine_share": "Rijen in quarantaine",
    "duplicate_share": "Dubbele rijen",
    "unmapped_labels": "Onbekende labels (aantal)",
    "late_contacts_share": "Contacten laat geregistreerd",
    "late_closings_share": "Afsluitingen laat geregistreerd",
    "forgotten_dossiers_share": "Open dossiers zonder recent contact",
}
#: What to do about a quarantined row, in plain Dutch, per rule (MODEL.md)
RULE_ADVICE_NL = {
    "missing_id": "Het trajectnummer (dossiernummer) is leeg: vul het in.",
    "bad_date": "De datum ontbreekt of is geen geldige datum: vul een datum in zoals in de rest van het bestand.",
    "date_order": "De afsluitdatum ligt vóór de intakedatum: verbeter een van beide.",
    "future_date": "De intakedatum ligt na de datum van de verwerking: verbeter de datum.",
    "age_out_of_range": "De leeftijd bij intake is lager dan 16 of hoger dan 100: controleer de geboortedatum.",
    "duplicate_id": "Een eerdere rij heeft hetzelfde trajectnummer met andere gegevens: houd één rij per traject.",
    "orphan": "De rij verwijst naar een traject of cliënt dat niet geladen werd: controleer het nummer of verbeter eerst die rij.",
    "unlinked": "Het antwoord noemt geen geladen traject: controleer Leerwinkel en dossiernummer.",
}
STATUS_NL = {"green": "groen", "orange": "oranje", "red": "rood"}
KIND_NL = {"contact": "contact", "closing": "afsluiting"}


def scorecard_rows(scorecard: pl.DataFrame, targets: Targets) -> pl.DataFrame:
    """Per Leerwinkel and measure of the newest run: its value, the network's median, the target, the status."""
    run = latest_run(scorecard)
    medians = network_median(run)
    rows = []
    for record in run.iter_rows(named=True):
        for m in MEASURES:
            target = targets.targets[m]
            value = record[m]
            rows.append({
                "leerwinkel": record["leerwinkel"], "measure": MEASURE_LABELS_NL[m],
                "value": None if value is None else float(value), "network_median": medians[m],
                "green_max": target.green_max, "orange_max": target.orange_max,
                "status": STATUS_NL.get(record[f"{m}_status"] or "", "niet gemeten"),
                "source": target.source,
            })
    return pl.DataFrame(rows, schema={
        "leerwinkel": pl.String, "measure": pl.String, "value": pl.Float64, "network_median": pl.Float64,
        "green_max": pl.Float64, "orange_max": pl.Float64, "status": pl.String, "source": pl.String,
    })


def quarantine_rows(quarantine: pl.DataFrame) -> pl.DataFrame:
    """The quarantined rows of the six Leerwinkels with what to do (the network's survey rows are not theirs)."""
    return quarantine.filter(pl.col("leerwinkel").is_in(LEERWINKELS)).select(
        "leerwinkel", "file_name", "sheet", "row_number", "column", "rule",
        pl.col("rule").replace_strict(RULE_ADVICE_NL, default="Controleer de rij.").alias("advice"),
    ).sort("leerwinkel", "file_name", "sheet", "row_number")


def unmapped_rows(unmapped: pl.DataFrame) -> pl.DataFrame:
    """The unmapped labels as ``dq_unmapped_values`` shows them (DELIVERIES.md: masked where they could be a name)."""
    return unmapped.filter(pl.col("leerwinkel").is_in(LEERWINKELS)).select(
        "leerwinkel", "column", "value", "rows", "rows_at").sort("leerwinkel", "column", "value")


def forgotten_rows(trajectories: pl.DataFrame, contacts: pl.DataFrame, places: pl.DataFrame, as_of: date, idle_days: int) -> pl.DataFrame:
    """The forgotten dossiers, by the place of their row in the current delivery."""
    idle = forgotten_dossiers(trajectories, contacts, as_of, idle_days)
    return idle.join(places.select("trajectory_key", "file_name", "sheet", "row_number"), on="trajectory_key", how="left").select(
        "leerwinkel", "file_name", "sheet", "row_number", "intake_date", pl.col("last_activity").alias("last_contact"),
        pl.col("days_idle").cast(pl.Int64),
    ).sort("leerwinkel", "file_name", "sheet", "row_number", nulls_last=True)


def late_rows(ledger: pl.DataFrame, places: pl.DataFrame, late_days: int) -> pl.DataFrame:
    """The late registrations (contacts and closings), by the place of their dossier's row in the current delivery."""
    late = ledger.filter(late_expr(late_days))
    return late.join(places.select("trajectory_key", "file_name", "sheet", "row_number"), on="trajectory_key", how="left").select(
        "leerwinkel", "file_name", "sheet", "row_number",
        pl.col("kind").replace_strict(KIND_NL, default="registratie").alias("kind"),
        "event_date", "first_delivered",
        (pl.col("first_delivered") - pl.col("event_date")).dt.total_days().cast(pl.Int64).alias("days_before_delivery"),
    ).sort("leerwinkel", "file_name", "sheet", "row_number", "event_date", nulls_last=True)


def feedback_frames(
    scorecard: pl.DataFrame, quarantine: pl.DataFrame, unmapped: pl.DataFrame, trajectories: pl.DataFrame,
    contacts: pl.DataFrame, places: pl.DataFrame, ledger: pl.DataFrame, targets: Targets, as_of: date,
) -> dict[str, pl.DataFrame]:
    """Every sheet of the feedback workbooks, for all six Leerwinkels (one ``leerwinkel`` column)."""
    return {
        "scorecard": scorecard_rows(scorecard, targets),
        "quarantine": quarantine_rows(quarantine),
        "unmapped": unmapped_rows(unmapped),
        "forgotten": forgotten_rows(trajectories, contacts, places, as_of, targets.idle_days),
        "late": late_rows(ledger, places, targets.late_days),
        "about": pl.DataFrame({"targets_version": [targets.version], "late_days": [targets.late_days],
                               "idle_days": [targets.idle_days], "as_of_date": [as_of]}),
    }

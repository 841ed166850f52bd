"""Data-quality feedback (issue 20): the scorecard per Leerwinkel against versioned targets
(``dq/targets.yaml``), the first-seen ledger that timeliness needs, and the feedback workbook
each Leerwinkel gets. Pure polars and openpyxl: no Dagster here."""

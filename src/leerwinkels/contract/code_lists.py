"""The code lists and the Leerwinkel list of the data contract (MODEL.md), written once.

Everything else (source specs, model schemas, indicator tables, demo data) imports them from here.
No Dagster import: this is domain code.
"""

from __future__ import annotations

LEERWINKELS: list[str] = ["brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven"]
NETWORK = "all"
UNKNOWN = "unknown"

# The code lists of MODEL.md, in their documented order. ``unknown`` is not listed here: it
# belongs to every list (see :func:`codes_with_unknown`). The one place the codes live.
CODE_LISTS: dict[str, list[str]] = {
    "leerwinkel": LEERWINKELS,
    "gender": ["female", "male", "x"],
    "age_band": ["16-24", "25-34", "35-44", "45-54", "55+"],
    "education_level": [
        "none",
        "primary",
        "lower_secondary",
        "upper_secondary",
        "higher",
        "foreign_unrecognised",
    ],
    "dutch_level": ["native", "A1", "A2", "B1", "B2", "C1", "C2"],
    "labour_status": [
        "employed",
        "jobseeker",
        "social_assistance",
        "sickness_invalidity",
        "student",
        "other",
    ],
    "inflow_channel": [
        "employment_service",
        "public_social_welfare",
        "integration_agency",
        "local_government",
        "welfare",
        "education",
        "self",
        "outreach",
    ],
    "learning_question": [
        "training",
        "diploma",
        "reorientation",
        "work",
        "dutch",
        "diploma_recognition",
    ],
    "status": ["open", "completed", "stopped"],
    "contact_type": ["intake", "conversation", "phone", "online", "group"],
    "destination": [
        "adult_education",
        "basic_education",
        "vdab_training",
        "higher_education",
        "second_chance_education",
        "dutch_course",
        "job_mediation",
        "welfare",
        "competence_recognition",
        "other",
    ],
    "training_started": ["yes", "no", "enrolled"],
    "situation": ["working", "in_training", "jobseeker", "sick", "other"],
}

# Age at intake must lie in this closed range (MODEL.md); outside it the intake is a data-quality row.
AGE_AT_INTAKE_MIN = 16
AGE_AT_INTAKE_MAX = 100

# A trajectory is vulnerable when any of these fields at intake has one of these codes (MODEL.md, `vulnerable`).
VULNERABLE: dict[str, list[str]] = {
    "education_level": ["none", "primary", "lower_secondary", "foreign_unrecognised"],
    "dutch_level": ["A1", "A2"],
    "labour_status": ["jobseeker", "social_assistance", "sickness_invalidity"],
}

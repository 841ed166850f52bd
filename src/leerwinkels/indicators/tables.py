"""Indicator tables (INDICATORS.md) as pure polars functions, and the code lists/labels.

No Dagster and no I/O here: every function takes the in-memory model frames of
docs/model-frames.md and returns a new DataFrame.

Conventions shared by every ``build_*`` table:

- one row per ``leerwinkel`` (the six codes of :data:`LEERWINKELS`, then :data:`NETWORK`)
  x ``year`` (:func:`indicator_years`) x the table's other keys, also where a count is 0;
- the category keys (breakdown categories, referral partners) are the full code list of
  :data:`CODE_LISTS` plus ``unknown``; a value outside the code list counts as ``unknown``;
- in ``all`` rows a client is counted once (distinct ``client_key``), trajectories add up;
- integer columns (``year`` included) are Int64, shares and means Float64; a share whose
  denominator is 0 is null;
- rows are sorted by the key columns (ascending, plain string/integer order);
- rows of a Leerwinkel code outside :data:`LEERWINKELS` are ignored, and so are events
  dated outside the year grid (e.g. after the as-of year).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from leerwinkels.contract.code_lists import CODE_LISTS, LEERWINKELS, NETWORK, UNKNOWN
from leerwinkels.contract.tables import BY_NAME

# (label_nl, label_fr) per code list and code; the Dutch as the sources say it.
_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "leerwinkel": {
        "brussel": ("Leerwinkel Brussel", "Leerwinkel Bruxelles"),
        "genk": ("Leerwinkel Genk", "Leerwinkel Genk"),
        "mechelen": ("Leerwinkel Regio Mechelen", "Leerwinkel Région de Malines"),
        "gent": ("Leerwinkel De Stap (Gent)", "Leerwinkel De Stap (Gand)"),
        "west_vlaanderen": (
            "Huis van het Leren West-Vlaanderen",
            "Huis van het Leren Flandre occidentale",
        ),
        "leuven": ("Leerwinkel Leuven", "Leerwinkel Louvain"),
        NETWORK: ("Netwerk", "Réseau"),
    },
    "gender": {
        "female": ("Vrouw", "Femme"),
        "male": ("Man", "Homme"),
        "x": ("X", "X"),
    },
    "age_band": {
        "16-24": ("16-24 jaar", "16-24 ans"),
        "25-34": ("25-34 jaar", "25-34 ans"),
        "35-44": ("35-44 jaar", "35-44 ans"),
        "45-54": ("45-54 jaar", "45-54 ans"),
        "55+": ("55 jaar en ouder", "55 ans et plus"),
    },
    "education_level": {
        "none": ("Geen", "Aucun"),
        "primary": ("Lager", "Primaire"),
        "lower_secondary": ("Lager secundair", "Secondaire inférieur"),
        "upper_secondary": ("Hoger secundair", "Secondaire supérieur"),
        "higher": ("Hoger onderwijs", "Supérieur"),
        "foreign_unrecognised": (
            "Buitenlands diploma (niet erkend)",
            "Diplôme étranger (non reconnu)",
        ),
    },
    "dutch_level": {
        "native": ("Moedertaal", "Langue maternelle"),
        **{lvl: (lvl, lvl) for lvl in ["A1", "A2", "B1", "B2", "C1", "C2"]},
    },
    "labour_status": {
        "employed": ("Werkend", "Travailleur"),
        "jobseeker": ("Werkzoekend", "Demandeur d'emploi"),
        "social_assistance": ("OCMW-leefloon", "CPAS-RIS"),
        "sickness_invalidity": ("Ziekte-invaliditeit", "Maladie-invalidité"),
        "student": ("Student", "Étudiant"),
        "other": ("Andere", "Autre"),
    },
    "inflow_channel": {
        "employment_service": ("VDAB/Actiris", "VDAB/Actiris"),
        "public_social_welfare": ("OCMW", "CPAS"),
        "integration_agency": (
            "Integratie en inburgering (bon, Agii, Huis van het Nederlands)",
            "Intégration (bon, Agii, Huis van het Nederlands)",
        ),
        "local_government": ("Stad/gemeente", "Ville/commune"),
        "welfare": ("Vzw/welzijn", "ASBL/aide sociale"),
        "education": ("School/onderwijs", "École/enseignement"),
        "self": ("Eigen initiatief", "Initiative propre"),
        "outreach": ("Outreach", "Outreach"),
    },
    "learning_question": {
        "training": ("Opleiding", "Formation"),
        "diploma": ("Diploma", "Diplôme"),
        "reorientation": ("Heroriëntatie", "Réorientation"),
        "work": ("Werk", "Emploi"),
        "dutch": ("Nederlands leren", "Apprendre le néerlandais"),
        "diploma_recognition": ("Erkenning diploma", "Reconnaissance du diplôme"),
    },
    "status": {
        "open": ("Lopend", "En cours"),
        "completed": ("Afgerond", "Clôturé"),
        "stopped": ("Stopgezet", "Arrêté"),
    },
    "contact_type": {
        "intake": ("Intake", "Accueil"),
        "conversation": ("Gesprek", "Entretien"),
        "phone": ("Telefoon", "Téléphone"),
        "online": ("Mail/online", "Courriel/en ligne"),
        "group": ("Groep", "Groupe"),
    },
    "destination": {
        "adult_education": ("CVO", "Enseignement de promotion sociale (CVO)"),
        "basic_education": ("Basiseducatie", "Éducation de base"),
        "vdab_training": ("VDAB-opleiding", "Formation VDAB"),
        "higher_education": ("Hoger onderwijs", "Enseignement supérieur"),
        "second_chance_education": ("Tweedekansonderwijs", "Enseignement de la seconde chance"),
        "dutch_course": ("NT2-cursus", "Cours de néerlandais (NT2)"),
        "job_mediation": ("Actiris/VDAB bemiddeling", "Médiation Actiris/VDAB"),
        "welfare": ("CAW/OCMW", "CAW/CPAS"),
        "competence_recognition": ("EVC", "Reconnaissance des compétences (EVC)"),
        "other": ("Andere", "Autre"),
    },
    "training_started": {
        "yes": ("Ja", "Oui"),
        "no": ("Nee", "Non"),
        "enrolled": ("Ingeschreven, nog niet gestart", "Inscrit, pas encore commencé"),
    },
    "situation": {
        "working": ("Werkend", "Au travail"),
        "in_training": ("In opleiding", "En formation"),
        "jobseeker": ("Werkzoekend", "Demandeur d'emploi"),
        "sick": ("Ziek of arbeidsongeschikt", "Malade ou en incapacité de travail"),
        "other": ("Andere", "Autre"),
    },
}
_UNKNOWN_LABEL = ("Onbekend", "Inconnu")

# The trajectory columns of ind_reach_breakdown; each is also the name of its code list.
BREAKDOWN_DIMENSIONS: list[str] = [
    "gender",
    "age_band",
    "education_level",
    "dutch_level",
    "labour_status",
    "inflow_channel",
    "learning_question",
]

_INSIGHTS = ["insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning"]
_ALL_LEERWINKELS = [*LEERWINKELS, NETWORK]


def codes_with_unknown(code_list: str) -> list[str]:
    """The codes of one list followed by ``unknown``: the categories of a grid."""
    return [*CODE_LISTS[code_list], UNKNOWN]


def code_labels() -> pl.DataFrame:
    """code_list, code, label_nl, label_fr for every code list (``unknown`` in each;
    ``all`` = Netwerk/Réseau in ``leerwinkel``)."""
    rows: list[tuple[str, str, str, str]] = []
    for code_list, codes in CODE_LISTS.items():
        labels = _LABELS[code_list]
        extra = [NETWORK] if code_list == "leerwinkel" else []
        for code in [*codes, *extra]:
            rows.append((code_list, code, *labels[code]))
        rows.append((code_list, UNKNOWN, *_UNKNOWN_LABEL))
    return pl.DataFrame(
        rows,
        schema={"code_list": pl.String, "code": pl.String, "label_nl": pl.String, "label_fr": pl.String},
        orient="row",
    )


# --------------------------------------------------------------------------- helpers


def indicator_years(trajectories: pl.DataFrame, as_of: date) -> list[int]:
    """Every calendar year from the earliest intake to as_of's year ([] without trajectories)."""
    earliest = _known(trajectories).get_column("intake_date").min()
    if not isinstance(earliest, date):  # None without trajectories
        return []
    return list(range(earliest.year, as_of.year + 1))


def _known(trajectories: pl.DataFrame) -> pl.DataFrame:
    """Trajectories of the six Leerwinkels with an intake date."""
    return trajectories.filter(
        pl.col("leerwinkel").is_in(LEERWINKELS) & pl.col("intake_date").is_not_null()
    )


def _year(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.year().cast(pl.Int64)


def _coded(column: str, code_list: str) -> pl.Expr:
    """The column's code, or ``unknown`` when null or outside the code list."""
    return (
        pl.when(pl.col(column).is_in(CODE_LISTS[code_list]))
        .then(pl.col(column))
        .otherwise(pl.lit(UNKNOWN))
        .alias(column)
    )


_LEERWINKEL_ENUM = pl.Enum(_ALL_LEERWINKELS)


def _with_network(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The rows once per Leerwinkel and once more as ``all`` (leerwinkel as an Enum)."""
    lf = lf.with_columns(pl.col("leerwinkel").cast(_LEERWINKEL_ENUM))
    return pl.concat([lf, lf.with_columns(leerwinkel=pl.lit(NETWORK, dtype=_LEERWINKEL_ENUM))])


def _grid(years: list[int], extra: pl.DataFrame | None = None) -> pl.LazyFrame:
    """leerwinkel x year (x the rows of ``extra``): every row the table must have."""
    grid = pl.LazyFrame({"leerwinkel": _ALL_LEERWINKELS}, schema={"leerwinkel": _LEERWINKEL_ENUM}).join(
        pl.LazyFrame({"year": years}, schema={"year": pl.Int64}), how="cross"
    )
    if extra is not None:
        grid = grid.join(extra.lazy(), how="cross")
    return grid


def _fill(
    grid: pl.LazyFrame,
    parts: list[pl.LazyFrame],
    keys: list[str],
    counts: list[str],
) -> pl.LazyFrame:
    """Left-join the aggregates onto the key grid; missing counts are 0 (Int64)."""
    out = grid
    for part in parts:
        out = out.join(part, on=keys, how="left")
    return out.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))


def _finish(lf: pl.LazyFrame, columns: list[str], keys: list[str]) -> pl.DataFrame:
    """Select the table's columns, leerwinkel back to String, sorted by the key."""
    return (
        lf.select(columns)
        .with_columns(pl.col("leerwinkel").cast(pl.String))
        .sort(keys)
        .collect()
    )


def _share(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator as Float64, null when the denominator is 0 or null."""
    den = pl.col(denominator)
    return pl.when(den > 0).then(pl.col(numerator).cast(pl.Float64) / den).cast(pl.Float64)


def _trajectory_base(trajectories: pl.DataFrame, *, client_ids: bool = True) -> pl.LazyFrame:
    """The six Leerwinkels' trajectories with intake/closing year and (``client_ids``)
    ``cid``, a dense integer per client_key: distinct counts on integers are much cheaper
    than on the 64-character keys. Materialised once: a table reads it several times."""
    t = _known(trajectories).with_columns(
        intake_year=_year("intake_date"), closed_year=_year("closed_date")
    )
    if client_ids:
        ids = t.select(pl.col("client_key").unique()).with_row_index("cid")
        t = t.join(ids, on="client_key", how="left", nulls_equal=True)
    return t.lazy()


# --------------------------------------------------------------------------- tables

def _known_sum(column: str) -> pl.Expr:
    """The sum of the known values; null (unknown) when no value is known -- polars' sum of
    nulls is 0, which would read as "0 hours of guidance" for a source without durations."""
    values = pl.col(column).cast(pl.Float64)
    return pl.when(values.is_not_null().any()).then(values.sum()).otherwise(None).alias(column)


REACH_COLUMNS = BY_NAME["ind_reach"].column_names  # the catalogue's columns, in its order


def build_reach(
    trajectories: pl.DataFrame, contact_events: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """ind_reach: leerwinkel, year and the reach counts of INDICATORS.md."""
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year"]
    base = _trajectory_base(trajectories)
    net = _with_network(base)

    new = net.group_by("leerwinkel", pl.col("intake_year").alias("year")).agg(
        new_trajectories=pl.len()
    )
    # Active in Y: intake on or before 31-12-Y and open, or closed on or after 1-1-Y.
    last_year = pl.min_horizontal(pl.col("closed_year").fill_null(as_of.year), pl.lit(as_of.year))
    active = (
        net.select(
            "leerwinkel",
            "cid",
            pl.col("vulnerable").fill_null(False),
            year=pl.int_ranges("intake_year", last_year + 1, dtype=pl.Int64),
        )
        .explode("year")
        .drop_nulls("year")
        .group_by(keys)
        .agg(
            active_trajectories=pl.len(),
            clients_reached=pl.col("cid").n_unique(),
            vulnerable_clients=pl.col("cid").filter(pl.col("vulnerable")).n_unique(),
        )
    )
    # First intake per client at that Leerwinkel; in `all` over the network.
    new_clients = (
        net.group_by("leerwinkel", "cid")
        .agg(year=pl.col("intake_year").min())
        .group_by(keys)
        .agg(new_clients=pl.len())
    )
    # Sums add up: aggregate the (large) event frame per Leerwinkel, then the network.
    per_leerwinkel = (
        contact_events.lazy()
        .filter(pl.col("leerwinkel").is_in(LEERWINKELS) & pl.col("event_date").is_not_null())
        .group_by(pl.col("leerwinkel").cast(_LEERWINKEL_ENUM), year=_year("event_date"))
        .agg(contacts=pl.col("contacts").sum(), minutes=_known_sum("minutes"))
    )
    network = per_leerwinkel.group_by("year").agg(
        pl.lit(NETWORK, dtype=_LEERWINKEL_ENUM).alias("leerwinkel"), pl.col("contacts").sum(), _known_sum("minutes")
    )
    contacts = pl.concat([per_leerwinkel, network], how="diagonal").select(
        *keys, "contacts", guidance_hours=pl.col("minutes") / 60.0
    )
    counts = [
        "new_trajectories",
        "active_trajectories",
        "clients_reached",
        "new_clients",
        "vulnerable_clients",
        "contacts",
    ]
    out = _fill(_grid(years), [new, active, new_clients, contacts], keys, counts).with_columns(
        share_vulnerable=_share("vulnerable_clients", "clients_reached"),
        # no contact in the year: 0 hours; contacts but no known duration: unknown (null), not 0
        guidance_hours=pl.when(pl.col("contacts") == 0).then(0.0).otherwise(pl.col("guidance_hours")).cast(pl.Float64),
    )
    return _finish(out, REACH_COLUMNS, keys)


def _breakdown_categories() -> pl.DataFrame:
    """dimension, category: every dimension's full code list plus unknown."""
    return pl.DataFrame(
        [(d, c) for d in BREAKDOWN_DIMENSIONS for c in codes_with_unknown(d)],
        schema={"dimension": pl.String, "category": pl.String},
        orient="row",
    )


def build_reach_breakdown(trajectories: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """ind_reach_breakdown: distinct clients with a trajectory new in Y, per dimension and
    category (the trajectory's value)."""
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year", "dimension", "category"]
    new = (
        _with_network(
            _trajectory_base(trajectories).select(
                "leerwinkel",
                "cid",
                pl.col("intake_year").alias("year"),
                *[_coded(d, d) for d in BREAKDOWN_DIMENSIONS],
            )
        )
        .collect()
        .lazy()
    )
    # One group_by per dimension (run in parallel) rather than one over a long frame.
    clients = pl.concat(
        [
            new.group_by("leerwinkel", "year", pl.col(d).alias("category"))
            .agg(clients=pl.col("cid").n_unique())
            .with_columns(dimension=pl.lit(d))
            for d in BREAKDOWN_DIMENSIONS
        ],
        how="diagonal",
    )
    filled = _fill(_grid(years, _breakdown_categories()), [clients], keys, ["clients"])
    return _finish(filled, [*keys, "clients"], keys)


def build_referrals(
    trajectories: pl.DataFrame, referrals: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """ind_referrals: per direction ('in' = inflow channel of new trajectories, 'out' =
    destination of referrals dated in Y) and partner code, the number of trajectories."""
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year", "direction", "partner"]
    base = _trajectory_base(trajectories, client_ids=False)

    inflow = (
        _with_network(
            base.select(
                "leerwinkel",
                pl.col("intake_year").alias("year"),
                _coded("inflow_channel", "inflow_channel").alias("partner"),
            )
        )
        .group_by("leerwinkel", "year", "partner")
        .agg(trajectories=pl.len())
        .with_columns(direction=pl.lit("in"))
    )
    # A referral without its own date is dated at the closing date, else at intake.
    outflow = (
        _with_network(
            referrals.lazy()
            .join(
                base.select("trajectory_key", "leerwinkel", "intake_date", "closed_date"),
                on="trajectory_key",
                how="inner",
            )
            .select(
                "leerwinkel",
                "trajectory_key",
                year=_year(pl.coalesce("referral_date", "closed_date", "intake_date")),
                partner=_coded("destination", "destination"),
            )
        )
        .group_by("leerwinkel", "year", "partner")
        .agg(trajectories=pl.col("trajectory_key").n_unique())
        .with_columns(direction=pl.lit("out"))
    )
    partners = pl.DataFrame(
        [("in", c) for c in codes_with_unknown("inflow_channel")]
        + [("out", c) for c in codes_with_unknown("destination")],
        schema={"direction": pl.String, "partner": pl.String},
        orient="row",
    )
    counted = pl.concat([inflow, outflow], how="diagonal")
    out = _fill(_grid(years, partners), [counted], keys, ["trajectories"])
    return _finish(out, [*keys, "trajectories"], keys)


OUTCOME_COUNTS = [
    "closed_trajectories",
    "responses",
    "training_started",
    "training_enrolled",
    "working",
    "in_training",
    "jobseeker",
    "qualification",
]
# How many responses answered each statement / the satisfaction question: the
# denominators of the insight shares and of the mean, appended to ind_outcomes (an
# addition to the INDICATORS.md columns; the export needs them for suppression).
OUTCOME_ANSWERED_COLUMNS = [f"{c}_answered" for c in [*_INSIGHTS, "satisfaction"]]
# The INDICATORS.md columns: the catalogue's, without the *_answered additions.
OUTCOME_COLUMNS = [c for c in BY_NAME["ind_outcomes"].column_names if c not in OUTCOME_ANSWERED_COLUMNS]


def build_outcomes(
    trajectories: pl.DataFrame,
    followups: pl.DataFrame,
    as_of: date,
    *,
    answered_counts: bool = True,
) -> pl.DataFrame:
    """ind_outcomes: per Leerwinkel and year of closing, the closed (completed or stopped)
    trajectories and their follow-up responses (the latest per trajectory). A response to
    a trajectory that is not closed is not counted.

    The columns are :data:`OUTCOME_COLUMNS` followed, unless ``answered_counts=False``, by
    :data:`OUTCOME_ANSWERED_COLUMNS`."""
    years = indicator_years(trajectories, as_of)
    keys = ["leerwinkel", "year"]
    closed = (
        _trajectory_base(trajectories, client_ids=False)
        .filter(pl.col("status").is_in(["completed", "stopped"]) & pl.col("closed_year").is_not_null())
        .select("trajectory_key", "leerwinkel", pl.col("closed_year").alias("year"))
    )
    latest = (
        followups.lazy()
        .sort("response_date", nulls_last=False)
        .unique("trajectory_key", keep="last")
        .with_columns(_responded=pl.lit(True))
    )
    joined = _with_network(closed.join(latest, on="trajectory_key", how="left"))
    aggs: dict[str, pl.Expr] = {
        "closed_trajectories": pl.len(),
        "responses": pl.col("_responded").fill_null(False).sum(),
        "training_started": (pl.col("training_started") == "yes").sum(),
        "training_enrolled": (pl.col("training_started") == "enrolled").sum(),
        "working": (pl.col("situation") == "working").sum(),
        "in_training": (pl.col("situation") == "in_training").sum(),
        "jobseeker": (pl.col("situation") == "jobseeker").sum(),
        "qualification": pl.col("qualification").fill_null(False).sum(),
        "_satisfaction_sum": pl.col("satisfaction").cast(pl.Float64).sum(),
    }
    for c in _INSIGHTS:
        aggs[f"_{c}_agree"] = (pl.col(c) >= 4).sum()
    for c in [*_INSIGHTS, "satisfaction"]:
        aggs[f"{c}_answered"] = pl.col(c).is_not_null().sum()
    counted = joined.group_by(keys).agg(**aggs)
    out = _fill(
        _grid(years),
        [counted],
        keys,
        [*OUTCOME_COUNTS, *OUTCOME_ANSWERED_COLUMNS],
    ).with_columns(
        response_rate=_share("responses", "closed_trajectories"),
        satisfaction_mean=_share("_satisfaction_sum", "satisfaction_answered"),
        **{c: _share(f"_{c}_agree", f"{c}_answered") for c in _INSIGHTS},
    )
    columns = OUTCOME_COLUMNS + (OUTCOME_ANSWERED_COLUMNS if answered_counts else [])
    return _finish(out, columns, keys)

"""Hiding clients' names in what staging shows: a label, file or sheet name that holds a word of
a name in the delivery's own name columns is masked (the e-mail/phone/number scrub cannot see
a name; the delivery's names can)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from leerwinkels.privacy.pseudonymise import normalise_person_name
from leerwinkels.privacy.shown_values import mask_label, shown_name

if TYPE_CHECKING:
    from leerwinkels.ingest.source_specs import SourceSpec


# Words too common in labels to count as a name ("Huis van het Leren", "CVO De Oranjerie").
NAME_PARTICLES = frozenset({
    "van", "der", "den", "von", "ter", "ten", "het", "des", "del", "della", "los", "las", "les",
})


MIN_NAME_WORD = 3


MAX_NAME_WORD = 40  # a longer run of letters is no one's name (and slow to search for)


def name_words(expr: pl.Expr) -> pl.Expr:
    """The words of a text as a list: letters only, accents removed, lower case."""
    return normalise_person_name(expr).str.extract_all(r"\p{L}+")


def has_name_word(labels: pl.Series, names: list[pl.Series], not_names: frozenset[str] = frozenset()) -> pl.Series:
    """Per label: it holds a word (3+ letters, not a particle) that is also a word of a name in
    the delivery's name columns. The e-mail/phone/number scrub cannot see a name; the
    delivery's own names can."""
    none = pl.repeat(False, labels.len(), dtype=pl.Boolean, eager=True)
    if labels.len() == 0 or not names:
        return none
    words = labels.to_frame("value").select(name_words(pl.col("value")).alias("words")).get_column("words").to_list()
    candidates = {w for ws in words if ws for w in ws
                  if MIN_NAME_WORD <= len(w) <= MAX_NAME_WORD and w not in NAME_PARTICLES and w not in not_names}
    if not candidates:
        return none
    people = pl.concat([s.cast(pl.String).rename("name") for s in names]).drop_nulls().to_frame()
    # only the names that share a word with a label are split into words
    people = people.filter(pl.col("name").str.to_lowercase().str.contains_any(sorted(candidates), ascii_case_insensitive=True)
                           | ~pl.col("name").str.contains(r"^[\x00-\x7f]*$"))
    found = set(people.select(name_words(pl.col("name")).explode().alias("w")).get_column("w").drop_nulls().to_list()) & candidates
    if not found:
        return none
    return pl.Series([bool(ws and found.intersection(ws)) for ws in words], dtype=pl.Boolean)


NAME_COLUMNS = ("file_name", "sheet")  # columns of staged tables that hold a file or sheet name


TEXT_COLUMNS = ("message", "rows_at")  # columns whose texts may quote one


def spec_words(spec: SourceSpec) -> frozenset[str]:
    """Words of the file patterns, sheet names and display name in sources/: part of a file
    or sheet name because the description says so, not because someone typed a name."""
    texts = [spec.display_name, spec.leerwinkel, "xlsx xlsm csv"]
    texts += [f.pattern for f in spec.files] + [s.sheet or "" for f in spec.files for s in f.sheets]
    words = pl.DataFrame({"t": texts}).select(name_words(pl.col("t")).explode()).to_series().drop_nulls()
    return frozenset(words.to_list())


def with_shown_names(staged: dict[str, pl.DataFrame], names: list[pl.Series], not_names: frozenset[str] = frozenset()) -> dict[str, pl.DataFrame]:
    """File and sheet names as they may be shown, in every staged table and text that holds
    them: a part shaped like a national number or an e-mail address masked, and a name that
    holds a word of a person's name of the delivery masked whole (someone saved the file
    under a client's name)."""
    raw = {n for frame in staged.values() for c in NAME_COLUMNS if c in frame.columns
           for n in frame.get_column(c).drop_nulls().unique().to_list() if n}
    ordered = sorted(raw, key=len, reverse=True)  # longest first: one name may hold another
    named = has_name_word(pl.Series(ordered, dtype=pl.String), names, not_names).to_list()
    changed = {n: mask_label(n) if hit else shown_name(n) for n, hit in zip(ordered, named, strict=True)}
    changed = {n: s for n, s in changed.items() if n != s}
    if not changed:
        return staged
    for table, frame in staged.items():
        exprs = [pl.col(c).replace(changed) for c in NAME_COLUMNS if c in frame.columns]
        exprs += [pl.col(c).str.replace_many(list(changed), list(changed.values())) for c in TEXT_COLUMNS if c in frame.columns]
        if exprs and frame.height:
            staged[table] = frame.with_columns(exprs)
    return staged

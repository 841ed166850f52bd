"""The labels the demo data writes for a code, read from sources/*.yaml (the pipeline's own
source specs), so a label changed in a YAML file changes the demo data with it.

A source's code map reads ``label -> code``; here it is turned round to ``code -> labels``,
keeping the YAML order. A code with several labels gives a tuple (the writer picks one at
random), a code without a label gives None (that Leerwinkel never writes it).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from leerwinkels.contract.code_lists import CODE_LISTS, UNKNOWN
from leerwinkels.ingest.source_specs import SourceSpec, all_specs

#: A Leerwinkel's label(s) for one code: one label, several (picked at random), or none.
Label = str | tuple[str, ...] | None

# Where a YAML map reads several labels for one code but the generator writes only some of
# them. Brussel's export has "Stopgezet / Arrêté"; the reversed "Arrêté / Stopgezet" is read
# too (an older export) but the demo data does not write it.
WRITTEN_LABELS: dict[tuple[str, str], dict[Any, tuple[str, ...]]] = {
    ("brussel", "status"): {"stopped": ("Stopgezet / Arrêté",)},
}

# The survey's answer scale has no code list of its own: its codes are the points 1-5.
_CODE_ORDER: dict[str, list[Any]] = {**CODE_LISTS, "agreement_scale": [1, 2, 3, 4, 5], "qualification": [True, False]}


@cache
def source_specs() -> dict[str, SourceSpec]:
    """The typed source specs of sources/*.yaml, loaded once per process."""
    return all_specs()


def labels_by_code(source: str, code_list: str) -> dict[Any, tuple[str, ...]]:
    """``code -> the labels the generator writes for it``, in the order of the source's YAML map."""
    written: dict[Any, list[str]] = {}
    for label, code in source_specs()[source].code_map(code_list).items():
        written.setdefault(code, []).append(label)
    chosen = WRITTEN_LABELS.get((source, code_list), {})
    return {code: chosen.get(code, tuple(labels)) for code, labels in written.items()}


def label_table(source: str, code_list: str) -> tuple[Label, ...]:
    """One entry per code of the contract's code list, in its order (the plan draws code indices)."""
    by_code = labels_by_code(source, code_list)
    return tuple(_one_or_several(by_code.get(code, ())) for code in _CODE_ORDER[code_list])


def unknown_label(source: str, code_list: str) -> str | None:
    """The label a source writes for ``unknown`` (e.g. Gent's "onbekend"), or None: it leaves the cell empty."""
    labels = labels_by_code(source, code_list).get(UNKNOWN, ())
    return labels[0] if labels else None


def has_code_list(source: str, code_list: str) -> bool:
    return bool(source_specs()[source].code_map(code_list))


def _one_or_several(labels: tuple[str, ...]) -> Label:
    if not labels:
        return None
    return labels[0] if len(labels) == 1 else labels

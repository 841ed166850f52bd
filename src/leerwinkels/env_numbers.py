"""Numbers the run reads from ``LEERWINKELS_*`` environment variables: one parser, so that a
bad value is refused the same way everywhere, with a message naming the variable."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping


def number_from_environment(name: str, default: float, *, low: float = 0.0, high: float = math.inf,
                            what: str = "a number of seconds >= 0", environ: Mapping[str, str] | None = None) -> float:
    """The variable's value as a float in [low, high] (finite), its default when it is unset or
    empty; else ValueError: ``<name> must be <what>, got '<value>'``."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (low <= value <= high) or math.isinf(value):  # NaN fails the comparison
        raise ValueError(f"{name} must be {what}, got {raw[:20]!r}")
    return value

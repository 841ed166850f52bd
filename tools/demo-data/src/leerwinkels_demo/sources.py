"""The six Leerwinkels the demo data is written for, by index (the plan's arrays hold these indices)."""

from __future__ import annotations

from datetime import date

from leerwinkels.contract.code_lists import LEERWINKELS as CONTRACT_LEERWINKELS
from leerwinkels_demo.labels import source_specs

AS_OF = date(2026, 11, 26)
XLSX_MAX_ROWS = 1_048_576

LEERWINKELS = tuple(CONTRACT_LEERWINKELS)  # the contract's list, in its order (SHARES follows it)
SHARES = (0.20, 0.15, 0.15, 0.20, 0.15, 0.15)
DISPLAY = {code: spec.display_name for code, spec in source_specs().items()}  # the names the survey writes
LW_INDEX = {lw: i for i, lw in enumerate(LEERWINKELS)}
BR, GK, ME, GE, WV, LV = range(6)
NN_LWS = (BR, GK, GE, WV, LV)  # Leerwinkels that register national numbers

"""Where the project's own data files live: `sources/*.yaml` and `sroi/parameters.yaml` sit
at the root of the repository (stewards and the research team edit them), beside `src/`."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCES_DIR = PROJECT_ROOT / "sources"
SROI_PARAMETERS = PROJECT_ROOT / "sroi" / "parameters.yaml"

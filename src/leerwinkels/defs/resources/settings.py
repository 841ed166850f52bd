"""Resources that carry the run's configuration, fed from environment variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from leerwinkels.privacy.pseudonymise import KEY_ENV_VAR, MIN_KEY_LENGTH, Pseudonymiser, refuse_demo_key_on_real_data


class LandingFolder(dg.ConfigurableResource):
    """The landing folder the Leerwinkels deliver into (read-only for the pipeline)."""

    path: str = "data/landing"

    def root(self) -> Path:
        return Path(self.path)


class PseudonymKey(dg.ConfigurableResource):
    """The network's secret pseudonymisation key. Never logged: the UI shows only the
    name of the environment variable it comes from."""

    # from the EnvVar; "" when the variable is not set (defs/environment.py), so that a run says which
    # variable is missing and where it is described, instead of Dagster's generic config error
    key: str = ""
    # The landing folder the key is used on ("" = not checked): the demo key is refused on a
    # folder without the demo marker, in the UI as in the CLI.
    landing_path: str = ""

    _pseudonymiser: Pseudonymiser | None = PrivateAttr(default=None)

    def pseudonymiser(self) -> Pseudonymiser:
        if not self.key or len(self.key) < MIN_KEY_LENGTH:  # a message for the UI, not a stack trace (never the key)
            raise dg.Failure(
                description=f"{KEY_ENV_VAR} is not set, or shorter than {MIN_KEY_LENGTH} characters, in the environment of the "
                "Dagster webserver and daemon (or of this process): set it there and restart them. "
                "See README.md, section \"Environment variables\".",
                allow_retries=False,
            )
        if self.landing_path:
            refuse_demo_key_on_real_data(self.key, self.landing_path)
        if self._pseudonymiser is None:
            self._pseudonymiser = Pseudonymiser(self.key.encode("utf-8"))
        return self._pseudonymiser


class RunSettings(dg.ConfigurableResource):
    """Run-wide settings: the as-of date and the limits the quality checks use."""

    as_of: str = ""  # YYYY-MM-DD; empty = today
    freshness_days: int = 35
    quarantine_warn_share: float = 0.05
    # a figure of an earlier year that changes by more than this share gets a WARN check
    revision_warn_share: float = 0.05
    publication_dir: str = "data/publication"
    # DELIVERIES.md: a file modified less than this before the run is still arriving
    settle_seconds: float = 120.0
    # DELIVERIES.md: a delivery loading fewer than (1 - limit) x the last good trajectories is held
    shrink_limit: float = 0.20

    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else date.today()

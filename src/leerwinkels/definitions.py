"""The Dagster definitions of the Leerwinkels consolidation (workspace.yaml and
[tool.dagster] load ``defs`` from here).

Everything is found in the ``defs/`` folder the way Dagster's ``dg`` projects load it
(``dg.load_from_defs_folder``, configured by [tool.dg] in pyproject.toml): assets, checks,
jobs, schedules, sensors, resources and the executor, one concern per module. Every asset
gets a reference to the code that makes it (shown in the UI).

``defs`` is loaded on first use (PEP 562 ``__getattr__``): the folder loader also describes
every installed component type (~0.2 s), which the webserver, the daemon and the tests want
and a CLI run does not. The CLI runner takes ``ALL_ASSETS`` and ``ALL_CHECKS``, collected
from the same folder by Dagster's plain package loader, and its own resources
(``build_resources``); tests/definitions checks that both ways find the same assets and checks.
"""

import warnings
from pathlib import Path

import dagster as dg

import leerwinkels.defs as defs_folder
from leerwinkels.defs.environment import DEFAULT_DATABASE_URL, build_resources

__all__ = ["ALL_ASSETS", "ALL_CHECKS", "DEFAULT_DATABASE_URL", "build_resources", "defs"]


def _with_code_references(assets):
    with warnings.catch_warnings():
        # code references are a beta API of Dagster; its warning would only repeat at every load
        warnings.simplefilter("ignore", dg.BetaWarning)
        # Local references (file and line): a link to a hosted repository needs its URL and a
        # branch, which a clone on the server need not have.
        return list(dg.with_source_code_references(list(assets)))


def load_definitions() -> dg.Definitions:
    """The definitions of the ``defs/`` folder, every asset with its code reference."""
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    return dg.Definitions(
        assets=_with_code_references(loaded.assets or []),
        asset_checks=loaded.asset_checks,
        jobs=loaded.jobs,
        schedules=loaded.schedules,
        sensors=loaded.sensors,
        resources=loaded.resources,
        executor=loaded.executor,
        loggers=loaded.loggers,
        metadata=loaded.metadata,
    )


# What the CLI runner materialises (run/runner.py): every asset and check of the defs folder.
ALL_ASSETS = _with_code_references(dg.load_assets_from_package_module(defs_folder))
ALL_CHECKS = list(dg.load_asset_checks_from_package_module(defs_folder))


def __getattr__(name: str):
    if name == "defs":
        loaded = globals()["defs"] = load_definitions()
        return loaded
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

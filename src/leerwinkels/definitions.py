"""The Dagster definitions of the Leerwinkels consolidation: workspace.yaml loads ``defs``,
a code server or [tool.dagster] given the module alone finds ``load_definitions``.

Everything is found in the ``defs/`` folder the way Dagster's ``dg`` projects load it (the
component tree of ``dg.load_from_defs_folder``; [tool.dg] in pyproject.toml names the folder
for the ``dg`` tools): assets, checks, jobs, schedules, sensors, resources and the executor,
one concern per module. Every asset gets a reference to the code that makes it (in the UI).

``defs`` is loaded on first use (PEP 562 ``__getattr__``): the folder loader also describes
every installed component type (~0.2 s), which the webserver, the daemon and the tests want
and a CLI run does not. The CLI runner takes ``ALL_ASSETS`` and ``ALL_CHECKS``, collected
from the same folder by Dagster's plain package loader, and its own resources
(``build_resources``); tests/definitions checks that both ways find the same assets and checks.
"""

import functools
import warnings

import dagster as dg

import leerwinkels.defs as defs_folder
from leerwinkels.defs.environment import DEFAULT_DATABASE_URL, build_resources
from leerwinkels.project_files import PROJECT_ROOT

__all__ = ["ALL_ASSETS", "ALL_CHECKS", "DEFAULT_DATABASE_URL", "build_resources", "defs", "load_definitions"]


def _with_code_references(assets):
    with warnings.catch_warnings():
        # code references are a beta API of Dagster; its warning would only repeat at every load
        warnings.simplefilter("ignore", dg.BetaWarning)
        # Local references (file and line): a link to a hosted repository needs its URL and a
        # branch, which a clone on the server need not have.
        return list(dg.with_source_code_references(list(assets)))


@functools.cache
def _defs_folder() -> dg.Definitions:
    """The definitions of the ``defs/`` folder, every asset with its code reference (once per process)."""
    # What dg.load_from_defs_folder does, minus finding the project through pyproject.toml:
    # that would also name the code location after [tool.dg] (or the clone's folder) and warn
    # at every load where workspace.yaml or the code server name it otherwise.
    with warnings.catch_warnings():
        # Dagster's folder loader calls its own preview API for each plain module: its warning says
        # nothing about this project
        warnings.simplefilter("ignore", dg.PreviewWarning)
        loaded = dg.ComponentTree.from_module(defs_module=defs_folder, project_root=PROJECT_ROOT).build_defs()
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


@dg.definitions
def load_definitions() -> dg.Definitions:
    """What `dagster dev` finds here when it is given the module alone ([tool.dagster] in
    pyproject.toml): a @definitions function is loaded first and only when called."""
    return _defs_folder()


# What the CLI runner materialises (run/runner.py): every asset and check of the defs folder.
ALL_ASSETS = _with_code_references(dg.load_assets_from_package_module(defs_folder))
ALL_CHECKS = list(dg.load_asset_checks_from_package_module(defs_folder))


defs: dg.Definitions  # declared for readers and type checkers; made by __getattr__ on first use


def __getattr__(name: str) -> dg.Definitions:
    if name == "defs":  # workspace.yaml, the tests: a Definitions object
        return _defs_folder()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The Dagster definitions as a newcomer meets them: the defs folder loads, every asset says
what it is, who owns it and where its code is, the warehouse tables show one by one, and the
modules import one way (conditions, keys and jobs import no asset module; no cycles)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dagster as dg

import leerwinkels
from leerwinkels.defs.asset_keys import warehouse_key
from leerwinkels.defs.assets.publish import WAREHOUSE_TABLE_KEYS, WAREHOUSE_TABLES

PACKAGE = Path(leerwinkels.__file__).parent
DEFS_FOLDER = PACKAGE / "defs"
DOMAIN_PACKAGES = ("ingest", "privacy", "model", "indicators", "sroi", "publication", "evidence", "warehouse", "contract")


def _definitions():
    from leerwinkels.definitions import defs

    return defs


def test_the_defs_folder_loads_into_one_definitions_object():
    defs = _definitions()
    assert isinstance(defs, dg.Definitions)
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {job.name for job in repo.get_all_jobs() if not job.name.startswith("__")} == {
        "ingest_leerwinkel", "consolidate_network", "accept_held_delivery"}
    assert {s.name for s in repo.schedule_defs} == {"nightly_consolidation"}
    assert {s.name for s in repo.sensor_defs} == {"leerwinkel_deliveries", "consolidation_automation"}
    assert {"landing", "pseudonym_key", "settings", "warehouse", "io_manager", "staging_store", "delivery_reader"} <= set(defs.resources or {})


def test_the_runner_materialises_what_the_defs_folder_defines():
    from leerwinkels.definitions import ALL_ASSETS, ALL_CHECKS

    graph = _definitions().resolve_asset_graph()
    assert {key for assets_def in ALL_ASSETS for key in assets_def.keys} == set(graph.get_all_asset_keys())
    assert {key for checks_def in ALL_CHECKS for key in checks_def.check_keys} == set(graph.asset_check_keys)


def test_every_asset_has_a_group_owners_a_description_and_a_code_reference():
    specs = list(_definitions().resolve_all_asset_specs())
    assert len(specs) > 20
    for spec in specs:
        name = spec.key.to_user_string()
        assert spec.group_name and spec.group_name != "default", name
        assert spec.owners, name
        assert spec.description, name
        references = spec.metadata.get("dagster/code_references")
        assert isinstance(references, dg.CodeReferencesMetadataValue) and references.code_references, name
        for reference in references.code_references:
            # a file of this package, not of Dagster's decorators
            assert Path(reference.file_path).is_relative_to(PACKAGE), (name, reference.file_path)


def test_each_warehouse_table_is_an_asset_written_in_one_step():
    defs = _definitions()
    graph = defs.resolve_asset_graph()
    assert set(WAREHOUSE_TABLE_KEYS) == {warehouse_key(t) for t in WAREHOUSE_TABLES}
    assert len(WAREHOUSE_TABLES) == len(set(WAREHOUSE_TABLES))
    writers = {defs.resolve_assets_def(key) for key in WAREHOUSE_TABLE_KEYS}
    assert len(writers) == 1  # one op: one transaction
    (writer,) = writers
    assert writer.op.name == "warehouse_tables" and not writer.can_subset
    for table in WAREHOUSE_TABLES:
        node = graph.get(warehouse_key(table))
        assert node.metadata["dagster/table_name"] == table
        assert dg.AssetKey(table) in node.parent_keys  # lineage: the frame it is written from
    # the export is switched to only after the warehouse committed
    assert set(WAREHOUSE_TABLE_KEYS) <= graph.get(dg.AssetKey("publication_export")).parent_keys


def test_only_the_schedule_and_the_sensors_start_runs_of_the_named_jobs():
    """No automation condition (their runs are anonymous `__ASSET_JOB` runs): the schedule and
    the delivery sensor start ingest_leerwinkel, consolidation_automation consolidate_network."""
    definitions = _definitions()
    graph = definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).automation_condition is None, key.to_user_string()
    repo = definitions.get_repository_def()
    assert {s.name: s.job_name for s in repo.sensor_defs} == {
        "leerwinkel_deliveries": "ingest_leerwinkel", "consolidation_automation": "consolidate_network"}
    assert {s.job_name for s in repo.schedule_defs} == {"ingest_leerwinkel"}


# ------------------------------------------------------------------------ module layering


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The leerwinkels modules a file imports (absolute imports: the package uses no relative ones)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in {"leerwinkels", "dagster"}}


def _defs_import_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in DEFS_FOLDER.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_defs_modules_import_one_way():
    graph = _defs_import_graph()
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        assert module not in visiting, f"import cycle: {' -> '.join([*visiting[visiting.index(module):], module])}"
        if module in done:
            return
        visiting.append(module)
        for imported in graph[module]:
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in graph:
        visit(module)
    # the wiring the assets lean on imports no asset module
    for low in ("leerwinkels.defs.asset_keys", "leerwinkels.defs.conditions", "leerwinkels.defs.jobs",
                "leerwinkels.defs.schedules", "leerwinkels.defs.sensors"):
        assert not {m for m in graph[low] if m.startswith("leerwinkels.defs.assets")}, low


def test_domain_packages_do_not_import_dagster():
    for package in DOMAIN_PACKAGES:
        for path in (PACKAGE / package).rglob("*.py") if (PACKAGE / package).is_dir() else []:
            assert not {m for m in _imports(path) if m.split(".")[0] == "dagster"}, path


def test_the_automation_conditions_import_alone_without_any_asset_module():
    code = (
        "import sys, leerwinkels.defs.conditions, leerwinkels.defs.jobs, leerwinkels.defs.schedules\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('leerwinkels.defs.assets'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_module_alone_loads_as_the_code_server_and_dagster_dev_load_it():
    """`dagster code-server start -m leerwinkels.definitions` (docs/deploy.md) and [tool.dagster]
    name no attribute: Dagster then looks for a @definitions function or Definitions object."""
    from leerwinkels import definitions

    assert definitions.load_definitions() is definitions.defs
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "leerwinkels.definitions"],
        capture_output=True, text=True, timeout=300, cwd=PACKAGE.parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Validation successful" in done.stderr + done.stdout

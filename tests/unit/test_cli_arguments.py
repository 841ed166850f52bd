"""CLI polish: the subcommand's usage on errors, argument validation without tracebacks,
--version, and the exit codes in --help."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

from leerwinkels import cli


def test_an_unknown_option_prints_the_subcommands_usage(capsys):
    assert cli.main(["consolidate", "--bogus"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "usage: leerwinkels consolidate" in err and "unrecognized arguments: --bogus" in err


@pytest.mark.parametrize(("argv", "usage", "message"), [
    (["demo-data", "x", "--trajectories", "-5"], "leerwinkels demo-data", "must be 1 or more, not -5"),
    (["demo-data", "x", "--trajectories", "many"], "leerwinkels demo-data", "not a whole number"),
    (["demo-data", "x", "--as-of", "2020-13-01"], "leerwinkels demo-data", "not a date YYYY-MM-DD"),
    (["consolidate", "--as-of", "26/11/2026"], "leerwinkels consolidate", "not a date YYYY-MM-DD"),
    (["check", "antwerpen"], "leerwinkels check", "unknown Leerwinkel 'antwerpen'"),
    (["accept", "antwerpen"], "leerwinkels accept", "unknown Leerwinkel 'antwerpen'"),
    (["check"], "leerwinkels check", "required: leerwinkel"),
])
def test_bad_arguments_end_in_a_usage_line_not_a_traceback(capsys, tmp_path, argv, usage, message):
    argv = [str(tmp_path / a) if a == "x" else a for a in argv]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"usage: {usage}" in err and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_help_lists_the_exit_codes_and_version_comes_from_the_package(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and all(f"\n  {code}  " in out for code in (0, 1, 2, 3))
    assert "check" in out
    assert cli.main(["consolidate", "--help"]) == 0
    assert "exit codes:" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"leerwinkels {version('leerwinkels')}"


def test_the_installed_command_says_the_same(tmp_path):
    """The `leerwinkels` entry point itself: exit 2 and the subcommand usage, no traceback."""
    done = subprocess.run([sys.executable, "-m", "leerwinkels.cli", "consolidate", "--bogus"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "usage: leerwinkels consolidate" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "leerwinkels.cli", "demo-data", str(tmp_path / "d"), "--trajectories", "-5"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "must be 1 or more" in done.stderr and "Traceback" not in done.stderr

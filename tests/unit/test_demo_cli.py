"""`leerwinkels demo-data`: the generator is a dev package (tools/demo-data); without it the
command says how to get it in one line, and it refuses a trajectory count below 1."""

from __future__ import annotations

import subprocess
import sys

import pytest

from leerwinkels import cli

# runs the CLI in a fresh interpreter in which `import leerwinkels_demo` fails, as in an
# installation of the production wheel alone
WITHOUT_DEMO = "import sys; sys.modules['leerwinkels_demo'] = None; from leerwinkels import cli; sys.exit(cli.main(sys.argv[1:]))"


def test_without_the_dev_package_demo_data_says_how_to_get_it(tmp_path):
    done = subprocess.run([sys.executable, "-c", WITHOUT_DEMO, "demo-data", str(tmp_path / "landing")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "uv sync" in done.stderr and "leerwinkels-demo" in done.stderr
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_demo_data_refuses_a_trajectory_count_below_one(tmp_path, capsys, value):
    assert cli.main(["demo-data", str(tmp_path / "landing"), "--trajectories", value]) == 2  # argparse's usage exit, returned
    err = capsys.readouterr().err
    assert "--trajectories" in err and "Traceback" not in err
    assert not (tmp_path / "landing").exists()


def test_demo_data_writes_an_earlier_delivery_and_refuses_one_not_before_the_final_export(tmp_path, capsys):
    assert cli.main(["demo-data", "--help"]) == 0
    assert "--earlier-delivery DAYS" in capsys.readouterr().out
    assert cli.main(["demo-data", str(tmp_path / "landing"), "--trajectories", "60", "--earlier-delivery", "14"]) == 0
    assert "the earlier delivery of 2026-11-12" in capsys.readouterr().out
    assert (tmp_path / "landing" / "genk" / "klanten_20261112.csv").exists()
    assert cli.main(["demo-data", str(tmp_path / "other"), "--trajectories", "60", "--earlier-delivery", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: an earlier delivery must lie before the final export") and "at least 7 days" in err
    assert not (tmp_path / "other" / "genk").exists()


@pytest.mark.parametrize("days", ["1000000", "3000"])
def test_demo_data_refuses_an_earlier_delivery_before_the_demo_history_in_one_line(tmp_path, capsys, days):
    # 1,000,000 days lies before year 1 (a date overflow); 3,000 before the history's first intake (2021-01-01)
    assert cli.main(["demo-data", str(tmp_path / "landing"), "--trajectories", "30", "--earlier-delivery", days]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "2021-01-01" in err
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize("args", [["--trajectories", "1"], ["--trajectories", "30", "--earlier-delivery", "2140"]])
def test_demo_data_writes_mechelen_with_no_trajectory_registered(tmp_path, capsys, args):
    # a network (or an earlier delivery) in which Mechelen has no trajectory yet: its workbook with one empty year sheet
    assert cli.main(["demo-data", str(tmp_path / "landing"), *args]) == 0
    assert "demo landing folder written" in capsys.readouterr().out
    assert (tmp_path / "landing" / "mechelen" / "Registratie Leerwinkel Regio Mechelen.xlsx").exists()

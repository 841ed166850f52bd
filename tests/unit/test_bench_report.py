"""The benchmark's arithmetic (bench/run.py): stages, the targets of issue 21 and the growth table."""

from __future__ import annotations

from bench.run import STAGES, _stage_of, evaluate_targets, growth_markdown


def _size(n: int, rows: int, floor: float, wall: float, steps: float, peak: float, stage_s: float) -> dict:
    return {"trajectories": n, "floor": {"seconds": floor}, "pipeline_over_floor": round(wall / floor, 2),
            "pipeline": {"wall_s": wall, "steps_s": steps, "peak_mb": peak, "rows_read": rows,
                         "stages": dict.fromkeys(STAGES, stage_s)}}


def test_steps_fall_in_their_stage():
    assets = frozenset({"ind_reach", "evidence_assumptions", "code_labels", "dq_scorecard"})
    assert _stage_of("staged_leerwinkel", assets) == "ingest"
    assert _stage_of("impact_report", assets) == "report"
    assert _stage_of("dq_scorecard", assets) == "quality"
    assert _stage_of("evidence_assumptions", assets) == "indicators"
    assert _stage_of("ind_sroi_sroi_costs_complete", assets) == "checks"  # a check step: its asset's name plus the check's


def test_targets_of_the_four_sizes():
    sizes = [_size(40_000, 178_000, 0.7, 8.0, 4.0, 400, 0.5), _size(400_000, 1_780_000, 6.0, 12.0, 10.0, 1200, 1.0),
             _size(1_000_000, 4_450_000, 15.0, 31.0, 28.0, 2100, 2.5)]
    previous = {"sizes": [_size(40_000, 178_000, 0.7, 9.0, 4.0, 400, 0.5)]}
    targets = evaluate_targets({"sizes": sizes, "bench_seconds": 600}, previous)
    assert targets["pipeline_over_floor_400k"]["met"] and targets["pipeline_over_floor_400k"]["measured"] == 2.0
    assert not targets["pipeline_over_floor"]["met"]  # 31 / 15 = 2.07 at 1,000,000
    assert not targets["peak_mb"]["met"]  # 2,100 MB > 2,048
    # (31 - 15) / (12 - 6) = 2.67: linear enough
    assert targets["above_floor_growth"]["measured"] == 2.67 and targets["above_floor_growth"]["met"]
    # startup 40,000: 8 - 4 = 4.0 s, the previous run's 9 - 4 = 5.0 s
    assert targets["startup_40k"]["measured"] == 4.0 and targets["startup_40k"]["met"]
    table = growth_markdown({"sizes": sizes})
    assert "The input grows 2.50×" in table and "| pipeline − floor | 6.00 | 16.00 | 2.67× |" in table

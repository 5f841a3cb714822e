"""Keeps `make roi-calibration` from rotting: a tiny run (its figures mean nothing at this size)."""

from benchmarks.roi_calibration import METHODS, main


def test_the_calibration_runs_and_reports_every_figure(tmp_path):
    report = main(
        [
            "--trusts",
            "40",
            "--placebos",
            "8",
            "--effects",
            "8",
            "--size-factor",
            "0.03",
            "--seeds",
            "3",
            "--root",
            str(tmp_path / "work"),
            "--out",
            str(tmp_path / "calibration.json"),
        ]
    )
    assert set(report["methods"]) == set(METHODS)
    synthetic = report["methods"]["synthetic_control"]
    assert synthetic["placebo_estimates"] == 8
    assert 0 <= synthetic["false_positive_rate"] <= 1
    assert (tmp_path / "calibration.json").exists()

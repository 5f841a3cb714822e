"""Parity with NHSRplotthedots 0.2.2 on its own outputs for 24 series x 5 option sets, and the CLI."""

import polars as pl
import pytest

from ohwb_pipeline.cli import main as ohwb
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.spc.method import SpcOptions, assurance, spc

PARITY = SHIPPED_REFERENCE / "spc_parity"
CASES = {
    "decrease_screened": (SpcOptions("decrease"), []),
    "increase_unscreened": (SpcOptions("increase", screen_outliers=False), ["--no-screen-outliers"]),
    "neutral_screened": (SpcOptions("neutral"), []),
    "decrease_fix_after_12": (SpcOptions("decrease", fix_after_n_points=12), ["--fix-after-n-points", "12"]),
    "decrease_rebase_2023_04": (SpcOptions("decrease", rebase=("2023-04-01",)), ["--rebase", "2023-04-01"]),
}
FLAGS = ["outside_limits", "relative_to_mean", "close_to_limits", "special_cause_type", "point_type"]


def _reference(name: str) -> pl.DataFrame:
    return pl.read_csv(PARITY / f"{name}.csv", try_parse_dates=True).sort("series", "date")


def _assert_parity(ours: pl.DataFrame, reference: pl.DataFrame) -> None:
    assert ours.height == reference.height
    for column in ("mean", "lpl", "upl"):
        assert (ours[column] - reference[column]).abs().max() < 1e-9, column
    for column in FLAGS:
        assert ours[column].to_list() == reference[column].to_list(), column


@pytest.mark.parametrize("name", list(CASES))
def test_every_point_matches_nhsrplotthedots(name):
    series = pl.read_csv(PARITY / "series.csv", try_parse_dates=True)
    options, _ = CASES[name]
    _assert_parity(spc(series, options).sort("series", "date"), _reference(name))


@pytest.mark.parametrize("name", list(CASES))
def test_the_cli_gives_the_same_answers(name, tmp_path):
    options, flags = CASES[name]
    out = tmp_path / "out.csv"
    argv = ["spc", str(PARITY / "series.csv"), "--out", str(out), "--improvement-direction"]
    assert ohwb([*argv, options.improvement_direction, *flags]) == 0
    _assert_parity(pl.read_csv(out, try_parse_dates=True).sort("series", "date"), _reference(name))


def test_short_series_and_assurance():
    dates = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 10, 1), "1mo", eager=True)
    frame = pl.DataFrame({"date": dates, "value": [5.0, 5.2, 4.9, 5.1, 5.0, 4.8, 5.1, 5.0, 4.9, 5.0]})
    out = spc(frame, SpcOptions("decrease", target=6.0))
    assert out["short_series"].all() and set(out["assurance"]) == {"consistent_pass"}
    lpl, upl = out["lpl"][0], out["upl"][0]
    assert assurance(lpl, upl, SpcOptions("decrease", target=4.0)) == "consistent_fail"
    assert assurance(lpl, upl, SpcOptions("decrease", target=5.0)) == "inconsistent"
    assert assurance(lpl, upl, SpcOptions("neutral", target=5.0)) is None

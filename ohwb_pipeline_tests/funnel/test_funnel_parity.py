"""Parity with FunnelPlotR 0.6.0's own outputs on every shipped case (data/reference/funnel_parity/)."""

import math

import numpy as np
import polars as pl
import pytest

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.funnel.method import FunnelResult, funnel
from ohwb_pipeline.funnel.options import FunnelOptions

PARITY = SHIPPED_REFERENCE / "funnel_parity"
CASES = pl.read_csv(PARITY / "cases.csv")
RELATIVE, ABSOLUTE = 1e-9, 1e-12
# FunnelPlotR's column -> ours.
COLUMNS = {
    "denominator": "denominator",
    "rr": "ratio",
    "value": "value",
    "Uzscore": "z",
    "Wuzscore": "z_trimmed",
    "LCL95": "lower_95",
    "UCL95": "upper_95",
    "LCL99": "lower_998",
    "UCL99": "upper_998",
    "OD95LCL": "lower_95_adjusted",
    "OD95UCL": "upper_95_adjusted",
    "OD99LCL": "lower_998_adjusted",
    "OD99UCL": "upper_998_adjusted",
}


def options(case: dict) -> FunnelOptions:
    return FunnelOptions(
        data_type=case["data_type"],
        draw_adjusted=case["draw_adjusted"],
        sr_method=case["sr_method"] or "SHMI",
        trim_by=case["trim_by"],
        multiplier=float(case["multiplier"]),
    )


def run(case: dict) -> FunnelResult:
    return funnel(pl.read_csv(PARITY / "inputs" / f"{case['case_id']}.csv"), options(case))


def expected(case_id: str) -> pl.DataFrame:
    return pl.read_csv(PARITY / "expected" / f"{case_id}.csv", null_values="NA").sort("unit")


def close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


CASE_ROWS = list(CASES.iter_rows(named=True))


@pytest.mark.parametrize("case", CASE_ROWS, ids=[c["case_id"] for c in CASE_ROWS])
def test_every_unit_matches_funnelplotr(case):
    ours, theirs = run(case).units, expected(case["case_id"])
    assert ours["unit"].to_list() == theirs["unit"].to_list()
    assert case["n_units"] == ours.height
    for their_column, our_column in COLUMNS.items():
        a, b = ours[our_column].to_numpy(), theirs[their_column].to_numpy().astype(float)
        # SHMI truncation leaves NaN (NA) in exactly the same units.
        assert np.array_equal(np.isnan(a), np.isnan(b)), their_column
        kept = ~np.isnan(b)
        assert np.allclose(a[kept], b[kept], rtol=RELATIVE, atol=ABSOLUTE), their_column
    assert ours["trimmed"].cast(pl.Int64).to_list() == theirs["trimmed"].to_list()
    assert (ours["outlier"] != "none").cast(pl.Int64).to_list() == theirs["outlier"].to_list()
    assert int((ours["outlier"] != "none").sum()) == case["outliers"]


@pytest.mark.parametrize("case", CASE_ROWS, ids=[c["case_id"] for c in CASE_ROWS])
def test_phi_and_tau2_match_funnelplotr(case):
    result = run(case)
    if case["draw_adjusted"]:
        assert close(result.phi, case["phi"]) and close(result.tau2, case["tau2"])
        assert result.tau2_applied == result.tau2
        assert result.adjusted == (case["phi"] > 1)
    else:
        # FunnelPlotR reports 0 for both without draw_adjusted; we report the estimate and apply none.
        assert case["phi"] == 0 and case["tau2"] == 0
        assert result.tau2_applied == 0 and not result.adjusted
        assert result.phi > 0


def test_unadjusted_twin_cases_estimate_what_the_adjusted_run_reports():
    twins = CASES.filter(pl.col("case_id").str.starts_with("pr_org_unadjusted_"))
    assert twins.height == 3
    for case in twins.iter_rows(named=True):
        adjusted = CASES.row(by_predicate=pl.col("case_id") == case["case_id"].replace("_unadjusted", ""))
        adjusted = dict(zip(CASES.columns, adjusted, strict=True))
        result = run(case)
        assert close(result.phi, adjusted["phi"]) and close(result.tau2, adjusted["tau2"])


def test_real_months_are_overdispersed_as_the_readme_says():
    # phi 150 to 240 for PR at organisation level; 81-86% outside unadjusted, 9-11% outside adjusted.
    for month in ("202301", "202406", "202506"):
        adjusted = run(CASES.row(by_predicate=pl.col("case_id") == f"pr_org_{month}", named=True))
        unadjusted = run(
            CASES.row(by_predicate=pl.col("case_id") == f"pr_org_unadjusted_{month}", named=True)
        )
        assert 150 < adjusted.phi < 240
        share_unadjusted = (unadjusted.units["outlier"] != "none").mean()
        share_adjusted = (adjusted.units["outlier"] != "none").mean()
        assert 0.81 <= share_unadjusted <= 0.86 and 0.08 <= share_adjusted <= 0.115

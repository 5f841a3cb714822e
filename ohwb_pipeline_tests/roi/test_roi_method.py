"""Known answers for the ROI method on hand-built facts (no generator noise)."""

import polars as pl
import pytest

from ohwb_pipeline_tests.roi.helpers import (
    materialize_roi,
    read_table_fy,
    roi_rows,
    write_facts,
    write_register,
)

# QKS (Kent and Medway) host trusts used as treated and comparators.
TREATED, COMPARATORS = "RN7", ["RVV", "RWF"]


def _step(before: float, after: float, start: str):
    return lambda period: before if period < start else after


@pytest.fixture
def trended(tmp_path):
    """Treated S11 rate 5% -> 3% from 2022-04; comparators 4% -> 3.5% (a national trend of -0.5 points)."""
    rates = {TREATED: _step(0.05, 0.03, "2022-04"), **{c: _step(0.04, 0.035, "2022-04") for c in COMPARATORS}}
    write_facts(tmp_path, "2021-04", "2024-03", rates)
    write_register(
        tmp_path,
        [
            "T1,RN7,,Physio,msk,S11,2022-04,,12000,reported,,,,,,,,,",
            "T2,RN7,,Half year,msk,S11,2022-10,2023-03,12000,assumed,,,,,,,,,",
        ],
    )
    assert materialize_roi(tmp_path).success
    return tmp_path


def test_difference_in_differences_removes_the_trend_and_before_after_does_not(trended):
    did = (
        roi_rows(trended)
        .filter(pl.col("intervention_id") == "T1", pl.col("financial_year") == "2022-23")
        .row(0, named=True)
    )
    ba = (
        roi_rows(trended, "before_after")
        .filter(pl.col("intervention_id") == "T1", pl.col("financial_year") == "2022-23")
        .row(0, named=True)
    )
    available = 100 * 365
    assert did["fte_days_available"] == available
    assert did["absence_days_avoided"] == pytest.approx((0.02 - 0.005) * available)  # 547.5
    assert ba["absence_days_avoided"] == pytest.approx(0.02 * available)  # biased by the trend
    assert ba["absence_days_avoided"] - did["absence_days_avoided"] == pytest.approx(0.005 * available)


def test_savings_cost_and_roi_arithmetic(trended):
    row = (
        roi_rows(trended)
        .filter(pl.col("intervention_id") == "T1", pl.col("financial_year") == "2022-23")
        .row(0, named=True)
    )
    days = 0.015 * 36500
    assert row["absence_savings_low"] == pytest.approx(days * 110)
    assert row["absence_savings_central"] == pytest.approx(days * 190)
    assert row["absence_savings_high"] == pytest.approx(days * 345)
    assert row["cost_gbp"] == 12000
    assert row["roi_ratio_central"] == pytest.approx(days * 190 / 12000)
    assert row["net_benefit_central"] == pytest.approx(days * 190 - 12000)
    assert row["net_benefit_low"] == pytest.approx(days * 110 - 12000)
    assert row["net_benefit_high"] == pytest.approx(days * 345 - 12000)
    assert row["total_savings_low"] <= row["total_savings_central"] <= row["total_savings_high"]
    assert row["status"] == "ok" and row["cost_basis"] == "reported"
    assert row["unit_cost_version"].startswith("sha256:")


def test_part_years_are_pro_rated_and_the_leap_year_counts_366_days(trended):
    half = roi_rows(trended).filter(pl.col("intervention_id") == "T2")
    assert half["financial_year"].to_list() == ["2022-23"]
    row = half.row(0, named=True)
    assert row["months_evaluated"] == 6
    assert row["cost_gbp"] == 6000
    assert row["fte_days_available"] == 100 * (31 + 30 + 31 + 31 + 28 + 31)  # Oct 2022 to Mar 2023
    leap = roi_rows(trended).filter(pl.col("intervention_id") == "T1", pl.col("financial_year") == "2023-24")
    assert leap["fte_days_available"].item() == 100 * 366  # April 2023 to March 2024 holds 29 February


def test_a_negative_effect_stays_negative(tmp_path):
    rates = {TREATED: _step(0.03, 0.05, "2022-04"), **{c: _step(0.04, 0.04, "2022-04") for c in COMPARATORS}}
    write_facts(tmp_path, "2021-04", "2023-03", rates)
    write_register(tmp_path, ["T1,RN7,,Physio,msk,S11,2022-04,,12000,reported,,,,,,,,,"])
    assert materialize_roi(tmp_path).success
    row = roi_rows(tmp_path).row(0, named=True)
    assert row["absence_days_avoided"] == pytest.approx(-0.02 * 36500)
    assert row["roi_ratio_central"] < 0
    assert row["total_savings_low"] <= row["total_savings_central"] <= row["total_savings_high"]


def test_missing_months_flag_the_year_incomplete_without_an_roi(tmp_path):
    rates = {TREATED: _step(0.05, 0.03, "2022-04"), **{c: _step(0.04, 0.04, "2022-04") for c in COMPARATORS}}
    write_facts(tmp_path, "2021-04", "2024-03", rates, skip={("RVV", "2023-06")})
    write_register(tmp_path, ["T1,RN7,,Physio,msk,S11,2022-04,,12000,reported,,,,,,,,,"])
    result = materialize_roi(tmp_path)
    assert result.success
    did = roi_rows(tmp_path).select("financial_year", "status", "roi_ratio_central").rows()
    assert did == [
        ("2022-23", "ok", pytest.approx(0.02 * 36500 * 190 / 12000)),
        ("2023-24", "incomplete", None),
    ]
    ba = roi_rows(tmp_path, "before_after").filter(pl.col("financial_year") == "2023-24")
    assert ba["status"].item() == "ok", "the treated trust itself is complete"
    [check] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.name == "evaluation_windows_complete"
    ]
    assert not check.passed


def test_an_icb_wide_intervention_is_compared_with_the_rest_of_england(tmp_path):
    kent = ["RN7", "RVV", "RWF"]
    rates = {o: _step(0.05, 0.03, "2022-04") for o in kent} | {
        "RJ1": _step(0.04, 0.035, "2022-04"),
        "R0A": _step(0.04, 0.035, "2022-04"),
    }
    write_facts(tmp_path, "2021-04", "2023-03", rates)
    write_register(tmp_path, ["K1,,QKS,System MSK,msk,S11,2022-04,,30000,implied_from_roi,3.0,,,,,,,,"])
    assert materialize_roi(tmp_path).success
    row = roi_rows(tmp_path).row(0, named=True)
    assert row["absence_days_avoided"] == pytest.approx(0.015 * 36500 * 3)
    summary = read_table_fy(tmp_path / "published/ics_roi_summary").filter(
        pl.col("method") == "difference_in_differences"
    )
    assert summary.select("icb_code", "interventions", "total_cost_gbp").row(0) == ("QKS", 1, 30000.0)
    assert summary["roi_ratio_central"].item() == pytest.approx(row["roi_ratio_central"])


def test_bad_register_rows_are_quarantined_with_reasons(tmp_path):
    write_facts(tmp_path, "2022-01", "2022-02", {TREATED: lambda p: 0.05})
    write_register(
        tmp_path,
        [
            "OK1,RN7,,Fine,msk,S11,2022-04,,1000,assumed,,,,,,,,,",
            "BAD1,ZZZ,,Unknown org,msk,S11,2022-04,,1000,assumed,,,,,,,,,",
            "BAD2,RN7,,Unknown reason,msk,S11;S77,2022-04,,1000,assumed,,,,,,,,,",
            "BAD3,RN7,QKS,Both org and ICB,msk,S11,2022-04,,1000,assumed,,,,,,,,,",
            "BAD4,RN7,,Bad category,yoga,S11,2022-04,,1000,assumed,,,,,,,,,",
            "BAD5,RN7,,Attended more than booked,msk,S11,2022-04,,1000,assumed,,,,10,12,,,,",
            "BAD6,RN7,,No cost,msk,S11,2022-04,,,assumed,,,,,,,,,",
        ],
    )
    result = materialize_roi(tmp_path)
    quarantine = pl.read_parquet(tmp_path / "warehouse/quarantine/interventions/quarantine.parquet")
    assert dict(quarantine.select("intervention_id", "check").iter_rows()) == {
        "BAD1": "in_reference_org_codes",
        "BAD2": "target_reasons_in_reference",
        "BAD3": "org_code_or_icb_code",
        "BAD4": "isin(['msk', 'mental_health', 'menopause', 'culture', 'other'])",
        "BAD5": "attended_at_most_booked",
        "BAD6": "not_nullable",
    }
    accepted = pl.read_parquet(tmp_path / "warehouse/interventions/interventions.parquet")
    assert accepted["intervention_id"].to_list() == ["OK1"]
    [check] = [
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "references_exist"
    ]
    assert not check.passed

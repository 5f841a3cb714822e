"""The staff-mix-standardised ratio's observed and expected: the parity cases' SR inputs, rebuilt from NHS
England's published benchmark files, and known answers."""

import polars as pl
import pytest

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.funnel.standardise import staff_mix_expected

PUBLISHED = SHIPPED_REFERENCE / "nhs_published" / "benchmark"
MONTHS = {
    "202301": "NHS Sickness Absence benchmarking tool, January 2023.csv.gz",
    "202406": "NHS Sickness Absence benchmarking tool CSV, June 2024.csv.gz",
    "202506": "NHS Sickness Absence benchmarking tool CSV, June 2025.csv.gz",
}


def published_rows(name: str) -> pl.DataFrame:
    raw = pl.read_csv(PUBLISHED / name, infer_schema=False)
    return raw.select(
        pl.col("ORG_CODE").alias("org_code"),
        pl.col("STAFF_GROUP").alias("staff_group"),
        pl.col("FTE_DAYS_LOST").cast(pl.Float64).alias("fte_days_lost"),
        pl.col("FTE_DAYS_AVAILABLE").cast(pl.Float64).alias("fte_days_available"),
    )


@pytest.mark.parametrize("month", list(MONTHS))
def test_the_published_months_give_the_parity_cases_sr_inputs(month):
    ours = staff_mix_expected(published_rows(MONTHS[month]))
    theirs = pl.read_csv(SHIPPED_REFERENCE / "funnel_parity" / "inputs" / f"sr_org_shmi_{month}.csv")
    theirs = theirs.sort("unit")
    assert ours["unit"].to_list() == theirs["unit"].to_list()
    for column in ("numerator", "denominator"):
        relative = ((ours[column] - theirs[column]) / theirs[column]).abs().max()
        assert relative < 1e-12, column


def _rows(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["org_code", "staff_group", "fte_days_lost", "fte_days_available"], orient="row"
    )


def test_expected_is_the_national_rate_of_each_group_times_the_days_available():
    rows = _rows(
        ("A", "Nurses", 60.0, 1000.0),
        ("A", "Managers", 10.0, 1000.0),
        ("A", "All staff groups", 70.0, 2000.0),
        ("B", "nurses ", 40.0, 1000.0),  # names compared trimmed and case-insensitively
        ("B", "Managers", 30.0, 1000.0),
        ("C", "Managers", None, None),  # suppressed: out of C's figures and of the national rate
        ("C", "Nurses", 20.0, 500.0),
    )
    out = staff_mix_expected(rows).sort("unit")
    nurses, managers = 120 / 2500, 40 / 2000
    assert out["unit"].to_list() == ["A", "B", "C"]
    assert out["numerator"].to_list() == [70.0, 70.0, 20.0]
    assert out["denominator"].to_list() == pytest.approx(
        [1000 * nurses + 1000 * managers, 1000 * nurses + 1000 * managers, 500 * nurses]
    )
    assert out["staff_groups"].to_list() == [2, 2, 1]


def test_the_unknown_group_is_one_group_under_either_name():
    rows = _rows(
        ("A", "Unknown classification", 10.0, 100.0),
        ("B", "Other staff or those with unknown classification", 30.0, 100.0),
    )
    assert staff_mix_expected(rows)["denominator"].to_list() == [20.0, 20.0]


def test_an_organisation_with_every_row_suppressed_is_left_out():
    rows = _rows(("A", "Nurses", 10.0, 100.0), ("B", "Nurses", None, None))
    assert staff_mix_expected(rows)["unit"].to_list() == ["A"]

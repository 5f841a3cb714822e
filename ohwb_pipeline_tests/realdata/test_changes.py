"""Real-world change over time: staff group renames, mergers and closures, a missing organisation."""

import polars as pl
import pytest

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline_tests.conftest import read_table
from ohwb_pipeline_tests.realdata.helpers import (
    check_results,
    published_file,
    real_root,
    run_range,
    shipped_month,
)


def test_a_series_continues_across_both_renames(real_span):
    root, _ = real_span
    bench = read_table(root / "published/absence_benchmark")
    assert not {"HCHS doctors", "Unknown classification"} & set(bench["STAFF_GROUP"])
    # The publisher's names change in May 2024 and December 2024; the series do not.
    doctors = bench.filter((pl.col("ORG_CODE") == "RJ1") & (pl.col("STAFF_GROUP") == "HCHS Doctors"))
    assert doctors["period"].n_unique() == 30 and doctors["SICKNESS_ABSENCE_RATE_PERCENT"].is_not_null().all()
    other = bench.filter(pl.col("STAFF_GROUP") == "Other staff or those with unknown classification")
    assert {"2024-11", "2024-12", "2025-06"} <= set(other["period"])
    assert shipped_month("2024-05").filter(pl.col("STAFF_GROUP") == "HCHS doctors").height > 200
    assert shipped_month("2024-12").filter(pl.col("STAFF_GROUP") == "Unknown classification").height > 0


def test_a_recorded_merger_ends_the_expectation_and_rebases_the_successor(real_span):
    root, _ = real_span
    status = read_table(root / "published/data_completeness")
    assert (status["data_status"] == "complete").all(), "every real stop is recorded"
    rrp = status.filter(pl.col("org_code") == "RRP")
    assert rrp["period"].max() == "2024-10" and rrp["closed_from"].unique().to_list() == ["2024-11"]
    assert status.filter(pl.col("org_code") == "G6V2S")["period"].min() == "2024-11"
    # R1C joined RW1 in October 2024: RW1's series has one set of limits before, another from then.
    spc = read_table(root / "published/spc_indicators").filter(pl.col("area_code") == "RW1").sort("period")
    before, after = spc.filter(pl.col("period") < "2024-10"), spc.filter(pl.col("period") >= "2024-10")
    assert before["mean"].n_unique() == after["mean"].n_unique() == 1
    assert before["mean"][0] == pytest.approx(before["value"].mean(), abs=1e-12)
    assert after["mean"][0] == pytest.approx(after["value"].mean(), abs=1e-12)
    unmerged = spc.filter(pl.col("area_code") == "RJ1")
    assert unmerged["mean"].n_unique() <= 1


def test_an_unrecorded_merger_is_named_and_its_icb_shows_the_gap(tmp_path):
    months = ["2024-09", "2024-10", "2024-11"]
    root = real_root(tmp_path, months)
    recorded = pl.read_csv(SHIPPED_REFERENCE / "organisation_changes.csv")
    (root / "config").mkdir(exist_ok=True)
    recorded.filter(~pl.col("org_code").is_in(["RRP", "TAF"])).write_csv(
        root / "config/organisation_changes.csv"
    )
    result = run_range(root, months[0], months[-1])
    assert result.success
    status = read_table(root / "published/data_completeness")
    gone = status.filter(pl.col("data_status") == "missing_from_publication")
    assert set(gone["org_code"]) == {"RRP", "TAF"} and set(gone["period"]) == {"2024-11"}
    assert set(gone["last_seen_in_publication"]) == {"2024-10"}
    check = check_results(result)["org_month_status:completeness"]
    assert not check.passed
    named = check.metadata["no_longer_in_publication"].value
    assert "RRP" in named and "TAF" in named and "2024-10" in named
    ics = read_table(root / "published/ics_indicators").filter(
        (pl.col("indicator") == "sickness_absence_rate")
        & (pl.col("level") == "icb")
        & (pl.col("area_code") == "QMJ")
    )
    coverage = dict(ics.select("period", "coverage_percent").iter_rows())
    assert coverage["2024-10"] == 100 and coverage["2024-11"] < 100


def test_a_month_missing_an_organisation_withholds_it_visibly(tmp_path):
    months = ["2024-03", "2024-04"]
    root = real_root(tmp_path, months)
    path = published_file(root, "2024-04")
    text = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in text if ",RJ1," not in line))
    result = run_range(root, months[0], months[-1])
    assert result.success
    bench = read_table(root / "published/absence_benchmark").filter(pl.col("ORG_CODE") == "RJ1")
    april = bench.filter(pl.col("period") == "2024-04")
    assert april.height == 1 and april["data_status"].item() == "missing_from_publication"
    assert april["SICKNESS_ABSENCE_RATE_PERCENT"].is_null().all()
    icb = april["ICB_CODE"].item()
    ics = read_table(root / "published/ics_indicators").filter(
        (pl.col("indicator") == "sickness_absence_rate") & (pl.col("area_code") == icb)
    )
    coverage = dict(ics.select("period", "coverage_percent").iter_rows())
    assert coverage["2024-03"] == 100 and coverage["2024-04"] < 100
    assert "RJ1" in check_results(result)["org_month_status:completeness"].metadata["withheld_by_month"].value

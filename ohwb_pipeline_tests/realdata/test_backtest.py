"""The backtest against the publisher, over every shipped real month (README "Real data"), and the
whole real span run as one ranged run against month-by-month runs."""

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.realdata.backtest import ENGLAND_TOLERANCE_PP, compare_rows, england_differences, main
from ohwb_pipeline.realdata.shipped import shipped_files
from ohwb_pipeline_tests.conftest import read_table, run_absence_job
from ohwb_pipeline_tests.realdata.helpers import (
    PUBLISHED_TABLES,
    REAL_FIRST,
    REAL_LAST,
    check_results,
    real_root,
    run_range,
)


def test_every_shipped_month_is_a_real_month_of_the_span():
    months = list(shipped_files("benchmark"))
    assert len(months) == 30 and months[0] == REAL_FIRST and months[-1] == REAL_LAST
    assert len(shipped_files("national_by_reason")) == 19


def test_the_benchmark_reproduces_every_publisher_row_and_blank(real_span):
    root, _ = real_span
    rows = compare_rows(root / "published")
    assert rows.rows_in_files > 90_000
    assert rows.unequal.is_empty(), rows.unequal.head(10)
    assert rows.rows_compared == rows.rates_equal == rows.blanks_equal == rows.rows_in_files


def test_england_agrees_with_the_national_file_within_005_points(real_span):
    root, _ = real_span
    england = england_differences(root / "published")
    # The 12 months where both files exist (January to December 2023).
    assert england["period"].to_list() == [f"2023-{m:02d}" for m in range(1, 13)]
    assert england["difference_pp"].abs().max() <= ENGLAND_TOLERANCE_PP
    recomputed = england["pipeline_rate"] - england["publisher_value"]
    assert (recomputed - england["difference_pp"]).abs().max() < 1e-12


def test_the_backtest_command_passes_and_says_so(real_span, capsys):
    root, _ = real_span
    assert main([str(root)]) == 0
    out = capsys.readouterr().out
    assert "30 shipped months" in out and "backtest passed" in out


def test_indicators_this_source_cannot_give_are_withheld_with_a_reason(real_span):
    root, _ = real_span
    ics = read_table(root / "published/ics_indicators").filter(pl.col("source") == "organisations")
    for indicator in (
        "mental_health_rate",
        "msk_rate",
        "long_term_share",
        "headcount",
        "leavers",
        "turnover_12m",
    ):
        part = ics.filter(pl.col("indicator") == indicator)
        assert part["value"].is_null().all(), indicator
        assert part["withheld_reason"].str.contains("published rates").all(), indicator
    rate = ics.filter(pl.col("indicator") == "sickness_absence_rate")
    assert rate["value"].is_not_null().all() and rate["withheld_reason"].is_null().all()
    by_reason = read_table(root / "published/absence_by_reason")
    orgs = by_reason.filter(pl.col("source") == "nhs_published_rates")
    assert orgs["reason_code"].is_null().all() and orgs["withheld_reason"].is_not_null().all()


def test_england_reasons_come_from_the_national_file(real_span):
    root, _ = real_span
    ics = read_table(root / "published/ics_indicators")
    national = ics.filter(pl.col("source") == "nhs_published_national")
    assert set(national["level"]) == {"england"}
    months = set(national.filter(pl.col("indicator") == "mental_health_rate")["period"])
    assert months == {p for p in shipped_files("national_by_reason") if REAL_FIRST <= p <= REAL_LAST}
    by_reason = read_table(root / "published/absence_by_reason").filter(pl.col("org_code") == "E92000001")
    assert set(by_reason["source"]) == {"nhs_published_national"}
    assert by_reason["icb_code"].is_null().all()
    # Each staff group's reasons make up its days lost: shares (4 dp each, about 25 reasons) sum to 100.
    shares = by_reason.group_by("period", "staff_group").agg(pl.col("share_of_days_lost_percent").sum())
    assert (shares["share_of_days_lost_percent"] - 100).abs().max() < 0.002
    assert "Consultant" not in set(by_reason["staff_group"]), "grades overlap the staff groups"


def test_all_42_icbs_every_month_with_the_publication_s_short_names(real_span):
    root, _ = real_span
    ics = read_table(root / "published/ics_indicators").filter(
        (pl.col("level") == "icb") & (pl.col("indicator") == "sickness_absence_rate")
    )
    per_month = ics.group_by("period").agg(pl.col("area_code").n_unique().alias("icbs"))
    assert per_month.height == 30 and (per_month["icbs"] == 42).all()
    assert "QZZ" not in set(ics["area_code"])
    bench = read_table(root / "published/absence_benchmark")
    names = bench.select("ICB_CODE", "ICB_NAME").unique().filter(pl.col("ICB_CODE") != "QZZ")
    assert (
        names.join(ics.select("area_code", "area_name").unique(), left_on="ICB_CODE", right_on="area_code")
        .filter(pl.col("ICB_NAME") != pl.col("area_name"))
        .is_empty()
    )
    assert not bench["ICB_NAME"].str.contains("INTEGRATED CARE BOARD").any()


def test_special_bodies_count_into_england_only(real_span):
    root, _ = real_span
    bench = read_table(root / "published/absence_benchmark").filter(
        pl.col("STAFF_GROUP") == "All staff groups"
    )
    ics = read_table(root / "published/ics_indicators").filter(
        (pl.col("indicator") == "sickness_absence_rate") & (pl.col("source") == "organisations")
    )
    month = bench.filter(pl.col("period") == "2024-06")
    england = ics.filter((pl.col("period") == "2024-06") & (pl.col("level") == "england"))
    regions = ics.filter((pl.col("period") == "2024-06") & (pl.col("level") == "region"))
    assert england["numerator"].item() == pytest.approx(month["FTE_DAYS_LOST"].sum())
    special = month.filter(pl.col("ICB_CODE") == "QZZ")["FTE_DAYS_LOST"].sum()
    assert special > 0
    assert regions["numerator"].sum() == pytest.approx(month["FTE_DAYS_LOST"].sum() - special)


def test_the_whole_span_as_one_run_equals_the_same_months_in_pieces_out_of_order(real_span, tmp_path):
    root, _ = real_span
    pieces = real_root(tmp_path / "pieces")
    months = list(shipped_files("benchmark"))
    # The later months first, as one ranged run; then the first six one at a time, newest first. A month
    # run after later ones must still leave every table as the single run over the span does. (All 30
    # months run alone took about a minute; absence/test_published.py runs its synthetic months alone.)
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_range(pieces, months[6], months[-1], instance=instance).success
        for month in reversed(months[:6]):
            assert run_absence_job(pieces, partition_key=f"{month}-01", instance=instance).success, month
    for table in PUBLISHED_TABLES:
        ranged = read_table(root / "published" / table)
        in_pieces = read_table(pieces / "published" / table)
        assert ranged.sort(pl.all()).equals(in_pieces.sort(pl.all())), table


def test_every_check_passes_on_the_real_span(real_span):
    _, result = real_span
    checks = check_results(result)
    for name in (
        "published_rates:reconciliation",
        "published_reasons:reconciliation",
        "ics_indicators:contract",
    ):
        assert checks[name].passed, name

"""ESR extracts and NHS England's published file in the same months: one source per organisation-month."""

import polars as pl

from ohwb_pipeline.realdata.shipped import land_shipped
from ohwb_pipeline_tests.conftest import (
    SMALL_FIRST,
    SMALL_LAST,
    SMALL_ORGS,
    range_tags,
    read_table,
    run_absence_job,
    synth_into,
)


def test_the_trusts_own_extracts_win_and_nothing_is_counted_twice(tmp_path):
    synth_into(tmp_path)
    months = ["2024-01", "2024-02", "2024-03"]
    assert (months[0], months[-1]) == (SMALL_FIRST, SMALL_LAST)
    land_shipped(tmp_path / "landing", months)
    assert run_absence_job(tmp_path, tags=range_tags(SMALL_FIRST, SMALL_LAST)).success
    bench = read_table(tmp_path / "published/absence_benchmark")
    totals = bench.filter(pl.col("STAFF_GROUP") == "All staff groups")
    sources = dict(totals.group_by("ORG_CODE").agg(pl.col("source").unique()).iter_rows())
    assert all(sources[o] == ["esr_extract"] for o in SMALL_ORGS)
    others = {o for o, s in sources.items() if o not in SMALL_ORGS}
    assert len(others) > 270 and all(sources[o] == ["nhs_published_rates"] for o in others)
    assert not bench.select("period", "ORG_CODE", "STAFF_GROUP").is_duplicated().any()
    # England is the sum over both sources, each organisation once.
    ics = read_table(tmp_path / "published/ics_indicators").filter(
        (pl.col("level") == "england") & (pl.col("source") == "organisations")
    )
    rate = ics.filter(pl.col("indicator") == "sickness_absence_rate").sort("period")
    complete = totals.filter(pl.col("data_status") == "complete")
    by_month = complete.group_by("period").agg(pl.col("FTE_DAYS_LOST").sum()).sort("period")
    assert (rate["numerator"] - by_month["FTE_DAYS_LOST"]).abs().max() < 1e-6
    # England includes published organisations, so withholds reasons; the ESR trusts' own rows keep theirs.
    mental = read_table(tmp_path / "published/ics_indicators").filter(
        pl.col("indicator") == "mental_health_rate"
    )
    england = mental.filter((pl.col("level") == "england") & (pl.col("source") == "organisations"))
    assert england["value"].is_null().all() and england["withheld_reason"].is_not_null().all()
    reasons = read_table(tmp_path / "published/absence_by_reason")
    esr = reasons.filter(pl.col("org_code").is_in(SMALL_ORGS))
    assert esr["reason_code"].is_not_null().all() and set(esr["source"]) == {"esr_extract"}

"""The `funnel_indicators` asset: each month's funnels from the published absence and survey tables.

It runs after `absence_publication` in `absence_monthly` (same months, same run) and reads what that
commit published, so its figures are the published ones. Survey rows come from the survey year published
when the month runs: after a new survey year is published, rerun its months' `funnel_indicators`
(docs/funnel.md). One commit per run, like every published table (core/publishing.py).
"""

import dagster as dg
import polars as pl

from ohwb_pipeline.absence.assets import GROUP, POOL
from ohwb_pipeline.absence.contracts import CONTRACTS
from ohwb_pipeline.absence.funnel_checks import high_run_spec, high_runs
from ohwb_pipeline.absence.funnel_indicators import (
    TABLE,
    assess,
    icb_units,
    organisation_units,
    survey_units,
    survey_year,
)
from ohwb_pipeline.core.checks_per_month import emit
from ohwb_pipeline.core.lake import Lake, existing_partitions, partition_file, table_glob
from ohwb_pipeline.core.metadata import markdown_preview, month_partition
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, shift_month, single_run
from ohwb_pipeline.core.publishing import TableUpdate, contract_spec, publish_table
from ohwb_pipeline.core.resources import OhwbSettings

_SURVEY = dg.AssetDep(
    "survey_indicators",
    partition_mapping=dg.TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True),
)


class FunnelInputsMissing(Exception):
    """A month's absence tables are not published: there is nothing to compare."""


def month_rows(lake: Lake, period: str) -> pl.DataFrame:
    """Every funnel row of one month (without `period`)."""
    benchmark_file = partition_file(lake.published_table("absence_benchmark"), period)
    ics_file = partition_file(lake.published_table("ics_indicators"), period)
    absent = [f.parent.parent.name for f in (benchmark_file, ics_file) if not f.exists()]
    if absent:
        raise FunnelInputsMissing(f"{period}: {', '.join(absent)} not published; run absence_monthly first")
    organisations = organisation_units(pl.read_parquet(benchmark_file), period)
    icbs = icb_units(pl.read_parquet(ics_file), organisations, period)
    year = survey_year(period)
    survey_file = partition_file(lake.published_table("survey_indicators"), year, key="year")
    survey = (
        pl.read_parquet(survey_file).with_columns(pl.lit(year).alias("year"))
        if survey_file.exists()
        else pl.DataFrame()
    )
    return assess(pl.concat([organisations, icbs, survey_units(survey)]))


def compute(lake: Lake, periods: list[str]) -> pl.DataFrame:
    return pl.concat([month_rows(lake, p).select(pl.lit(p).alias("period"), pl.all()) for p in periods])


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=["absence_benchmark", "ics_indicators", _SURVEY],
    check_specs=[contract_spec(TABLE, partitions_def=monthly_partitions), high_run_spec()],
    kinds={"parquet"},
    description=CONTRACTS[TABLE].description,
)
def funnel_indicators(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Overdispersed funnel plots of organisations and ICBs: absence rate, staff-mix ratio, survey HWB."""
    lake = Lake(settings.root)
    periods = months_in_window(context.partition_time_window)
    frame = compute(lake, periods)
    update = TableUpdate(TABLE, CONTRACTS[TABLE], frame, periods)
    yield from publish_table(context, lake, update, _summary(frame, periods[-1]))
    history = _published(lake, shift_month(periods[0], -2), periods[-1])
    yield from emit(context, [(month_partition(p), high_runs(history, p)) for p in periods])


def _published(lake: Lake, first: str, last: str) -> pl.DataFrame:
    root = lake.published_table(TABLE)
    wanted = [p for p in existing_partitions(root) if first <= p <= last]
    scan = pl.scan_parquet(table_glob(root), hive_partitioning=True)
    return scan.with_columns(pl.col("period").cast(pl.Utf8)).filter(pl.col("period").is_in(wanted)).collect()


def _summary(frame: pl.DataFrame, period: str) -> dict:
    """phi, tau2 and outlier counts per funnel of the run's newest month, for the UI."""
    latest = frame.filter(pl.col("period") == period)
    funnels = (
        latest.group_by("level", "indicator")
        .agg(
            pl.col("units").first(),
            pl.col("phi").first(),
            pl.col("tau2").first(),
            pl.col("adjustment").first(),
            (pl.col("outlier") == "high: beyond 99.8%").sum().alias("high_998"),
            (pl.col("outlier") == "low: beyond 99.8%").sum().alias("low_998"),
        )
        .sort("level", "indicator")
    )
    return {"month": period, "funnels": markdown_preview(funnels, rows=40)}


funnel_assets = [funnel_indicators]

"""The body of every extract-ingest asset: land each period of the run's window, then report.

A run covers one partition or a whole backfill range; periods are ingested one at a time so memory
stays flat whatever the range.
"""

import time
from collections.abc import Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl

from ohwb_pipeline.core import checks_per_month
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.metadata import (
    column_schema,
    markdown_preview,
    month_partition,
    partition_observations,
    row_count_metadata,
)
from ohwb_pipeline.core.resources import OhwbSettings, pseudo_key_from_env
from ohwb_pipeline.ingest import checks as ingest_checks
from ohwb_pipeline.ingest.month import ACCEPTED_STATUSES, accepted_row_history, ingest_month
from ohwb_pipeline.ingest.read import ReadLimits
from ohwb_pipeline.ingest.truncation import TruncationGuard, read_overrides
from ohwb_pipeline.ingest.validate import Contract


def ingest_periods(
    context: dg.AssetExecutionContext,
    settings: OhwbSettings,
    contract: Contract,
    landing_name: str,
    periods: list[str],
    schema: pa.DataFrameSchema,
    with_completeness: bool = True,
) -> Iterator[checks_per_month.CheckEvent | dg.MaterializeResult | dg.AssetObservation]:
    lake = Lake(settings.root)
    key = pseudo_key_from_env()
    guard = TruncationGuard(
        rule=contract.row_count_rule,
        staff_drop=settings.staff_truncation_drop,
        min_rows=settings.truncation_min_rows,
        history=accepted_row_history(lake, contract, periods[0]),
        unit_history=accepted_row_history(lake, contract, periods[0], "organisations")
        if contract.national_file
        else {},
        overrides=read_overrides(settings.ingest_overrides_path, landing_name),
    )
    limits = ReadLimits(settings.max_file_mib * 1024 * 1024, settings.max_line_kib * 1024)
    logs, by_check, present, seconds = [], [], {}, {}
    for period in periods:
        began = time.perf_counter()
        landed = ingest_month(lake, contract, landing_name, period, schema, key, guard, limits)
        logs.append(landed.file_log.with_columns(pl.lit(period).alias("period")))
        by_check.append(landed.quarantine_by_check)
        present[period] = set(landed.file_log.filter(pl.col("status").is_in(ACCEPTED_STATUSES))["org_code"])
        for stage, spent in landed.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + spent
        context.log.info(
            f"{contract.name} {period}: {landed.file_log.height} files, {landed.rows_read:,} rows read, "
            f"{landed.rows_accepted:,} accepted, {landed.rows_quarantined:,} quarantined "
            f"({time.perf_counter() - began:.1f}s)"
        )
    file_log = pl.concat(logs)
    accepted, quarantined = int(file_log["rows_accepted"].sum()), int(file_log["rows_quarantined"].sum())
    quarantine = (
        pl.concat(by_check)
        .group_by("check", "column")
        .agg(pl.col("rows").sum())
        .sort("rows", descending=True)
    )
    unreadable = file_log.filter(~pl.col("status").is_in(ACCEPTED_STATUSES)).select(
        "period", "source_file", "status", "error"
    )
    by_period = dict(
        file_log.group_by("period")
        .agg(pl.col("rows_accepted").sum())
        .select(pl.col("period").cast(pl.Utf8), pl.col("rows_accepted").cast(pl.Int64))
        .iter_rows()
    )
    yield dg.MaterializeResult(
        metadata={
            **row_count_metadata(by_period or {"none": 0}),
            "dagster/column_schema": column_schema(schema),
            "files": file_log.height,
            "rows_read": int(file_log["rows_read"].sum()),
            "rows_accepted": accepted,
            "rows_quarantined": quarantined,
            "rejected_or_suspect_files": unreadable.height,
            "suspect_files": int((file_log["status"] == "suspect_truncation").sum()),
            "quarantine_by_check": markdown_preview(quarantine, rows=30),
            "rejected_or_suspect": markdown_preview(unreadable, rows=30),
            "path": str(lake.warehouse_table(contract.name)),
            **{f"seconds_{stage}": round(spent, 3) for stage, spent in seconds.items()},
        }
    )
    yield from partition_observations(contract.name, by_period, _dagster_key)
    # After the materialisation, so each period's result targets this run's (checks_per_month.py).
    yield from checks_per_month.emit(
        context, period_checks(lake, file_log, present, landing_name, with_completeness)
    )


def period_checks(
    lake: Lake,
    file_log: pl.DataFrame,
    present: dict[str, set[str]],
    landing_name: str,
    with_completeness: bool,
) -> Iterator[checks_per_month.PartitionResult]:
    """Each period's own reconciliation (and completeness), keyed by its Dagster partition."""
    expected = {p.stem for p in (lake.landing / landing_name).glob("*/*.csv")} if with_completeness else set()
    for period in present:
        log = file_log.filter(pl.col("period") == period)
        accepted, quarantined = int(log["rows_accepted"].sum()), int(log["rows_quarantined"].sum())
        yield _dagster_key(period), ingest_checks.reconciliation(log, accepted, quarantined)
        if with_completeness:
            yield _dagster_key(period), ingest_checks.completeness(expected, {period: present[period]})


def _dagster_key(period: str) -> str:
    """A landing period (`2024-03` or the survey's `2024`) as its asset's Dagster partition key."""
    return month_partition(period) if len(period) == 7 else period

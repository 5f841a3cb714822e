"""The body of every extract-ingest asset: land each period of the run's window, then report.

A run covers one partition or a whole backfill range; periods are ingested one at a time so memory
stays flat whatever the range.
"""

import time
from collections.abc import Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl

from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.metadata import column_schema, markdown_preview
from ohwb_pipeline.core.resources import OhwbSettings, pseudo_key_from_env
from ohwb_pipeline.ingest import checks as ingest_checks
from ohwb_pipeline.ingest.month import ingest_month
from ohwb_pipeline.ingest.validate import Contract


def ingest_periods(
    context: dg.AssetExecutionContext,
    settings: OhwbSettings,
    contract: Contract,
    landing_name: str,
    periods: list[str],
    schema: pa.DataFrameSchema,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    lake = Lake(settings.root)
    key = pseudo_key_from_env()
    con = duck.connect(settings)
    logs, by_check, present, seconds = [], [], {}, {}
    for period in periods:
        began = time.perf_counter()
        landed = ingest_month(con, lake, contract, landing_name, period, schema, key)
        logs.append(landed.file_log.with_columns(pl.lit(period).alias("period")))
        by_check.append(landed.quarantine_by_check)
        present[period] = set(landed.file_log.filter(pl.col("status") != "unreadable")["org_code"])
        for stage, spent in landed.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + spent
        context.log.info(
            f"{contract.name} {period}: {landed.file_log.height} files, {landed.rows_read:,} rows read, "
            f"{landed.rows_accepted:,} accepted, {landed.rows_quarantined:,} quarantined "
            f"({time.perf_counter() - began:.1f}s)"
        )
    file_log = pl.concat(logs)
    accepted, quarantined = int(file_log["rows_accepted"].sum()), int(file_log["rows_quarantined"].sum())
    expected = {p.stem for p in (lake.landing / landing_name).glob("*/*.csv")}
    yield ingest_checks.reconciliation(file_log, accepted, quarantined)
    yield ingest_checks.completeness(expected, present)
    quarantine = (
        pl.concat(by_check)
        .group_by("check", "column")
        .agg(pl.col("rows").sum())
        .sort("rows", descending=True)
    )
    unreadable = file_log.filter(pl.col("status") == "unreadable").select("period", "source_file", "error")
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": accepted,
            "dagster/column_schema": column_schema(schema),
            "periods": len(present),
            "files": file_log.height,
            "rows_read": int(file_log["rows_read"].sum()),
            "rows_accepted": accepted,
            "rows_quarantined": quarantined,
            "unreadable_files": unreadable.height,
            "quarantine_by_check": markdown_preview(quarantine, rows=30),
            "unreadable": markdown_preview(unreadable, rows=30),
            "path": str(lake.warehouse_table(contract.name)),
            **{f"seconds_{stage}": round(spent, 3) for stage, spent in seconds.items()},
        }
    )

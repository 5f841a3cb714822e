"""The completeness gate: for every trust and month, can its figures be published?

`org_month_status` judges each expected or landed trust-month from the two ingest logs (missing,
rejected, suspect, accepted). Only `complete` trust-months get figures in the published tables; the
others are published with null figures and their `data_status`. The `completeness` check names the
missing trusts of each month and blocks publication when England's coverage falls below the
configured minimum (`OHWB_MIN_COVERAGE_PERCENT`, off by default).
"""

import dagster as dg
import duckdb
import polars as pl

from ohwb_pipeline.absence.assets import GROUP, POOL, absence_episodes, staff_in_post, workforce_facts
from ohwb_pipeline.absence.publisher_assets import published_rates
from ohwb_pipeline.core import checks_per_month, duck
from ohwb_pipeline.core.checks_per_month import check_spec
from ohwb_pipeline.core.lake import Lake, table_glob, write_periods
from ohwb_pipeline.core.metadata import (
    markdown_preview,
    month_partition,
    partition_observations,
    row_count_metadata,
)
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, single_run
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.assets import (
    aggregation_rules,
    expected_submitters,
    icbs,
    organisation_changes,
    organisations,
)

COMPLETENESS = "completeness"
DATA_STATUSES = [
    "complete",
    "missing_absence",
    "missing_staff_in_post",
    "missing_both",
    "rejected_file",
    "suspect_truncation",
    "missing_from_publication",
    "rejected_rows",
]
SOURCES = ["esr_extract", "nhs_published_rates"]


def load_org_weights(con: duckdb.DuckDBPyConnection, lake: Lake, last: str) -> None:
    """Register `org_weights` (each trust-month's coverage weight) on `con` for area_coverage.sql."""
    sql = duck.load_sql(__file__, "org_weights")
    params = {
        "org_month_status": table_glob(lake.warehouse_table("org_month_status")),
        "aggregation_rules": str(lake.reference_table("aggregation_rules")),
        "last": last,
    }
    con.execute(f"CREATE OR REPLACE TEMP TABLE org_weights AS {sql}", params)


def area_coverage(con: duckdb.DuckDBPyConnection, first: str, last: str) -> pl.DataFrame:
    return con.sql(duck.load_sql(__file__, "area_coverage"), params={"first": first, "last": last}).pl()


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[
        absence_episodes,
        staff_in_post,
        workforce_facts,
        published_rates,
        expected_submitters,
        organisation_changes,
        aggregation_rules,
        organisations,
        icbs,
    ],
    kinds={"duckdb", "parquet"},
    check_specs=[
        check_spec(
            COMPLETENESS,
            asset="org_month_status",
            partitions_def=monthly_partitions,
            blocking=True,
            description="Names every expected organisation whose figures are withheld, per month, and "
            "every organisation the published file stopped showing, with the month it was last seen (until "
            "its closure or merger is recorded in organisation_changes). Warns; blocks publication when "
            "England's coverage is below the configured minimum (off by default)",
        )
    ],
)
def org_month_status(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Per trust and month: expected?, each extract's file status and hash, and the `data_status` that
    decides whether its figures are published (`complete`) or withheld (any other value)."""
    lake = Lake(settings.root)
    periods = months_in_window(context.partition_time_window)
    con = duck.connect(settings)
    params = {
        "periods": periods,
        "first": periods[0],
        "last": periods[-1],
        "expected_submitters": str(lake.reference_table("expected_submitters")),
        "absence_log": table_glob(lake.warehouse_table("ingest_log") / "absence_episodes"),
        "staff_log": table_glob(lake.warehouse_table("ingest_log") / "staff_in_post"),
        "published_log": table_glob(lake.warehouse_table("ingest_log") / "published_rates"),
        "published_rates": table_glob(lake.warehouse_table("published_rates")),
        "published_quarantine": table_glob(lake.quarantine_table("published_rates")),
        "organisation_changes": str(lake.reference_table("organisation_changes")),
        "organisations": str(lake.reference_table("organisations")),
        "icbs": str(lake.reference_table("icbs")),
        "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
    }
    frame = con.sql(duck.load_sql(__file__, "org_month_status"), params=params).pl()
    rows = write_periods(frame, lake.warehouse_table("org_month_status"), periods)
    load_org_weights(con, lake, periods[-1])
    england = area_coverage(con, periods[0], periods[-1]).filter(pl.col("level") == "england")
    counts = frame.group_by("data_status").len("trust_months").sort("data_status")
    yield dg.MaterializeResult(
        metadata={
            **row_count_metadata(rows),
            "by_status": markdown_preview(counts),
            "expected_submitters": str(settings.expected_submitters_path),
            "path": str(lake.warehouse_table("org_month_status")),
        }
    )
    yield from partition_observations("org_month_status", rows, month_partition)
    # After the materialisation, so each month's result points at this run's (a blocking ERROR for any
    # month still stops the publication step that follows). One result per month of the run.
    yield from checks_per_month.emit(
        context,
        (
            (
                month_partition(p),
                completeness(
                    frame.filter(pl.col("period") == p),
                    england.filter(pl.col("period") == p),
                    settings.coverage_floor,
                ),
            )
            for p in periods
        ),
    )


def completeness(status: pl.DataFrame, england: pl.DataFrame, floor: float) -> dg.AssetCheckResult:
    """Warns naming every withheld expected trust; an ERROR (blocking) below the coverage floor."""
    withheld = status.filter(pl.col("expected") & (pl.col("data_status") != "complete")).select(
        "period",
        "org_code",
        "org_name",
        "data_status",
        "source",
        "last_seen_in_publication",
        "absence_file_status",
        "staff_in_post_file_status",
        "published_file_status",
    )
    # An organisation the publication stopped showing: named with the month it was last seen, until a
    # data engineer records its closure or merger (organisation_changes.csv).
    gone = (
        withheld.filter(pl.col("data_status") == "missing_from_publication")
        .group_by("org_code", "org_name", "last_seen_in_publication")
        .agg(pl.col("period").min().alias("first_month_missing"), pl.len().alias("months_missing"))
        .sort("org_code")
    )
    coverage = england.select("period", "orgs_expected", "orgs_included", "coverage_percent").sort("period")
    below = coverage.filter(pl.col("coverage_percent") < floor) if floor > 0 else coverage.clear()
    by_month = withheld.group_by("period").agg(pl.col("org_code").sort().str.join(", ").alias("withheld"))
    return dg.AssetCheckResult(
        check_name=COMPLETENESS,
        passed=withheld.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR if not below.is_empty() else dg.AssetCheckSeverity.WARN,
        description=(
            f"England coverage below {floor:g}% in {', '.join(below['period'])}: publication blocked"
            if not below.is_empty()
            else None
        ),
        metadata={
            "withheld_trust_months": withheld.height,
            "minimum_coverage_percent": floor,
            "months_below_minimum": below.height,
            "lowest_coverage_percent": float(coverage["coverage_percent"].min() or 0)
            if coverage.height
            else 0.0,
            "withheld_by_month": markdown_preview(by_month.sort("period"), rows=60),
            "no_longer_in_publication": markdown_preview(gone, rows=60),
            "withheld": markdown_preview(withheld, rows=60),
            "england_coverage": markdown_preview(coverage, rows=60),
        },
    )

"""Published tables: computed in DuckDB, checked against their contract, then swapped in atomically
partition by partition, with the manifest updated last."""

from collections.abc import Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl

from ohwb_pipeline.absence import checks
from ohwb_pipeline.absence.assets import absence_facts, workforce_facts
from ohwb_pipeline.absence.contracts import CONTRACTS
from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake, existing_partitions, table_glob, update_manifest, write_periods
from ohwb_pipeline.core.metadata import column_schema, markdown_preview
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, shift_month, single_run
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.assets import absence_reasons, icbs, organisations

GROUP = "absence"


def _inputs(lake: Lake) -> dict[str, str]:
    return {
        "absence_facts": table_glob(lake.warehouse_table("absence_facts")),
        "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
        "organisations": str(lake.reference_table("organisations")),
        "icbs": str(lake.reference_table("icbs")),
        "absence_reasons": str(lake.reference_table("absence_reasons")),
    }


def compute(
    settings: OhwbSettings, table: str, periods: list[str], names: list[str], **extra: str
) -> pl.DataFrame:
    lake = Lake(settings.root)
    params = {k: v for k, v in _inputs(lake).items() if k in names}
    params |= {"first": periods[0], "last": periods[-1], **extra}
    return duck.connect(settings).sql(duck.load_sql(__file__, table), params=params).pl()


def publish(
    context: dg.AssetExecutionContext,
    settings: OhwbSettings,
    table: str,
    frame: pl.DataFrame,
    periods: list[str],
    extra_metadata: dict | None = None,
    contract: tuple[type[pa.DataFrameModel], str] | None = None,
    key: str = "period",
    check_each_partition: bool = False,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    """Check the contract (blocking), then swap in each partition and record it in the manifest.

    `check_each_partition` validates partition by partition, for contracts whose rules (uniqueness)
    hold within one partition's file; monthly tables carry their date and are checked in one go.
    """
    model, version = contract or CONTRACTS[table]
    parts = frame.partition_by(key, include_key=False) if check_each_partition else [frame.drop(key)]
    result = checks.contract_check(parts, model, version)
    yield result
    if not result.passed:
        raise checks.ContractViolation(
            f"{table} breaks its contract (schema {version}); nothing was published"
        )
    lake = Lake(settings.root)
    rows = write_periods(frame, lake.published_table(table), periods, key)
    update_manifest(
        lake,
        table,
        schema_version=version,
        columns={k: str(v) for k, v in frame.drop(key).schema.items()},
        partitions=rows,
        run_id=context.run_id,
        partition_key=key,
    )
    context.log.info(f"published {table}: {sum(rows.values()):,} rows in {len(periods)} partitions")
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(rows.values()),
            "dagster/column_schema": column_schema(model),
            "schema_version": version,
            "partitions": len(periods),
            "path": str(lake.published_table(table)),
            **(extra_metadata or {}),
        }
    )


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[absence_facts, workforce_facts, organisations, icbs],
    kinds={"duckdb", "parquet"},
    check_specs=[checks.contract_spec("absence_benchmark"), checks.plausibility_spec("absence_benchmark")],
)
def absence_benchmark(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """NHS-compatible sickness absence benchmark table (official columns and suppression rule)."""
    periods = months_in_window(context.partition_time_window)
    frame = compute(
        settings, "absence_benchmark", periods, ["absence_facts", "workforce_facts", "organisations", "icbs"]
    )
    yield from publish(context, settings, "absence_benchmark", frame, periods)
    yield checks.rate_plausibility(_rate_history(settings, frame, periods), periods)


def _rate_history(settings: OhwbSettings, frame: pl.DataFrame, periods: list[str]) -> pl.DataFrame:
    lake = Lake(settings.root)
    table = lake.published_table("absence_benchmark")
    earlier = [p for p in existing_partitions(table) if p < periods[0]]
    parts = [frame]
    if earlier:
        history = pl.scan_parquet(str(table / "*" / "*.parquet"), hive_partitioning=True).with_columns(
            pl.col("period").cast(pl.Utf8)
        )
        parts.append(history.filter(pl.col("period").is_in(earlier[-36:])).collect())
    return (
        pl.concat(
            [p.select("period", "ORG_CODE", "STAFF_GROUP", "SICKNESS_ABSENCE_RATE_PERCENT") for p in parts]
        )
        .filter(pl.col("STAFF_GROUP") == "All staff groups")
        .select(
            "period",
            pl.col("ORG_CODE").alias("org_code"),
            pl.col("SICKNESS_ABSENCE_RATE_PERCENT").alias("rate"),
        )
    )


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[absence_facts, workforce_facts, organisations, absence_reasons],
    kinds={"duckdb", "parquet"},
    check_specs=[checks.contract_spec("absence_by_reason")],
)
def absence_by_reason(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """FTE days lost by ESR reason per trust and staff group, with each reason's share."""
    periods = months_in_window(context.partition_time_window)
    frame = compute(
        settings,
        "absence_by_reason",
        periods,
        ["absence_facts", "workforce_facts", "organisations", "absence_reasons"],
    )
    yield from publish(context, settings, "absence_by_reason", frame, periods)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[absence_facts, workforce_facts, organisations, icbs, absence_reasons],
    kinds={"duckdb", "parquet"},
    check_specs=[checks.contract_spec("ics_indicators")],
)
def ics_indicators(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """ICB, region and England indicators (long format) with rolling 12 months, change and rank."""
    periods = months_in_window(context.partition_time_window)
    frame = compute(
        settings,
        "ics_indicators",
        periods,
        list(_inputs(Lake(settings.root))),
        lookback=shift_month(periods[0], -12),
    )
    latest = frame.filter(
        (pl.col("period") == periods[-1]) & (pl.col("indicator") == "sickness_absence_rate")
    )
    preview = latest.sort("level", "rank_among_icbs", nulls_last=True).select(
        "level",
        "area_code",
        "area_name",
        "value",
        "rolling_12m_value",
        "change_on_last_year",
        "rank_among_icbs",
    )
    extra = {f"preview_sickness_absence_rate_{periods[-1]}": markdown_preview(preview, rows=60)}
    yield from publish(context, settings, "ics_indicators", frame, periods, extra)


published_assets = [absence_benchmark, absence_by_reason, ics_indicators]

"""Monthly absence assets: validated extracts, then facts computed by DuckDB SQL.

Every asset reads `context.partition_time_window`, so a backfill of any range is one run: ingest
loops over the months (keeping memory flat), and the facts are one set of queries over the range.
"""

from collections.abc import Iterator

import dagster as dg
import polars as pl

from ohwb_pipeline.absence.schemas import EPISODES, STAFF_IN_POST, schema_with_reference
from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake, table_glob, write_periods
from ohwb_pipeline.core.metadata import month_partition, partition_observations, row_count_metadata
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, single_run
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.ingest import checks as ingest_checks
from ohwb_pipeline.ingest.asset import ingest_periods
from ohwb_pipeline.ingest.validate import Contract
from ohwb_pipeline.reference.assets import absence_reasons, organisations, staff_groups
from ohwb_pipeline.reference.load import read_reference

GROUP = "absence"
# Every absence step that writes shares one concurrency pool, limited to 1 in dagster.yaml, so two runs
# of the same months never write at once (docs/operations.md, "Concurrency").
POOL = "ohwb_absence"
FACTS_SLICE_MONTHS = 12


def _ingest(
    context: dg.AssetExecutionContext, settings: OhwbSettings, contract: Contract, landing_name: str
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    lake = Lake(settings.root)
    allowed = {
        "org_code": read_reference(lake, "organisations")["org_code"].to_list(),
        "staff_group": read_reference(lake, "staff_groups")["staff_group"].to_list(),
    }
    if "reason_code" in contract.columns:
        allowed["reason_code"] = read_reference(lake, "absence_reasons")["reason_code"].to_list()
    schema = schema_with_reference(contract, allowed)
    periods = months_in_window(context.partition_time_window)
    # Completeness is judged once for both extracts, by org_month_status against the expected list.
    yield from ingest_periods(
        context, settings, contract, landing_name, periods, schema, with_completeness=False
    )


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[organisations, staff_groups, absence_reasons],
    check_specs=ingest_checks.ingest_check_specs("absence_episodes", monthly_partitions, completeness=False),
    kinds={"pandera", "duckdb", "parquet"},
)
def absence_episodes(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Sickness absence episodes from `landing/absence/<YYYY-MM>/<ORG>.csv`, validated and pseudonymised.
    Trusts' own ESR extracts; in the demo (`make run`, `data/`) they are SYNTHETIC, made by `ohwb synth`."""
    yield from _ingest(context, settings, EPISODES, "absence")


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[organisations, staff_groups],
    check_specs=ingest_checks.ingest_check_specs("staff_in_post", monthly_partitions, completeness=False),
    kinds={"pandera", "duckdb", "parquet"},
)
def staff_in_post(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Staff in post (the denominator) from `landing/staff_in_post/<YYYY-MM>/<ORG>.csv`. Trusts' own ESR
    extracts; in the demo (`make run`, `data/`) they are SYNTHETIC, made by `ohwb synth`."""
    yield from _ingest(context, settings, STAFF_IN_POST, "staff_in_post")


def _facts(
    context: dg.AssetExecutionContext, settings: OhwbSettings, name: str, params: dict
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    lake = Lake(settings.root)
    periods = months_in_window(context.partition_time_window)
    con = duck.connect(settings)
    sql = duck.load_sql(__file__, name)
    # One query per slice of up to FACTS_SLICE_MONTHS: headcounts group by person and month, so one
    # query over a 36-month backfill would hold every month's people at once (it ran out of a 1 GB
    # DuckDB memory limit); slices keep memory flat whatever the range, at no cost in time.
    slices = [periods[i : i + FACTS_SLICE_MONTHS] for i in range(0, len(periods), FACTS_SLICE_MONTHS)]
    frame = pl.concat(
        [con.sql(sql, params={**params, "first": part[0], "last": part[-1]}).pl() for part in slices]
    )
    rows = write_periods(frame, lake.warehouse_table(name), periods)
    context.log.info(f"{name}: {sum(rows.values()):,} rows in {len(periods)} month(s)")
    yield dg.MaterializeResult(metadata={**row_count_metadata(rows), "path": str(lake.warehouse_table(name))})
    yield from partition_observations(name, rows, month_partition)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[absence_episodes],
    kinds={"duckdb", "parquet"},
)
def absence_facts(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """FTE days lost (all and long-term) and episodes per org x staff group x reason x month."""
    yield from _facts(
        context,
        settings,
        "absence_facts",
        {"episodes": table_glob(Lake(settings.root).warehouse_table("absence_episodes"))},
    )


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[staff_in_post],
    kinds={"duckdb", "parquet"},
)
def workforce_facts(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """FTE days available, FTE, headcount and leavers per org x staff group x month."""
    yield from _facts(
        context,
        settings,
        "workforce_facts",
        {"staff": table_glob(Lake(settings.root).warehouse_table("staff_in_post"))},
    )


absence_assets = [absence_episodes, staff_in_post, absence_facts, workforce_facts]

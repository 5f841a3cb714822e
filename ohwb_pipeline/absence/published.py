"""The absence domain's published tables, computed in DuckDB and published as one version per month.

One step computes all five tables, checks every contract (blocking), and commits them together
(core/publishing.py): after a crash, every table holds the old version of a month or every table the
new one. A month whose facts or status are missing, or that has no staff in post at all, is refused.

Rolling 12-month and year-on-year values use the 12 months before: when a month is republished, the
step also recomputes every already-published month of `ics_indicators` within 12 months after the run's
window, so months run one at a time in any order end exactly as one ranged run would leave them.
"""

import dagster as dg
import polars as pl

from ohwb_pipeline.absence import checks
from ohwb_pipeline.absence.assets import GROUP, POOL, absence_facts, workforce_facts
from ohwb_pipeline.absence.contracts import CONTRACTS
from ohwb_pipeline.absence.figures import load_org_figures
from ohwb_pipeline.absence.publisher_assets import published_rates, published_reasons
from ohwb_pipeline.absence.spc_indicators import spc_update
from ohwb_pipeline.absence.status import area_coverage, load_org_weights, org_month_status
from ohwb_pipeline.core import checks_per_month, duck
from ohwb_pipeline.core.lake import Lake, existing_partitions, partition_file, table_glob
from ohwb_pipeline.core.metadata import markdown_preview, month_partition
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, shift_month, single_run
from ohwb_pipeline.core.publishing import (
    CONTRACT_CHECK,
    CommitResult,
    TableUpdate,
    check_contracts,
    commit,
    contract_spec,
    observations,
    published_metadata,
    recover,
)
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.assets import (
    absence_reasons,
    icbs,
    organisations,
    staff_group_aliases,
    staff_groups,
)

TABLES = ["absence_benchmark", "absence_by_reason", "ics_indicators", "data_completeness", "spc_indicators"]
RECOMPUTE_MONTHS_AFTER = 12
NO_REASONS = "NHS England's published rates give no reasons for absence"
NO_NATIONAL_DETAIL = (
    "NHS England's national file gives days lost by reason, not episode lengths, headcounts or leavers"
)
_DEPS = [
    absence_facts,
    workforce_facts,
    published_rates,
    published_reasons,
    org_month_status,
    organisations,
    icbs,
    absence_reasons,
    staff_groups,
    staff_group_aliases,
]


class MissingInputs(Exception):
    """A month's facts are missing or empty: publishing it would overwrite good figures with nothing."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            t, deps=_DEPS, group_name=GROUP, kinds={"duckdb", "parquet"}, description=CONTRACTS[t].description
        )
        for t in TABLES
    ],
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    pool=POOL,
    check_specs=[
        *(contract_spec(t, partitions_def=monthly_partitions) for t in TABLES),
        checks.special_cause_spec(),
    ],
)
def absence_publication(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Compute, check and commit the absence tables for the run's months as one version."""
    lake = Lake(settings.root)
    recovered = recover(lake)
    if recovered.commits_finished or recovered.staging_removed:
        context.log.warning(
            f"recovered an interrupted publication: finished {recovered.commits_finished}, "
            f"removed {len(recovered.staging_removed)} staging folders"
        )
    periods = months_in_window(context.partition_time_window)
    missing = missing_inputs(lake, periods)
    if missing:
        # Each month that lacks inputs fails its own contract result; the others are left unevaluated
        # (the step fails, so Dagster shows them as not executed): nothing was published for any month.
        by_month = (
            {p: missing_inputs(lake, [p]) for p in periods} if len(periods) > 1 else {periods[0]: missing}
        )
        yield from checks_per_month.emit(
            context,
            (
                (month_partition(p), _missing_result(table, why))
                for table in TABLES
                for p, why in by_month.items()
                if why
            ),
        )
        raise MissingInputs(f"nothing was published: {missing}")
    later = later_published_months(lake, periods)
    updates = compute_updates(settings, periods, later)
    passed = yield from check_contracts(context, updates)
    result = commit(lake, updates, context.run_id)
    context.log.info(
        f"published commit {result.commit_id}: {len(periods)} months"
        + (f", ics_indicators recomputed for {len(later)} later months" if later else "")
        + f", {result.revisions} revised values"
    )
    for update in updates:
        yield dg.MaterializeResult(asset_key=update.table, metadata=_metadata(lake, update, result))
        yield from observations(update, result)
    # Check results after the materialisations, so each one points at this run's (see check_contracts);
    # one per month of the run (core/checks_per_month.py).
    spc = updates[-1].frame
    yield from checks_per_month.emit(
        context, [*passed, *((month_partition(p), checks.special_causes(spc, [p])) for p in periods)]
    )


def _missing_result(table: str, why: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=table, check_name=CONTRACT_CHECK, passed=False, metadata={"missing_inputs": why}
    )


def missing_inputs(lake: Lake, periods: list[str]) -> str:
    """Why the months cannot be published, or '' when every month has its facts and a denominator: some
    staff in post accepted, or NHS England's published rates for the month."""
    problems = []
    for table in ("absence_facts", "workforce_facts", "published_rates", "org_month_status"):
        absent = [p for p in periods if not partition_file(lake.warehouse_table(table), p).exists()]
        if absent:
            problems.append(f"{table} has no partition for {', '.join(absent)}")
    if not problems:
        present = _periods_with_rows(lake, "workforce_facts", periods) | _periods_with_rows(
            lake, "published_rates", periods
        )
        empty = [p for p in periods if p not in present]
        if empty:
            problems.append(f"no staff in post and no published rates were accepted for {', '.join(empty)}")
    return "; ".join(problems)


def _periods_with_rows(lake: Lake, table: str, periods: list[str]) -> set[str]:
    rows = pl.scan_parquet(table_glob(lake.warehouse_table(table)), hive_partitioning=True)
    return set(
        rows.select(pl.col("period").cast(pl.Utf8))
        .filter(pl.col("period").is_in(periods))
        .unique()
        .collect()["period"]
    )


def later_published_months(lake: Lake, periods: list[str]) -> list[str]:
    """Published ics_indicators months whose rolling or year-on-year values use the run's months."""
    horizon = shift_month(periods[-1], RECOMPUTE_MONTHS_AFTER)
    published = existing_partitions(lake.published_table("ics_indicators"))
    have_facts = set(existing_partitions(lake.warehouse_table("workforce_facts")))
    return [p for p in published if periods[-1] < p <= horizon and p in have_facts]


def compute_updates(settings: OhwbSettings, periods: list[str], later: list[str]) -> list[TableUpdate]:
    lake = Lake(settings.root)
    con = duck.connect(settings)
    last = later[-1] if later else periods[-1]
    lookback = shift_month(periods[0], -12)
    params = {
        "absence_facts": table_glob(lake.warehouse_table("absence_facts")),
        "workforce_facts": table_glob(lake.warehouse_table("workforce_facts")),
        "org_month_status": table_glob(lake.warehouse_table("org_month_status")),
        "organisations": str(lake.reference_table("organisations")),
        "icbs": str(lake.reference_table("icbs")),
        "absence_reasons": str(lake.reference_table("absence_reasons")),
        "staff_groups": str(lake.reference_table("staff_groups")),
        "staff_group_aliases": str(lake.reference_table("staff_group_aliases")),
        "published_reasons": table_glob(lake.warehouse_table("published_reasons")),
        "no_reasons": NO_REASONS,
        "no_national_detail": NO_NATIONAL_DETAIL,
        "first": periods[0],
        "last": periods[-1],
    }
    load_org_figures(con, lake, lookback, last)
    frames = {}
    for table in ("absence_benchmark", "absence_by_reason", "data_completeness"):
        sql = duck.load_sql(__file__, table)
        frames[table] = con.sql(sql, params={k: v for k, v in params.items() if f"${k}" in sql}).pl()
    load_org_weights(con, lake, last)
    con.register("area_coverage", area_coverage(con, periods[0], last))
    sql = duck.load_sql(__file__, "ics_indicators")
    ics_params = {**params, "last": last, "lookback": lookback}
    ics = con.sql(sql, params={k: v for k, v in ics_params.items() if f"${k}" in sql}).pl()
    ics_periods = [*periods, *later]
    frames["ics_indicators"] = ics.filter(pl.col("period").is_in(ics_periods))
    updates = [
        TableUpdate(t, CONTRACTS[t], frames[t], ics_periods if t == "ics_indicators" else periods)
        for t in TABLES[:-1]
    ]
    return [*updates, spc_update(settings, benchmark=updates[0], ics=updates[2])]


def _metadata(lake: Lake, update: TableUpdate, result: CommitResult) -> dict:
    metadata = published_metadata(lake, update, result)
    if update.table == "ics_indicators":
        latest = update.frame.filter(
            (pl.col("period") == update.partitions[-1]) & (pl.col("indicator") == "sickness_absence_rate")
        )
        preview = latest.sort("level", "rank_among_icbs", nulls_last=True).select(
            "level",
            "area_code",
            "area_name",
            "value",
            "rolling_12m_value",
            "rank_among_icbs",
            "coverage_percent",
        )
        metadata["preview_sickness_absence_rate"] = markdown_preview(preview, rows=60)
    if update.table == "spc_indicators":
        latest = update.frame.filter(pl.col("is_latest") & (pl.col("level") != "trust"))
        metadata["latest_icons"] = markdown_preview(
            latest.filter(pl.col("indicator") == "sickness_absence_rate")
            .sort("level", "area_code")
            .select("period", "level", "area_code", "value", "lpl", "upl", "variation_icon", "assurance"),
            rows=60,
        )
    if update.table == "data_completeness":
        counts = update.frame.group_by("data_status").len("trust_months").sort("data_status")
        metadata["by_status"] = markdown_preview(counts)
    return metadata


published_assets = [absence_publication]

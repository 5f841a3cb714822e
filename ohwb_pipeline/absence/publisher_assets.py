"""NHS England's published figures as a source of the absence tables (README "Real data"):

- `published_rates`: the monthly NHS Sickness Absence Rates benchmarking CSV, one national file in
  `landing/published_rates/<YYYY-MM>/` with the publisher's own name;
- `published_reasons`: the national "by reason and staff group" CSV in `landing/published_reasons/<YYYY-MM>/`.

They are ingested by the same recipe as the trusts' extracts (read as text, cast, pandera with row-level
quarantine and reasons, truncation guard, ingest log) and feed the same monthly partitions and tables.
"""

from collections.abc import Callable, Iterator

import dagster as dg
import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.absence.assets import GROUP, POOL
from ohwb_pipeline.absence.publisher_schemas import ALL_REASONS, PUBLISHED_RATES, PUBLISHED_REASONS
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.partitions import monthly_partitions, months_in_window, single_run
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.ingest import checks as ingest_checks
from ohwb_pipeline.ingest.asset import ingest_periods
from ohwb_pipeline.ingest.validate import Contract, in_reference
from ohwb_pipeline.reference.assets import absence_reasons, staff_group_aliases, staff_groups
from ohwb_pipeline.reference.load import read_reference

RATES_LANDING = "published_rates"
ALL_STAFF_GROUPS = "All staff groups"
REASONS_LANDING = "published_reasons"


def rates_schema(lake: Lake) -> pa.DataFrameSchema:
    groups = read_reference(lake, "staff_groups")["staff_group"].to_list()
    aliases = read_reference(lake, "staff_group_aliases")["alias"].to_list()
    schema = PUBLISHED_RATES.model.to_schema()
    column = schema.columns["staff_group"]
    return schema.update_columns(
        {
            "staff_group": {
                "checks": [*column.checks, in_reference("staff_group", [ALL_STAFF_GROUPS, *groups, *aliases])]
            }
        }
    )


def reasons_schema(lake: Lake) -> pa.DataFrameSchema:
    codes = pl.Series(read_reference(lake, "absence_reasons")["reason_code"].to_list(), dtype=pl.Utf8)

    def known(data: PolarsData) -> pl.LazyFrame:
        reason = pl.col(data.key)
        return data.lazyframe.select(
            ((reason == ALL_REASONS) | reason.str.slice(0, 3).is_in(codes.implode())).fill_null(True)
        )

    schema = PUBLISHED_REASONS.model.to_schema()
    column = schema.columns["absence_reason"]
    check = pa.Check(known, name="in_reference_absence_reasons")
    return schema.update_columns({"absence_reason": {"checks": [*column.checks, check]}})


def _ingest(
    context: dg.AssetExecutionContext,
    settings: OhwbSettings,
    contract: Contract,
    landing: str,
    schema_for: Callable[[Lake], pa.DataFrameSchema],
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    # One national file a month: no per-trust completeness (org_month_status judges organisations).
    periods = months_in_window(context.partition_time_window)
    schema = schema_for(Lake(settings.root))
    yield from ingest_periods(context, settings, contract, landing, periods, schema, with_completeness=False)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[staff_groups, staff_group_aliases],
    check_specs=ingest_checks.ingest_check_specs("published_rates", monthly_partitions, completeness=False),
    kinds={"pandera", "polars", "parquet"},
)
def published_rates(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """REAL DATA SOURCE. NHS England's NHS Sickness Absence Rates benchmarking CSV (organisation x staff
    group, FTE days lost and available, rate), one national file per month in
    `landing/published_rates/<YYYY-MM>/`, validated row by row. Official statistics. Contains public
    sector information licensed under the Open Government Licence v3.0. Source: NHS England, NHS
    Sickness Absence Rates."""
    yield from _ingest(context, settings, PUBLISHED_RATES, RATES_LANDING, rates_schema)


@dg.asset(
    partitions_def=monthly_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    pool=POOL,
    deps=[absence_reasons],
    check_specs=ingest_checks.ingest_check_specs("published_reasons", monthly_partitions, completeness=False),
    kinds={"pandera", "polars", "parquet"},
)
def published_reasons(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """REAL DATA SOURCE. NHS England's national "NHS Sickness Absence by reason and staff group" CSV
    (England only: FTE days lost by ESR reason and staff group), one file per month in
    `landing/published_reasons/<YYYY-MM>/`. Its rows become England rows marked as the publisher's
    national totals. Contains public sector information licensed under the Open Government Licence
    v3.0. Source: NHS England, NHS Sickness Absence Rates."""
    yield from _ingest(context, settings, PUBLISHED_REASONS, REASONS_LANDING, reasons_schema)


publisher_assets = [published_rates, published_reasons]

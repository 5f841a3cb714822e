"""The funnel table's warning check: an organisation beyond the upper 99.8% limit 3 months running.

One month beyond 99.8% happens to about 1 organisation in 1,000 by chance once overdispersion is allowed
for; three in a row is a pattern worth a look. The check warns (never blocks) and names the organisations
and indicators. Survey indicators repeat one survey year across its months, so they are not judged here.
"""

import dagster as dg
import polars as pl

from ohwb_pipeline.absence.funnel_indicators import HIGH_998, RATE, RATIO, TABLE
from ohwb_pipeline.core.checks_per_month import check_spec
from ohwb_pipeline.core.metadata import markdown_preview
from ohwb_pipeline.core.partitions import monthly_partitions, shift_month

HIGH_RUN = "high_outlier_3_months"
RUN_MONTHS = 3


def high_run_spec() -> dg.AssetCheckSpec:
    return check_spec(
        HIGH_RUN,
        asset=TABLE,
        partitions_def=monthly_partitions,
        description=f"Warns when an organisation is '{HIGH_998}' on its sickness absence rate or its "
        f"staff-mix-standardised ratio in the month and the {RUN_MONTHS - 1} months before it "
        "(overdispersion-adjusted limits). Names them; never blocks. Each month of a ranged run has its "
        "own result.",
    )


def high_runs(rows: pl.DataFrame, period: str) -> dg.AssetCheckResult:
    """`rows`: published `funnel_indicators` rows (with `period`) covering `period` and the months before."""
    months = [shift_month(period, -k) for k in range(RUN_MONTHS)]
    high = rows.filter(
        pl.col("level") == "organisation",
        pl.col("indicator").is_in([RATE, RATIO]),
        pl.col("period").is_in(months),
        pl.col("outlier") == HIGH_998,
    )
    runs = (
        high.group_by("area_code", "indicator")
        .agg(
            pl.col("area_name").last(),
            pl.col("period").n_unique().alias("months"),
            pl.col("value").sort_by("period"),
        )
        .filter(pl.col("months") == RUN_MONTHS)
        .sort("indicator", "area_code")
    )
    shown = runs.select(
        pl.col("area_code").alias("org_code"),
        "area_name",
        "indicator",
        pl.col("value").list.eval(pl.element().round(3).cast(pl.Utf8)).list.join(", ").alias("values"),
    )
    return dg.AssetCheckResult(
        asset_key=TABLE,
        check_name=HIGH_RUN,
        passed=runs.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "month": period,
            "months_judged": ", ".join(reversed(months)),
            "organisations": runs["area_code"].n_unique(),
            "high_3_months": markdown_preview(shown, rows=50),
        },
    )

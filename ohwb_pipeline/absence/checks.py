"""The absence tables' warning check: Making Data Count special causes in each trust's absence rate.

Contracts are checked (blocking) by core/publishing.py; this check never blocks. It reads the SPC the
same commit publishes (`spc_indicators`), so the flags are the ones an analyst sees on the chart.
"""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.checks_per_month import check_spec
from ohwb_pipeline.core.metadata import markdown_preview
from ohwb_pipeline.core.partitions import monthly_partitions

SPECIAL_CAUSE = "special_cause_variation"


def special_cause_spec(asset: str = "absence_benchmark") -> dg.AssetCheckSpec:
    return check_spec(
        SPECIAL_CAUSE,
        asset=asset,
        partitions_def=monthly_partitions,
        description="Warns when a trust's sickness absence rate in the month shows special-cause "
        "variation of concern (Making Data Count rules over the trust's full history: a point outside the "
        "process limits, a run of 7 rising, 2 of 3 close to a limit, 7 on one side of the mean). Names the "
        "trusts and rules; improvements are listed but do not warn. Each month of a ranged run has its own "
        "result.",
    )


def special_causes(spc_rows: pl.DataFrame, periods: list[str]) -> dg.AssetCheckResult:
    """`spc_rows`: the published `spc_indicators` rows (with `period`); judges the newest of `periods`
    (the absence publication calls it once per month of the run)."""
    newest = max(periods)
    special = spc_rows.filter(
        (pl.col("level") == "trust"),
        pl.col("period") == newest,
        pl.col("point_type") != "common_cause",
    ).sort("period", "area_code")
    concern = special.filter(pl.col("point_type") == "special_cause_concern")
    by_rule = special.group_by("point_type", "special_cause_type").len("trust_months").sort("point_type")
    return dg.AssetCheckResult(
        asset_key="absence_benchmark",
        check_name=SPECIAL_CAUSE,
        passed=concern.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "month": newest,
            "trust_months_of_concern": concern.height,
            "trust_months_of_improvement": special.height - concern.height,
            "trusts_of_concern": concern["area_code"].n_unique(),
            "by_rule": markdown_preview(by_rule),
            "flagged": markdown_preview(
                special.select(
                    "period",
                    pl.col("area_code").alias("org_code"),
                    "area_name",
                    "special_cause_type",
                    "point_type",
                    "value",
                    "mean",
                    "lpl",
                    "upl",
                ),
                rows=50,
            ),
        },
    )

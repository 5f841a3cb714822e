"""Plausibility warnings on the published absence tables (contracts are checked by core/publishing.py)."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.metadata import markdown_preview

PLAUSIBILITY = "plausibility"
SD_LIMIT = 3.0
MIN_HISTORY_MONTHS = 6


def plausibility_spec(asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        PLAUSIBILITY,
        asset=asset,
        description=f"Rates in 0-100; a trust moving over {SD_LIMIT:g} sd from its own history warns",
    )


def rate_plausibility(rates: pl.DataFrame, window: list[str]) -> dg.AssetCheckResult:
    """`rates`: period, org_code, rate (All staff groups), history first. Warns; never blocks."""
    ordered = rates.sort("org_code", "period")
    history = ordered.with_columns(
        pl.col("rate")
        .shift(1)
        .rolling_mean(window_size=36, min_samples=MIN_HISTORY_MONTHS)
        .over("org_code")
        .alias("mean"),
        pl.col("rate")
        .shift(1)
        .rolling_std(window_size=36, min_samples=MIN_HISTORY_MONTHS)
        .over("org_code")
        .alias("sd"),
    ).filter(pl.col("period").is_in(window))
    out_of_range = history.filter((pl.col("rate") < 0) | (pl.col("rate") > 100))
    moved = history.filter(
        (pl.col("sd") > 0) & ((pl.col("rate") - pl.col("mean")).abs() > SD_LIMIT * pl.col("sd"))
    )
    flagged = pl.concat([out_of_range, moved]).unique().sort("period", "org_code")
    return dg.AssetCheckResult(
        asset_key="absence_benchmark",
        check_name=PLAUSIBILITY,
        passed=flagged.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rates_out_of_range": out_of_range.height,
            "trust_months_beyond_3_sd": moved.height,
            "flagged": markdown_preview(flagged.select("period", "org_code", "rate", "mean", "sd"), rows=50),
        },
    )

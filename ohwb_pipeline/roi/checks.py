"""ROI checks: warnings for analysts, never blocking (the contracts block)."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.metadata import markdown_preview

ROI_LIMIT = 50.0


def specs(asset: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec("contract", asset=asset, blocking=True, description="Published contract"),
        dg.AssetCheckSpec(
            "evaluation_windows_complete",
            asset=asset,
            description="Baseline and evaluation months have absence data for every trust",
        ),
        dg.AssetCheckSpec(
            "roi_in_plausible_range",
            asset=asset,
            description=f"A detected effect (p < 0.05) whose central ROI is beyond +-{ROI_LIMIT:g}:1 is "
            "flagged for review (most likely a cost or register error); an inconclusive one is noise, and "
            "its verdict says so",
        ),
        dg.AssetCheckSpec(
            "methods_agree",
            asset=asset,
            description="Difference-in-differences and synthetic control disagree beyond their 95% "
            "intervals (the intervals do not overlap): the effect depends on the comparison chosen",
        ),
    ]


def windows_complete(roi: pl.DataFrame) -> dg.AssetCheckResult:
    # Synthetic control is also incomplete without donors; this check is about missing months of data.
    with_data = roi.filter(pl.col("method") != "synthetic_control")
    incomplete = with_data.filter(pl.col("status") == "incomplete").select(
        "intervention_id", "financial_year", "method", "months_evaluated"
    )
    return dg.AssetCheckResult(
        asset_key="intervention_roi",
        check_name="evaluation_windows_complete",
        passed=incomplete.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"incomplete_rows": incomplete.height, "incomplete": markdown_preview(incomplete, rows=50)},
    )


def plausible_range(roi: pl.DataFrame) -> dg.AssetCheckResult:
    ratio = pl.col("roi_ratio_central")
    detected = pl.col("verdict").is_in(["saving_detected", "harm_detected"])
    flagged = roi.filter(detected & ratio.is_not_null() & (ratio.abs() > ROI_LIMIT)).select(
        "intervention_id", "financial_year", "method", "roi_ratio_central", "verdict", "p_value"
    )
    return dg.AssetCheckResult(
        asset_key="intervention_roi",
        check_name="roi_in_plausible_range",
        passed=flagged.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged_rows": flagged.height, "flagged": markdown_preview(flagged, rows=50)},
    )


def methods_agree(roi: pl.DataFrame) -> dg.AssetCheckResult:
    keys = ["intervention_id", "financial_year"]
    columns = ["effect_percent", "effect_percent_ci_low", "effect_percent_ci_high"]
    did = roi.filter(pl.col("method") == "difference_in_differences").select(*keys, *columns)
    synthetic = roi.filter(pl.col("method") == "synthetic_control").select(*keys, *columns)
    both = did.join(synthetic, on=keys, suffix="_sc").drop_nulls()
    apart = both.filter(
        (pl.col("effect_percent_ci_high") < pl.col("effect_percent_ci_low_sc"))
        | (pl.col("effect_percent_ci_high_sc") < pl.col("effect_percent_ci_low"))
    ).select(
        *keys, pl.col("effect_percent").alias("did_percent"), pl.col("effect_percent_sc").alias("sc_percent")
    )
    return dg.AssetCheckResult(
        asset_key="intervention_roi",
        check_name="methods_agree",
        passed=apart.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "compared": both.height,
            "disagreeing": apart.height,
            "rows": markdown_preview(apart, rows=50),
        },
    )


def register_references(quarantine: pl.DataFrame) -> dg.AssetCheckResult:
    """Register rows naming an unknown org, ICB or reason code (they are quarantined)."""
    unknown = quarantine.filter(
        pl.col("check").str.starts_with("in_reference") | (pl.col("check") == "target_reasons_in_reference")
    )
    return dg.AssetCheckResult(
        check_name="references_exist",
        passed=unknown.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows": unknown.height,
            "unknown": markdown_preview(unknown.select("source_file", "line_number", "reason"), rows=50),
        },
    )

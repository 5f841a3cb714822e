"""ROI checks: warnings for analysts, never blocking (the contracts block)."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.metadata import markdown_preview

ROI_LOW, ROI_HIGH = 0.1, 50.0


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
            description=f"ROI outside {ROI_LOW} to {ROI_HIGH} is flagged for review",
        ),
    ]


def windows_complete(roi: pl.DataFrame) -> dg.AssetCheckResult:
    incomplete = roi.filter(pl.col("status") == "incomplete").select(
        "intervention_id", "financial_year", "method", "months_evaluated"
    )
    return dg.AssetCheckResult(
        check_name="evaluation_windows_complete",
        passed=incomplete.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"incomplete_rows": incomplete.height, "incomplete": markdown_preview(incomplete, rows=50)},
    )


def plausible_range(roi: pl.DataFrame) -> dg.AssetCheckResult:
    ratio = pl.col("roi_ratio_central")
    flagged = roi.filter(ratio.is_not_null() & ((ratio < ROI_LOW) | (ratio > ROI_HIGH))).select(
        "intervention_id", "financial_year", "method", "roi_ratio_central"
    )
    return dg.AssetCheckResult(
        check_name="roi_in_plausible_range",
        passed=flagged.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"flagged_rows": flagged.height, "flagged": markdown_preview(flagged, rows=50)},
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

"""Asset checks shared by every extract ingest (absence, staff in post, survey).
The assets yield what these return."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.metadata import markdown_preview

COMPLETENESS = "completeness"
RECONCILIATION = "reconciliation"


def ingest_check_specs(asset: str, completeness: bool = True) -> list[dg.AssetCheckSpec]:
    landed = dg.AssetCheckSpec(
        COMPLETENESS,
        asset=asset,
        description="Every trust that ever landed this extract landed a readable file",
    )
    return [
        *([landed] if completeness else []),
        dg.AssetCheckSpec(
            RECONCILIATION,
            asset=asset,
            blocking=True,
            description="Per file: rows read = rows accepted + rows quarantined",
        ),
    ]


def reconciliation(file_log: pl.DataFrame, accepted_rows: int, quarantined_rows: int) -> dg.AssetCheckResult:
    """Counts in the log must balance per file, and add up to the rows actually written."""
    unbalanced = file_log.filter(pl.col("rows_read") != pl.col("rows_accepted") + pl.col("rows_quarantined"))
    totals_match = (
        int(file_log["rows_accepted"].sum()) == accepted_rows
        and int(file_log["rows_quarantined"].sum()) == quarantined_rows
    )
    return dg.AssetCheckResult(
        check_name=RECONCILIATION,
        passed=unbalanced.is_empty() and totals_match,
        metadata={
            "files": file_log.height,
            "rows_read": int(file_log["rows_read"].sum()),
            "rows_accepted": accepted_rows,
            "rows_quarantined": quarantined_rows,
            "unbalanced_files": unbalanced["source_file"].to_list()[:50],
        },
    )


def completeness(expected: set[str], present: dict[str, set[str]]) -> dg.AssetCheckResult:
    """A missing or unreadable trust is a warning: it never blocks the other trusts' results."""
    gaps = [(period, org) for period, orgs in sorted(present.items()) for org in sorted(expected - orgs)]
    table = pl.DataFrame(gaps, schema={"period": pl.Utf8, "org_code": pl.Utf8}, orient="row")
    return dg.AssetCheckResult(
        check_name=COMPLETENESS,
        passed=not gaps,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "expected_trusts": len(expected),
            "missing_trust_months": len(gaps),
            "missing": markdown_preview(table, rows=50),
        },
    )

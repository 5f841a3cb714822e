"""Asset checks shared by every extract ingest (absence, staff in post, survey).
The assets yield what these return, one result per period of the run (core/checks_per_month.py)."""

import dagster as dg
import polars as pl

from ohwb_pipeline.core.checks_per_month import check_spec
from ohwb_pipeline.core.metadata import markdown_preview

COMPLETENESS = "completeness"
RECONCILIATION = "reconciliation"


def ingest_check_specs(
    asset: str, partitions_def: dg.PartitionsDefinition, completeness: bool = True
) -> list[dg.AssetCheckSpec]:
    """Partitioned like the asset, so each month (or survey year) of a run has its own result."""
    landed = check_spec(
        COMPLETENESS,
        asset=asset,
        partitions_def=partitions_def,
        description="Every trust that ever landed this extract landed a readable file",
    )
    return [
        *([landed] if completeness else []),
        check_spec(
            RECONCILIATION,
            asset=asset,
            partitions_def=partitions_def,
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

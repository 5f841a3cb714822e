import polars as pl

from ohwb_pipeline.ingest.checks import completeness, reconciliation


def test_completeness_lists_the_gaps():
    result = completeness({"A", "B", "C"}, {"2024-01": {"A", "B", "C"}, "2024-02": {"A"}})
    assert not result.passed
    assert result.metadata["missing_trust_months"].value == 2


def test_reconciliation_fails_when_counts_do_not_balance():
    log = pl.DataFrame(
        {"source_file": ["a.csv"], "rows_read": [10], "rows_accepted": [7], "rows_quarantined": [2]}
    )
    assert not reconciliation(log, 7, 2).passed
    balanced = log.with_columns(pl.lit(3).alias("rows_quarantined"))
    assert reconciliation(balanced, 7, 3).passed
    assert not reconciliation(balanced, 8, 3).passed, "the log must match the rows actually written"

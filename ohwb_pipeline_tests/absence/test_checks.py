import polars as pl

from ohwb_pipeline.ingest.checks import completeness, reconciliation
from ohwb_pipeline_tests.conftest import synth_into


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


def test_dagster_job_execute_runs_one_month_against_any_data_dir(tmp_path):
    from benchmarks.cases import cli_run  # the same real-process run the benchmark times

    synth_into(tmp_path, orgs=["RJ1"], last_month="2024-01")
    cli_run(tmp_path, "2024-01", "2024-01")  # raises with the process output if the run fails
    assert (tmp_path / "published/ics_indicators/period=2024-01/part-0.parquet").exists()

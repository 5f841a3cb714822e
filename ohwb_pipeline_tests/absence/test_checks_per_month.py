"""Checks per month (issue 24, point 5): a ranged run records each check's result for each month.

One trust's February absence file is held back, so February's `org_month_status:completeness` fails
while January and March pass, in one ranged run over the three months."""

from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ohwb_pipeline.core.publishing import PublishedContract, TableUpdate, contract_results
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline_tests.conftest import SMALL_FIRST, SMALL_LAST, range_tags, run_absence_job, synth_into

MONTHS = ["2024-01-01", "2024-02-01", "2024-03-01"]
FEBRUARY = "2024-02-01"
COMPLETENESS = "org_month_status:completeness"
HELD_BACK = "landing/absence/2024-02/RN7.csv"
DONE = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}


def _hold_back(root: Path) -> bytes:
    path = root / HELD_BACK
    content = path.read_bytes()
    path.unlink()
    return content


def _by_check(result: dg.ExecuteInProcessResult) -> dict[str, dict[str | None, dg.AssetCheckEvaluation]]:
    found: dict[str, dict[str | None, dg.AssetCheckEvaluation]] = {}
    for e in result.get_asset_check_evaluations():
        by_month = found.setdefault(e.asset_check_key.to_user_string(), {})
        assert e.partition not in by_month, f"{e.asset_check_key.to_user_string()} twice for {e.partition}"
        by_month[e.partition] = e
    return found


@pytest.fixture(scope="module")
def ranged_then_february(tmp_path_factory: pytest.TempPathFactory):
    """A ranged run over three months with February short of a file, then February alone once it lands."""
    root = tmp_path_factory.mktemp("per_month")
    synth_into(root)
    instance = dg.DagsterInstance.ephemeral()
    content = _hold_back(root)
    ranged = run_absence_job(root, tags=range_tags(SMALL_FIRST, SMALL_LAST), instance=instance)
    assert ranged.success
    (root / HELD_BACK).write_bytes(content)
    february = run_absence_job(root, partition_key=FEBRUARY, instance=instance)
    assert february.success
    return instance, ranged, february


def test_a_ranged_run_records_each_check_once_per_month(ranged_then_february):
    _, ranged, _ = ranged_then_february
    checks = _by_check(ranged)
    for name in (
        "absence_episodes:reconciliation",
        "staff_in_post:reconciliation",
        COMPLETENESS,
        "absence_benchmark:contract",
        "ics_indicators:contract",
        "absence_benchmark:special_cause_variation",
    ):
        assert name in checks
    for name, by_month in checks.items():
        assert sorted(by_month) == MONTHS, f"{name}: one result per month, none with partition None"
        for month, evaluation in by_month.items():
            target = evaluation.target_materialization_data
            assert target is not None and target.run_id == ranged.run_id, f"{name} {month}: this run's"
    completeness = checks[COMPLETENESS]
    assert not completeness[FEBRUARY].passed, "February is short of RN7's absence file"
    assert "RN7" in completeness[FEBRUARY].metadata["withheld"].value
    assert completeness["2024-01-01"].passed and completeness["2024-03-01"].passed
    assert completeness[FEBRUARY].metadata["withheld_trust_months"].value == 1
    # Each month judges its own rows: the contract counts and the reconciliations differ by month.
    contract = checks["absence_benchmark:contract"]
    assert all(e.passed for e in contract.values())
    assert (
        sum(e.metadata["rows"].value for e in contract.values()) > contract[FEBRUARY].metadata["rows"].value
    )


def test_the_event_log_holds_a_finished_result_for_every_planned_month(ranged_then_february):
    instance, ranged, _ = ranged_then_february
    keys = {e.asset_check_key for e in ranged.get_asset_check_evaluations()}
    records = [
        r
        for key in keys
        for r in instance.event_log_storage.get_asset_check_execution_history(key, limit=20)
        if r.run_id == ranged.run_id
    ]
    assert len(records) == 3 * len(keys), "the planned rows are (check, run, partition): all three filled"
    assert {r.partition for r in records} == set(MONTHS)
    assert {r.status for r in records} <= DONE, "no month is left planned"


def test_rerunning_one_month_changes_only_that_months_result(ranged_then_february):
    instance, ranged, february = ranged_then_february
    key = dg.AssetCheckKey(dg.AssetKey("org_month_status"), "completeness")
    infos = {i.partition_key: i for i in instance.event_log_storage.get_asset_check_partition_info([key])}
    assert sorted(infos) == MONTHS
    assert infos[FEBRUARY].latest_planned_run_id == february.run_id
    assert infos[FEBRUARY].latest_execution_status == AssetCheckExecutionRecordStatus.SUCCEEDED
    for month in ("2024-01-01", "2024-03-01"):
        assert infos[month].latest_planned_run_id == ranged.run_id, f"{month} keeps the ranged run's result"
        assert infos[month].latest_execution_status == AssetCheckExecutionRecordStatus.SUCCEEDED
    assert all(i.is_current for i in infos.values()), "each result targets its month's latest materialisation"
    # The same holds for every check the February run made.
    for check in {e.asset_check_key for e in february.get_asset_check_evaluations()}:
        latest = {
            i.partition_key: i.latest_planned_run_id
            for i in instance.event_log_storage.get_asset_check_partition_info([check])
        }
        assert latest == {"2024-01-01": ranged.run_id, FEBRUARY: february.run_id, "2024-03-01": ranged.run_id}


def test_a_blocking_check_failing_for_one_month_still_blocks(tmp_path):
    """Coverage under the minimum in February only: its blocking ERROR stops the publication step."""
    from ohwb_pipeline.definitions import defs

    synth_into(tmp_path)
    _hold_back(tmp_path)
    job = defs.resolve_job_def("absence_monthly")
    result = job.execute_in_process(
        resources={"settings": OhwbSettings(data_dir=str(tmp_path), min_coverage_percent=95)},
        tags=range_tags(SMALL_FIRST, SMALL_LAST),
        raise_on_error=False,
    )
    assert not result.success
    completeness = _by_check(result)[COMPLETENESS]
    assert sorted(completeness) == MONTHS
    assert not completeness[FEBRUARY].passed
    assert completeness[FEBRUARY].severity == dg.AssetCheckSeverity.ERROR and completeness[FEBRUARY].blocking
    assert completeness["2024-01-01"].passed and completeness["2024-03-01"].passed
    assert "org_month_status" in result.get_failed_step_keys()
    started = {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}
    assert "absence_publication" not in started, "the step after a failed blocking check does not run"
    assert not (tmp_path / "published/absence_benchmark").exists(), "nothing is published for any month"


def test_a_contract_failure_counts_against_its_own_month_and_later_months_against_the_last():
    import pandera.polars as pa

    class Rows(pa.DataFrameModel):
        value: int = pa.Field(ge=0)

    contract = PublishedContract(model=Rows, version="1", identity=("value",), area_column="value")
    frame = pl.DataFrame({"period": ["2024-01", "2024-02", "2024-03", "2024-04"], "value": [-1, 2, 3, -5]})
    update = TableUpdate("t", contract, frame, ["2024-01", "2024-02", "2024-03", "2024-04"])
    results = dict(contract_results(update, MONTHS))
    assert not results["2024-01-01"].passed, "January's own bad row"
    assert results["2024-02-01"].passed
    assert not results["2024-03-01"].passed, "April is outside the run: it counts with the last month"
    assert results["2024-03-01"].metadata["partitions_checked"].value == "2024-03, 2024-04"
    [(partition, whole)] = contract_results(update)
    assert partition is None and not whole.passed, "unpartitioned: one result for the table"
    missing_column = TableUpdate("t", contract, frame.drop("value"), ["2024-01", "2024-02"])
    assert not any(r.passed for _, r in contract_results(missing_column, ["2024-01-01", "2024-02-01"]))

"""End to end: `absence_monthly` over three synthetic trusts and three months."""

import dataclasses
import hashlib
import json

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from ohwb_pipeline.absence.contracts import CONTRACTS, INDICATORS
from ohwb_pipeline.absence.published import TABLES
from ohwb_pipeline_tests.conftest import SMALL_ORGS, range_tags, read_table, run_absence_job, synth_into

BENCHMARK_COLUMNS = [
    "DATE",
    "NHSE_REGION_CODE",
    "NHSE_REGION_NAME",
    "ICB_CODE",
    "ICB_NAME",
    "ORG_CODE",
    "ORG_NAME",
    "STAFF_GROUP",
    "FTE_DAYS_LOST",
    "FTE_DAYS_AVAILABLE",
    "SICKNESS_ABSENCE_RATE_PERCENT",
    "data_status",
    "source",
]


def test_checks_pass_and_quarantine_is_counted(small_pipeline):
    root, result = small_pipeline
    evaluations = {e.asset_check_key.to_user_string(): e.passed for e in result.get_asset_check_evaluations()}
    for name in [
        "absence_episodes:reconciliation",
        "staff_in_post:reconciliation",
        "org_month_status:completeness",
        "absence_benchmark:contract",
        "absence_by_reason:contract",
        "ics_indicators:contract",
        "data_completeness:contract",
        "spc_indicators:contract",
    ]:
        assert evaluations[name], name
    quarantine = read_table(root / "warehouse/quarantine/absence_episodes")
    assert quarantine.height == 10 * 3


def test_benchmark_has_official_columns_all_staff_groups_and_suppression(small_pipeline):
    root, _ = small_pipeline
    bench = read_table(root / "published/absence_benchmark")
    assert bench.columns == [*BENCHMARK_COLUMNS, "period"]
    assert set(bench["ORG_CODE"]) == set(SMALL_ORGS)
    assert bench.filter(pl.col("STAFF_GROUP") == "All staff groups").height == len(SMALL_ORGS) * 3
    suppressed = bench.filter(pl.col("FTE_DAYS_AVAILABLE").is_null())
    assert suppressed.height > 0, "size 0.05 makes some small staff groups"
    assert (
        suppressed["FTE_DAYS_LOST"].is_null().all()
        and suppressed["SICKNESS_ABSENCE_RATE_PERCENT"].is_null().all()
    )
    shown = bench.filter(pl.col("FTE_DAYS_AVAILABLE").is_not_null())
    assert (shown["FTE_DAYS_AVAILABLE"] > 330).all()
    rate = (shown["FTE_DAYS_LOST"] / shown["FTE_DAYS_AVAILABLE"] * 100).round(2)
    assert (rate - shown["SICKNESS_ABSENCE_RATE_PERCENT"]).abs().max() < 1e-9


def test_suppression_boundary_is_330_fte_days(small_pipeline):
    root, _ = small_pipeline
    facts = read_table(root / "warehouse/workforce_facts")
    bench = read_table(root / "published/absence_benchmark").rename(
        {"ORG_CODE": "org_code", "STAFF_GROUP": "staff_group"}
    )
    joined = facts.join(bench, on=["period", "org_code", "staff_group"])
    assert (
        joined["FTE_DAYS_AVAILABLE"].is_null() == (joined["fte_days_available"].cast(pl.Float64) <= 330)
    ).all()


def test_ics_indicators_cover_every_level_and_indicator(small_pipeline):
    root, _ = small_pipeline
    ics = read_table(root / "published/ics_indicators")
    assert set(ics["level"]) == {"icb", "region", "england"}
    assert set(ics["indicator"]) == set(INDICATORS)
    england = ics.filter(pl.col("level") == "england", pl.col("indicator") == "sickness_absence_rate")
    bench = read_table(root / "published/absence_benchmark").filter(
        pl.col("STAFF_GROUP") == "All staff groups"
    )
    for period, value in england.select("period", "value").iter_rows():
        month = bench.filter(pl.col("period") == period)
        assert value == pytest.approx(month["FTE_DAYS_LOST"].sum() / month["FTE_DAYS_AVAILABLE"].sum() * 100)
    icb_rank = ics.filter(
        pl.col("level") == "icb",
        pl.col("indicator") == "sickness_absence_rate",
        pl.col("period") == "2024-03",
    ).sort("value")
    assert icb_rank["rank_among_icbs"].to_list() == list(range(1, icb_rank.height + 1))


def test_manifest_lists_every_published_partition(small_pipeline):
    root, result = small_pipeline
    manifest = json.loads((root / "published/_manifest.json").read_text())
    for table in TABLES:
        entry = manifest["tables"][table]
        assert entry["schema_version"] == CONTRACTS[table].version
        assert sorted(entry["partitions"]) == ["2024-01", "2024-02", "2024-03"]
        for period, part in entry["partitions"].items():
            frame = pl.read_parquet(root / "published" / table / f"period={period}" / "part-0.parquet")
            assert part["rows"] == frame.height
            assert part["run_id"] == result.run_id
            assert len(part["sha256"]) == 64


def test_published_parquet_reads_in_duckdb_polars_and_pyarrow(small_pipeline):
    root, _ = small_pipeline
    glob = str(root / "published/ics_indicators/**/*.parquet")
    n_duck = duckdb.sql(
        "SELECT count(*) FROM read_parquet($g, hive_partitioning = true)", params={"g": glob}
    ).fetchall()[0][0]
    n_polars = pl.scan_parquet(glob, hive_partitioning=True).select(pl.len()).collect().item()
    n_arrow = ds.dataset(
        root / "published/ics_indicators", format="parquet", partitioning="hive"
    ).count_rows()
    assert n_duck == n_polars == n_arrow > 0


def test_a_ranged_single_run_equals_per_month_runs(small_pipeline, tmp_path):
    ranged_root, _ = small_pipeline
    synth_into(tmp_path, faults=10)
    for month in ["2024-01", "2024-02", "2024-03"]:
        assert run_absence_job(tmp_path, partition_key=f"{month}-01").success
    for table in ["absence_benchmark", "absence_by_reason", "ics_indicators", "spc_indicators"]:
        a = read_table(ranged_root / "published" / table)
        b = read_table(tmp_path / "published" / table)
        assert a.sort(pl.all()).equals(b.sort(pl.all())), table


def test_a_rerun_is_idempotent(small_pipeline, tmp_path):
    root, _ = small_pipeline
    before = {p.relative_to(root): p.read_bytes() for p in (root / "published").rglob("*.parquet")}
    assert run_absence_job(root, tags=range_tags("2024-02", "2024-03")).success
    after = {p.relative_to(root): p.read_bytes() for p in (root / "published").rglob("*.parquet")}
    assert before == after


def test_a_broken_contract_publishes_nothing_in_any_table(tmp_path, monkeypatch):
    synth_into(tmp_path, last_month="2024-01", orgs=["RJ1"])
    from ohwb_pipeline.absence import contracts

    class Impossible(contracts.IcsIndicators):
        level: str = contracts.pa.Field(isin=["nowhere"])

    broken = dataclasses.replace(contracts.CONTRACTS["ics_indicators"], model=Impossible)
    monkeypatch.setitem(contracts.CONTRACTS, "ics_indicators", broken)
    result = run_absence_job(tmp_path, partition_key="2024-01-01", raise_on_error=False)
    assert not result.success
    assert not (tmp_path / "published/ics_indicators").exists()
    failed = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.name == "contract" and not e.passed
    ]
    assert [e.asset_check_key.asset_key.to_user_string() for e in failed] == ["ics_indicators"]
    # The month is one version across tables: the benchmark, whose contract held, is not published either.
    assert not (tmp_path / "published/absence_benchmark").exists()


def test_facts_computed_in_slices_equal_one_query(small_pipeline, tmp_path, monkeypatch):
    from ohwb_pipeline.absence import assets as absence_assets

    ranged_root, _ = small_pipeline
    monkeypatch.setattr(absence_assets, "FACTS_SLICE_MONTHS", 1)
    synth_into(tmp_path, faults=10)
    assert run_absence_job(tmp_path, tags=range_tags("2024-01", "2024-03")).success
    for table in ["warehouse/absence_facts", "warehouse/workforce_facts", "published/ics_indicators"]:
        a, b = read_table(ranged_root / table), read_table(tmp_path / table)
        assert a.sort(pl.all()).equals(b.sort(pl.all())), table


def test_months_run_one_at_a_time_in_reverse_order_equal_one_ranged_run(small_pipeline, tmp_path):
    ranged_root, _ = small_pipeline
    synth_into(tmp_path, faults=10)
    for month in ["2024-03", "2024-02", "2024-01"]:
        assert run_absence_job(tmp_path, partition_key=f"{month}-01").success
    for table in [
        "absence_benchmark",
        "absence_by_reason",
        "ics_indicators",
        "data_completeness",
        "spc_indicators",
    ]:
        a = read_table(ranged_root / "published" / table)
        b = read_table(tmp_path / "published" / table)
        assert a.sort(pl.all()).equals(b.sort(pl.all())), table


def test_a_month_without_facts_is_refused_and_the_good_one_kept(small_pipeline, tmp_path):
    import shutil

    import dagster as dg

    from ohwb_pipeline.absence.published import absence_publication
    from ohwb_pipeline.core.resources import OhwbSettings

    root, _ = small_pipeline
    shutil.copytree(root, tmp_path / "copy")
    copy = tmp_path / "copy"
    before = {p: p.read_bytes() for p in (copy / "published").rglob("*.parquet")}
    shutil.rmtree(copy / "warehouse/absence_facts/period=2024-02")
    result = dg.materialize(
        [absence_publication],
        partition_key="2024-02-01",
        resources={"settings": OhwbSettings(data_dir=str(copy))},
        raise_on_error=False,
    )
    assert not result.success
    failed = {
        e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations() if not e.passed
    }
    assert "absence_benchmark:contract" in failed
    assert {p: p.read_bytes() for p in (copy / "published").rglob("*.parquet")} == before


def test_a_resubmission_writes_revision_rows(small_pipeline, tmp_path):
    import shutil

    root, _ = small_pipeline
    shutil.copytree(root, tmp_path / "copy")
    copy = tmp_path / "copy"
    path = copy / "landing/absence/2024-02/RN7.csv"
    old_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) * 3 // 4]))  # the trust resubmits with fewer episodes
    new_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    assert run_absence_job(copy, partition_key="2024-02-01").success
    revisions = pl.read_parquet(copy / "published/revisions/*/*.parquet", hive_partitioning=True)
    rate = revisions.filter(
        pl.col("table") == "absence_benchmark",
        pl.col("area_code") == "RN7",
        pl.col("row_key") == "STAFF_GROUP=All staff groups",
        pl.col("column") == "SICKNESS_ABSENCE_RATE_PERCENT",
    ).to_dicts()
    [change] = rate
    assert change["period"] == "2024-02"
    assert float(change["new_value"]) < float(change["old_value"])
    assert f"absence_sha256:{old_hash}" in change["old_source_sha256"]
    assert f"absence_sha256:{new_hash}" in change["new_source_sha256"]
    assert change["run_id"] and change["revised_at"] is not None
    assert set(revisions["period"]) <= {"2024-02", "2024-03"}, "only the month and the ones using it"
    assert revisions.filter(pl.col("area_code") == "RJ1").is_empty(), "an unchanged trust has no revision"
    manifest = json.loads((copy / "published/_manifest.json").read_text())
    assert sum(p["rows"] for p in manifest["tables"]["revisions"]["partitions"].values()) == revisions.height


def test_check_results_point_at_their_own_runs_materialisation(tmp_path):
    import dagster as dg

    synth_into(tmp_path, last_month="2024-01", orgs=["RJ1"])
    with dg.instance_for_test() as instance:
        for _ in range(2):
            result = run_absence_job(tmp_path, partition_key="2024-01-01", instance=instance)
        targets = {
            e.asset_check_key.to_user_string(): e.target_materialization_data
            for e in result.get_asset_check_evaluations()
        }
    for name in ["org_month_status:completeness", "absence_benchmark:contract", "ics_indicators:contract"]:
        assert targets[name] is not None and targets[name].run_id == result.run_id, name


def test_a_range_run_records_each_months_own_row_count(small_pipeline):
    """Issue 14: a ranged run's materialization is copied to every month it covers, so it carries the
    range's total under `rows_in_run`; each month's own count is an observation under the same key."""
    root, result = small_pipeline
    events = [e for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"]
    seen: dict[tuple[str, str], int] = {}
    for event in events:
        observation = event.event_specific_data.asset_observation
        seen[(observation.asset_key.to_user_string(), observation.partition)] = observation.metadata[
            "dagster/row_count"
        ].value
    for table in ["absence_benchmark", "ics_indicators", "spc_indicators", "data_completeness"]:
        for month in ["2024-01", "2024-02", "2024-03"]:
            rows = pl.read_parquet(root / "published" / table / f"period={month}" / "part-0.parquet").height
            assert seen[(table, f"{month}-01")] == rows, (table, month)
    for table in ["absence_facts", "workforce_facts", "org_month_status"]:
        for month in ["2024-01", "2024-02", "2024-03"]:
            rows = pl.read_parquet(root / "warehouse" / table / f"period={month}" / "*.parquet").height
            assert seen[(table, f"{month}-01")] == rows, (table, month)
    materialized = result.asset_materializations_for_node("absence_publication")
    assert all("dagster/row_count" not in m.metadata for m in materialized), (
        "no range total posing as a month's"
    )
    assert {m.metadata["partitions_in_run"].value for m in materialized} == {3}

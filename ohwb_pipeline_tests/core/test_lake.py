import json

import polars as pl
import pytest

from ohwb_pipeline.core.lake import (
    Lake,
    existing_partitions,
    partition_file,
    replace_partition,
    update_manifest,
    write_periods,
)


def _write(table, period, value):
    with replace_partition(table, period) as path:
        pl.DataFrame({"x": [value]}).write_parquet(path)


def test_a_partition_is_replaced_whole(tmp_path):
    table = tmp_path / "warehouse" / "t"
    _write(table, "2024-01", 1)
    _write(table, "2024-01", 2)
    assert pl.read_parquet(partition_file(table, "2024-01"))["x"].to_list() == [2]
    assert [p.name for p in (table / "period=2024-01").iterdir()] == ["part-0.parquet"]
    assert not list((tmp_path / "warehouse" / "_staging").iterdir())


def test_a_crash_while_writing_leaves_the_old_partition(tmp_path):
    table = tmp_path / "warehouse" / "t"
    _write(table, "2024-01", 1)
    with pytest.raises(RuntimeError), replace_partition(table, "2024-01") as path:
        pl.DataFrame({"x": [99]}).write_parquet(path)
        raise RuntimeError("killed mid-write")
    assert pl.read_parquet(partition_file(table, "2024-01"))["x"].to_list() == [1]


def test_a_crash_between_the_two_renames_is_recovered_by_the_next_write(tmp_path):
    table = tmp_path / "warehouse" / "t"
    _write(table, "2024-01", 1)
    staging = tmp_path / "warehouse" / "_staging"
    staging.mkdir(parents=True, exist_ok=True)
    # Simulate the crash: the old folder was moved aside and the new one never moved in.
    (table / "period=2024-01").rename(staging / "t.period=2024-01.abc.old")
    with pytest.raises(RuntimeError), replace_partition(table, "2024-01"):
        raise RuntimeError("fails again before the swap")
    assert pl.read_parquet(partition_file(table, "2024-01"))["x"].to_list() == [1]


def test_readers_never_see_staging_files(tmp_path):
    table = tmp_path / "published" / "t"
    _write(table, "2024-01", 1)
    with replace_partition(table, "2024-02") as path:
        pl.DataFrame({"x": [2]}).write_parquet(path)
        assert existing_partitions(table) == ["2024-01"]
        assert pl.read_parquet(table / "*" / "*.parquet").height == 1


def test_write_periods_writes_empty_months_too(tmp_path):
    frame = pl.DataFrame({"period": ["2024-01"], "x": [1]})
    rows = write_periods(frame, tmp_path / "warehouse" / "t", ["2024-01", "2024-02"])
    assert rows == {"2024-01": 1, "2024-02": 0}
    assert pl.read_parquet(partition_file(tmp_path / "warehouse" / "t", "2024-02")).columns == ["x"]


def test_manifest_records_rows_hash_and_run(tmp_path):
    lake = Lake(tmp_path)
    write_periods(
        pl.DataFrame({"period": ["2024-01", "2024-01"], "x": [1, 2]}), lake.published_table("t"), ["2024-01"]
    )
    update_manifest(
        lake, "t", schema_version="1.0", columns={"x": "Int64"}, partitions={"2024-01": 2}, run_id="r1"
    )
    entry = json.loads(lake.manifest_path.read_text())["tables"]["t"]
    assert entry["partitions"]["2024-01"]["rows"] == 2
    assert entry["partitions"]["2024-01"]["run_id"] == "r1"
    assert entry["schema_version"] == "1.0"

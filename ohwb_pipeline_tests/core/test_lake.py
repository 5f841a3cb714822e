import os
import threading

import polars as pl
import pytest

from ohwb_pipeline.core.lake import (
    clean_stale_staging,
    existing_partitions,
    partition_file,
    replace_partition,
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


def test_a_killed_writers_staging_is_cleaned_but_a_live_ones_is_kept(tmp_path):
    staging = tmp_path / "warehouse" / "_staging"
    dead = staging / "t.period=2024-01.999999999.abc"
    live = staging / f"t.period=2024-01.{os.getpid()}.def"
    for folder in (dead, live):
        folder.mkdir(parents=True)
    removed = clean_stale_staging(tmp_path)
    assert removed == [dead]
    assert live.exists()


def test_a_swap_leaves_no_moment_without_the_partition(tmp_path):
    table = tmp_path / "published" / "t"
    _write(table, "2024-01", 0)
    stop = threading.Event()
    missing = []

    def read_forever():
        while not stop.is_set():
            if not (table / "period=2024-01" / "part-0.parquet").exists():
                missing.append(1)

    reader = threading.Thread(target=read_forever)
    reader.start()
    for value in range(200):
        _write(table, "2024-01", value)
    stop.set()
    reader.join()
    assert not missing
    assert pl.read_parquet(partition_file(table, "2024-01"))["x"].to_list() == [199]


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

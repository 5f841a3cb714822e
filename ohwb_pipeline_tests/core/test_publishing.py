"""The commit protocol: several tables' partitions become one version, or none do, whatever fails when."""

import json

import pandera.polars as pa
import polars as pl
import pytest

from ohwb_pipeline.core import publishing
from ohwb_pipeline.core.lake import Lake, partition_file
from ohwb_pipeline.core.publishing import PublishedContract, TableUpdate, commit, recover, verify


class Figures(pa.DataFrameModel):
    org: str
    value: float = pa.Field(nullable=True)
    source: str = pa.Field(nullable=True)


CONTRACT = PublishedContract(Figures, "1.0", identity=("org",), area_column="org", sources=("source",))
OTHER = PublishedContract(Figures, "1.0", identity=("org",), area_column="org")
MONTHS = ["2024-01", "2024-02"]


def _updates(version: float) -> list[TableUpdate]:
    frame = pl.DataFrame(
        {
            "period": [m for m in MONTHS for _ in range(2)],
            "org": ["A", "B"] * 2,
            "value": [version, 1.0] * 2,
            "source": [f"sha-{version}", "sha-b"] * 2,
        }
    )
    return [TableUpdate("t1", CONTRACT, frame, MONTHS), TableUpdate("t2", OTHER, frame, MONTHS)]


def _versions(lake: Lake) -> set[float]:
    return {
        pl.read_parquet(partition_file(lake.published_table(t), m)).filter(pl.col("org") == "A")["value"][0]
        for t in ("t1", "t2")
        for m in MONTHS
    }


def test_a_commit_publishes_every_table_and_the_manifest_agrees(tmp_path):
    lake = Lake(tmp_path)
    result = commit(lake, _updates(1.0), "run-1")
    assert _versions(lake) == {1.0}
    assert result.rows == {"t1": dict.fromkeys(MONTHS, 2), "t2": dict.fromkeys(MONTHS, 2)}
    assert verify(lake) == []
    manifest = json.loads(lake.manifest_path.read_text())
    assert manifest["tables"]["t1"]["partitions"]["2024-01"]["commit_id"] == result.commit_id
    assert not (tmp_path / "published/_staging").exists() or not list(
        (tmp_path / "published/_staging").iterdir()
    )


def test_a_crash_after_the_commit_point_is_rolled_forward(tmp_path, monkeypatch):
    lake = Lake(tmp_path)
    commit(lake, _updates(1.0), "run-1")
    swaps = {"n": 0}
    real = publishing.swap_in

    def dies_after_two(new, target):
        if swaps["n"] == 2:
            raise KeyboardInterrupt("killed mid-swap")
        swaps["n"] += 1
        return real(new, target)

    monkeypatch.setattr(publishing, "swap_in", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        commit(lake, _updates(2.0), "run-2")
    assert _versions(lake) == {1.0, 2.0}, "mixed until recovery"
    monkeypatch.setattr(publishing, "swap_in", real)
    done = recover(lake)
    assert len(done.commits_finished) == 1
    assert _versions(lake) == {2.0}
    assert verify(lake) == []


def test_a_failure_before_the_commit_point_leaves_the_old_version(tmp_path, monkeypatch):
    lake = Lake(tmp_path)
    commit(lake, _updates(1.0), "run-1")

    def disk_full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publishing, "write_durably", disk_full)
    with pytest.raises(OSError, match="No space"):
        commit(lake, _updates(2.0), "run-2")
    assert _versions(lake) == {1.0}
    assert verify(lake) == []


def test_a_changed_value_is_a_revision_with_its_sources(tmp_path):
    lake = Lake(tmp_path)
    commit(lake, _updates(1.0), "run-1")
    result = commit(lake, _updates(3.0), "run-2")
    revisions = pl.read_parquet(tmp_path / "published/revisions/*/*.parquet")
    assert result.revisions == revisions.height == 2 * 2 * 2  # t1, t2 x 2 months x (value, source)
    value = revisions.filter(
        pl.col("table") == "t2", pl.col("column") == "value", pl.col("period") == "2024-01"
    )
    [row] = value.to_dicts()
    assert (row["area_code"], row["old_value"], row["new_value"]) == ("A", "1.0", "3.0")
    assert (row["old_source_sha256"], row["new_source_sha256"]) == ("source:sha-1.0", "source:sha-3.0")
    assert row["run_id"] == "run-2"
    assert commit(lake, _updates(3.0), "run-3").revisions == 0, "an identical republication revises nothing"


def test_a_full_recompute_removes_partitions_no_longer_produced(tmp_path):
    lake = Lake(tmp_path)
    commit(lake, _updates(1.0), "run-1")
    [first, _] = _updates(1.0)
    only_january = TableUpdate("t1", CONTRACT, first.frame.filter(pl.col("period") == "2024-01"), ["2024-01"])
    only_january.remove = ["2024-02"]
    commit(lake, [only_january], "run-2")
    assert not (lake.published_table("t1") / "period=2024-02").exists()
    assert verify(lake) == []


def test_a_table_whose_area_is_not_part_of_its_identity_gets_revisions_too(tmp_path):
    lake = Lake(tmp_path)
    by_id = PublishedContract(Figures, "1.0", identity=("value",), area_column="org")
    frame = pl.DataFrame({"period": ["2024-01"], "org": ["A"], "value": [1.0], "source": ["x"]})
    commit(lake, [TableUpdate("t", by_id, frame, ["2024-01"])], "run-1")
    changed = frame.with_columns(pl.lit("y").alias("source"))
    assert commit(lake, [TableUpdate("t", by_id, changed, ["2024-01"])], "run-2").revisions == 1

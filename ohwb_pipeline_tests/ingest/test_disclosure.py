"""No raw employee id reaches disk, logs or Dagster events, whatever the column labels say."""

import logging

import polars as pl
import pytest

from ohwb_pipeline.ingest.disclosure import disclosed, shape
from ohwb_pipeline_tests.conftest import read_table, run_absence_job, synth_into

MONTH = "2024-01"


def _raw_ids(path) -> list[str]:
    return pl.read_csv(path, infer_schema=False)["employee_id"].to_list()


def _everything_written(root) -> str:
    """Every string value of every Parquet file and the text of every other file under the data dir."""
    texts = []
    for path in root.rglob("*"):
        if not path.is_file() or "landing" in path.relative_to(root).parts:
            continue
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            texts += [str(v) for c in frame.columns for v in frame[c].cast(pl.Utf8).to_list()]
        else:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def _assert_no_raw_id(ids, root, result, caplog):
    events = "\n".join(repr(e) for e in result.all_events)
    haystacks = {"data dir": _everything_written(root), "Dagster events": events, "logs": caplog.text}
    for where, text in haystacks.items():
        leaked = [i for i in ids if i in text]
        assert not leaked, f"{len(leaked)} raw ids in {where}, e.g. {leaked[:3]}"


def test_swapped_headers_put_no_raw_id_on_disk(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    synth_into(tmp_path, last_month=MONTH, orgs=["RJ1"])
    path = tmp_path / f"landing/absence/{MONTH}/RJ1.csv"
    ids = _raw_ids(path)
    lines = path.read_text().splitlines(keepends=True)
    header = (
        lines[0]
        .replace("employee_id", "XX")
        .replace("staff_group", "employee_id")
        .replace("XX", "staff_group")
    )
    path.write_text(header + "".join(lines[1:]))
    result = run_absence_job(tmp_path, partition_key=f"{MONTH}-01")
    assert result.success
    quarantine = read_table(tmp_path / "warehouse/quarantine/absence_episodes")
    assert quarantine.height == len(ids), "every row names an unknown staff group"
    assert quarantine["staff_group"].str.starts_with("shape:").all()
    assert quarantine["staff_group"][0] == "shape:AA99999999"
    _assert_no_raw_id(ids, tmp_path, result, caplog)


def test_an_id_in_every_other_column_is_never_written(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    synth_into(tmp_path, last_month=MONTH, orgs=["RJ1"])
    path = tmp_path / f"landing/absence/{MONTH}/RJ1.csv"
    frame = pl.read_csv(path, infer_schema=False)
    columns = [c for c in frame.columns if c != "employee_id"]
    # Row i gets its own id in column i: org code, staff group, fte, reason, both dates.
    leaky = frame.with_row_index("i").with_columns(
        pl.when(pl.col("i") == n).then(pl.col("employee_id")).otherwise(pl.col(c)).alias(c)
        for n, c in enumerate(columns)
    )
    leaky.drop("i").write_csv(path)
    ids = frame["employee_id"].head(len(columns)).to_list()
    result = run_absence_job(tmp_path, partition_key=f"{MONTH}-01")
    assert result.success
    quarantine = read_table(tmp_path / "warehouse/quarantine/absence_episodes")
    assert quarantine.height == len(columns)
    assert quarantine["reason"].str.contains("shape:AA99999999").all(), "the reasons show the shape"
    _assert_no_raw_id(ids, tmp_path, result, caplog)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1,0", "1,0"),
        ("0", "0"),
        ("2024-01-31", "2024-01-31"),
        ("Managers", "Managers"),
        ("02/01/2024", "shape:99/99/9999"),
        ("RJ10000013", "shape:AA99999999"),
        ("12345678", "shape:99999999"),
        ("Jane Smith", "shape:Aaaa Aaaaa"),
        ("Ünïcode ß", "shape:Aaaaaaa a"),
    ],
)
def test_what_a_rejected_value_may_show(value, shown):
    public = pl.Series(["Managers", "RJ1"])
    assert pl.select(disclosed(pl.lit(value), public)).item() == shown


def test_a_shape_is_bounded():
    assert len(pl.select(shape(pl.lit("x" * 10_000))).item()) == len("shape:") + 40

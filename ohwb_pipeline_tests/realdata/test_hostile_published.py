"""Hostile versions of a real national file: truncated, another month's DATE, two files in one folder,
a duplicated row, and a header in another column order."""

import shutil

import polars as pl
import pytest

from ohwb_pipeline.cli import main as ohwb
from ohwb_pipeline_tests.conftest import read_table, run_absence_job
from ohwb_pipeline_tests.realdata.helpers import published_file, real_root

MONTH = "2024-04"


def _run_month(root, month=MONTH, **kwargs):
    return run_absence_job(root, partition_key=f"{month}-01", raise_on_error=False, **kwargs)


def _published(root, table="absence_benchmark"):
    return read_table(root / "published" / table).sort(pl.all())


def _log(root, month=MONTH):
    return read_table(root / "warehouse/ingest_log/published_rates").filter(pl.col("period") == month)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = real_root(tmp_path_factory.mktemp("clean"), [MONTH])
    assert _run_month(root).success
    return root


def test_a_truncated_national_file_is_held_and_nothing_is_published(tmp_path):
    root = real_root(tmp_path, ["2024-03", MONTH])
    path = published_file(root, MONTH)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]))
    assert _run_month(root, "2024-03").success
    result = _run_month(root)
    assert not result.success
    log = _log(root)
    assert log["status"].to_list() == ["suspect_truncation"]
    assert "below the 3,152 of its last accepted month" in log["error"].item()
    published = set(_published(root)["period"])
    assert published == {"2024-03"}, "a held file never replaces or adds figures"
    # A data engineer who knows the smaller file is right accepts that exact content, audited.
    assert (
        ohwb(["accept-file", str(path), "--by", "analyst", "--reason", "test", "--data-dir", str(root)]) == 0
    )
    assert _run_month(root).success
    assert _log(root)["status"].to_list() == ["ok"]
    assert set(_published(root)["period"]) == {"2024-03", MONTH}


def test_a_file_whose_date_is_another_month_is_quarantined_row_by_row(tmp_path, clean):
    root = real_root(tmp_path, [MONTH])
    path = published_file(root, MONTH)
    text = path.read_text().splitlines(keepends=True)
    path.write_text(
        "".join(line.replace("30/04/2024", "31/03/2024", 1) if ",RJ1," in line else line for line in text)
    )
    assert _run_month(root).success
    quarantine = read_table(root / "warehouse/quarantine/published_rates")
    assert quarantine.height == sum(",RJ1," in line for line in text)
    assert all(r.startswith("date: is not the last day of the folder's month") for r in quarantine["reason"])
    bench = _published(root)
    rj1 = bench.filter(pl.col("ORG_CODE") == "RJ1")
    assert rj1.height == 1 and rj1["data_status"].item() == "rejected_rows"
    assert rj1["SICKNESS_ABSENCE_RATE_PERCENT"].is_null().all()
    others = bench.filter(pl.col("ORG_CODE") != "RJ1")
    assert others.equals(_published(clean).filter(pl.col("ORG_CODE") != "RJ1"))


def test_two_files_in_one_month_are_both_refused(tmp_path):
    root = real_root(tmp_path, [MONTH])
    path = published_file(root, MONTH)
    shutil.copy(path, path.with_name("NHS Sickness Absence benchmarking tool CSV, April 2024 (1).csv"))
    result = _run_month(root)
    assert not result.success, "no accepted national file: the month is not published"
    log = _log(root)
    assert log.height == 2 and set(log["status"]) == {"refused"}
    assert all("2 national files" in e for e in log["error"])


def test_a_duplicated_row_is_quarantined_once_and_changes_nothing(tmp_path, clean):
    root = real_root(tmp_path, [MONTH])
    path = published_file(root, MONTH)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:100], lines[99], *lines[100:]]))
    assert _run_month(root).success
    quarantine = read_table(root / "warehouse/quarantine/published_rates")
    assert quarantine.height == 1 and "repeats an earlier row" in quarantine["reason"].item()
    for table in ("absence_benchmark", "ics_indicators"):
        assert _published(root, table).equals(_published(clean, table)), table


def test_a_header_in_another_column_order_with_an_alias_and_a_new_column_reads_the_same(tmp_path, clean):
    root = real_root(tmp_path, [MONTH])
    path = published_file(root, MONTH)
    frame = pl.read_csv(path, infer_schema=False).rename({"ICS_CODE": "ICB_CODE"})
    frame = frame.with_columns(pl.lit("a column this contract does not know").alias("NOTE"))
    frame.select(list(reversed(frame.columns))).write_csv(path)
    assert _run_month(root).success
    for table in ("absence_benchmark", "ics_indicators", "data_completeness"):
        ours = _published(root, table)
        theirs = _published(clean, table)
        if table == "data_completeness":  # the file's bytes, and so its hash, differ
            ours, theirs = ours.drop("published_sha256"), theirs.drop("published_sha256")
        assert ours.equals(theirs), table


def test_a_file_missing_many_organisations_is_held_though_its_rows_barely_fall(tmp_path):
    root = real_root(tmp_path, ["2024-03", MONTH])
    path = published_file(root, MONTH)
    frame = pl.read_csv(path, infer_schema=False)
    dropped = frame["ORG_CODE"].unique().sort()[:25].to_list()  # about 9% of the organisations
    kept = frame.filter(~pl.col("ORG_CODE").is_in(dropped))
    assert kept.height > 0.8 * frame.height, "under the 20% rows limit: only the organisations rule holds it"
    kept.write_csv(path)
    assert _run_month(root, "2024-03").success
    assert not _run_month(root).success
    log = _log(root)
    assert log["status"].to_list() == ["suspect_truncation"]
    assert "organisations" in log["error"].item() and "limit 5%" in log["error"].item()

"""A published figure is right or visibly withheld: a missing, unreadable or cut file gives a null
figure with its data_status (never 0), the area's coverage falls below 100, and aggregates leave the
trust out rather than counting it as zero."""

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.cli import main as ohwb
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline_tests.conftest import range_tags, read_table, run_absence_job, synth_into

FIRST, LAST = "2024-01", "2024-02"


def _all_groups(root, period: str) -> pl.DataFrame:
    bench = read_table(root / "published/absence_benchmark")
    return bench.filter(pl.col("period") == period, pl.col("STAFF_GROUP") == "All staff groups")


def _area(root, period: str, level: str, area: str) -> dict:
    ics = read_table(root / "published/ics_indicators")
    [row] = ics.filter(
        pl.col("period") == period,
        pl.col("level") == level,
        pl.col("area_code") == area,
        pl.col("indicator") == "sickness_absence_rate",
    ).to_dicts()
    return row


def _cut_mid_row(path) -> None:
    raw = path.read_bytes()
    cut = raw[: len(raw) // 2]
    path.write_bytes(cut[:-1] if cut.endswith(b"\n") else cut)


def _latin1_byte(path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n\xe9", 1))


FAULTS = {
    "deleted absence file": ("absence", lambda p: p.unlink(), "missing_absence"),
    "deleted staff file": ("staff_in_post", lambda p: p.unlink(), "missing_staff_in_post"),
    "unreadable absence file (a latin-1 byte)": ("absence", _latin1_byte, "rejected_file"),
    "absence file cut mid-row": ("absence", _cut_mid_row, "suspect_truncation"),
    "staff file cut mid-row": ("staff_in_post", _cut_mid_row, "suspect_truncation"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_bad_file_is_withheld_as_null_never_zero(tmp_path, fault):
    extract, damage, status = FAULTS[fault]
    synth_into(tmp_path, last_month=LAST)
    damage(tmp_path / f"landing/{extract}/{LAST}/RN7.csv")
    result = run_absence_job(tmp_path, tags=range_tags(FIRST, LAST))
    assert result.success

    rows = _all_groups(tmp_path, LAST)
    [rn7] = rows.filter(pl.col("ORG_CODE") == "RN7").to_dicts()
    assert rn7["data_status"] == status
    assert rn7["SICKNESS_ABSENCE_RATE_PERCENT"] is None and rn7["FTE_DAYS_LOST"] is None
    bench = read_table(tmp_path / "published/absence_benchmark")
    assert bench.filter(pl.col("period") == LAST, pl.col("ORG_CODE") == "RN7").height == 1, "no group rows"
    assert _all_groups(tmp_path, FIRST).filter(pl.col("ORG_CODE") == "RN7")["data_status"].to_list() == [
        "complete"
    ]

    # RN7 is Kent and Medway's only trust here: the ICB is withheld with 0% coverage, not shown as 0%.
    kent = _area(tmp_path, LAST, "icb", "QKS")
    assert kent["value"] is None and kent["coverage_percent"] == 0
    assert (kent["orgs_expected"], kent["orgs_included"]) == (1, 0)
    # England leaves RN7 out of both numerator and denominator, and says so.
    england = _area(tmp_path, LAST, "england", "E92000001")
    others = rows.filter(pl.col("data_status") == "complete")
    assert england["value"] == pytest.approx(
        others["FTE_DAYS_LOST"].sum() / others["FTE_DAYS_AVAILABLE"].sum() * 100
    )
    assert england["orgs_included"] == 2 and england["orgs_expected"] == 3
    assert 0 < england["coverage_percent"] < 100
    assert _area(tmp_path, FIRST, "england", "E92000001")["coverage_percent"] == 100

    by_month = {
        e.partition: e
        for e in result.get_asset_check_evaluations()
        if e.asset_check_key.to_user_string() == "org_month_status:completeness"
    }
    assert by_month[f"{FIRST}-01"].passed, "each month has its own result: the first month is whole"
    check = by_month[f"{LAST}-01"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "RN7" in check.metadata["withheld_by_month"].value
    completeness = read_table(tmp_path / "published/data_completeness").filter(pl.col("period") == LAST)
    assert completeness.filter(pl.col("org_code") == "RN7")["data_status"].to_list() == [status]


def test_an_expected_trust_that_never_submits_still_has_its_row(tmp_path):
    synth_into(tmp_path, last_month=FIRST, orgs=["RJ1", "RRE"], expected=["RJ1", "RRE", "RN7"])
    assert run_absence_job(tmp_path, partition_key=f"{FIRST}-01").success
    [rn7] = _all_groups(tmp_path, FIRST).filter(pl.col("ORG_CODE") == "RN7").to_dicts()
    assert rn7["data_status"] == "missing_both" and rn7["SICKNESS_ABSENCE_RATE_PERCENT"] is None
    # It never had a complete month: it counts as an average included trust in England's coverage.
    england = _area(tmp_path, FIRST, "england", "E92000001")
    assert england["coverage_percent"] == pytest.approx(200 / 3)


def test_coverage_below_the_minimum_blocks_publication(tmp_path):
    from ohwb_pipeline.definitions import defs

    synth_into(tmp_path, last_month=FIRST)
    (tmp_path / f"landing/absence/{FIRST}/RN7.csv").unlink()
    job = defs.resolve_job_def("absence_monthly")
    settings = OhwbSettings(data_dir=str(tmp_path), min_coverage_percent=95)
    result = job.execute_in_process(
        resources={"settings": settings}, partition_key=f"{FIRST}-01", raise_on_error=False
    )
    [check] = [e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == "completeness"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert not (tmp_path / "published/absence_benchmark").exists()


def _staff_lines(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_a_staff_file_cut_at_a_line_break_is_suspect_and_an_override_accepts_it(tmp_path, capsys):
    synth_into(tmp_path, last_month=LAST)
    january = _staff_lines(tmp_path / f"landing/staff_in_post/{FIRST}/RJ1.csv")
    assert len(january) - 1 >= 100, "the rule needs 100 rows of history"
    path = tmp_path / f"landing/staff_in_post/{LAST}/RJ1.csv"
    lines = _staff_lines(path)
    path.write_bytes(b"".join(lines[: int(len(lines) * 0.6)]))  # ends at a line break: only the count tells
    assert run_absence_job(tmp_path, tags=range_tags(FIRST, LAST)).success
    [rj1] = _all_groups(tmp_path, LAST).filter(pl.col("ORG_CODE") == "RJ1").to_dicts()
    assert rj1["data_status"] == "suspect_truncation" and rj1["SICKNESS_ABSENCE_RATE_PERCENT"] is None
    log = read_table(tmp_path / "warehouse/ingest_log/staff_in_post").filter(pl.col("org_code") == "RJ1")
    [held] = log.filter(pl.col("period") == LAST).to_dicts()
    assert held["status"] == "suspect_truncation" and "below" in held["guard"]
    assert held["rows_in_rejected_file"] == len(lines[: int(len(lines) * 0.6)]) - 1

    argv = ["accept-file", str(path), "--by", "A. Engineer", "--reason", "ward closed: 40% of staff moved"]
    assert ohwb([*argv, "--data-dir", str(tmp_path)]) == 0
    assert "re-run" in capsys.readouterr().out
    assert run_absence_job(tmp_path, partition_key=f"{LAST}-01").success
    [rj1] = _all_groups(tmp_path, LAST).filter(pl.col("ORG_CODE") == "RJ1").to_dicts()
    assert rj1["data_status"] == "complete" and rj1["SICKNESS_ABSENCE_RATE_PERCENT"] is not None
    log = read_table(tmp_path / "warehouse/ingest_log/staff_in_post").filter(pl.col("org_code") == "RJ1")
    [accepted] = log.filter(pl.col("period") == LAST).to_dicts()
    assert accepted["status"] == "ok" and "below" in accepted["guard"]
    assert accepted["override"] == "accepted by A. Engineer: ward closed: 40% of staff moved"

    # The override covers that content only: a different short file is judged again.
    path.write_bytes(b"".join(lines[: int(len(lines) * 0.5)]))
    assert run_absence_job(tmp_path, partition_key=f"{LAST}-01").success
    [rj1] = _all_groups(tmp_path, LAST).filter(pl.col("ORG_CODE") == "RJ1").to_dicts()
    assert rj1["data_status"] == "suspect_truncation"

from pathlib import Path

import polars as pl
import pytest

from ohwb_pipeline.cli import main
from ohwb_pipeline.synth.scenarios import read_scenarios
from ohwb_pipeline_tests.conftest import synth_into


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    synth_into(tmp_path / "a", last_month="2024-02")
    synth_into(tmp_path / "b", last_month="2024-02")
    synth_into(tmp_path / "c", last_month="2024-02", seed=7)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")


def test_a_trust_does_not_depend_on_which_others_are_generated(tmp_path):
    synth_into(tmp_path / "one", orgs=["RJ1"], last_month="2024-01")
    synth_into(tmp_path / "three", last_month="2024-01")
    path = "landing/absence/2024-01/RJ1.csv"
    assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "three" / path).read_bytes()


def test_layout_columns_ongoing_episodes_and_long_episodes_across_months(tmp_path):
    synth_into(tmp_path, orgs=["R0A"], size_factor=0.2)
    jan = pl.read_csv(tmp_path / "landing/absence/2024-01/R0A.csv", try_parse_dates=True)
    assert jan.columns == [
        "org_code",
        "employee_id",
        "staff_group",
        "fte",
        "reason_code",
        "start_date",
        "end_date",
    ]
    assert jan["end_date"].null_count() > 0, "some episodes are ongoing at month end"
    mar = pl.read_csv(tmp_path / "landing/absence/2024-03/R0A.csv", try_parse_dates=True)
    spanning = jan.join(mar, on=["employee_id", "start_date", "reason_code"])
    assert spanning.height > 0, "long episodes appear in several monthly files"
    staff = pl.read_csv(tmp_path / "landing/staff_in_post/2024-01/R0A.csv")
    assert staff["fte"].is_between(0, 1, closed="right").all()
    assert 0.5 < (staff["fte"] == 1.0).mean() < 0.8
    assert staff["end_date"].null_count() < staff.height, "some people leave"


def test_national_calibration_rate_season_and_reason_mix(tmp_path):
    synth_into(tmp_path, orgs=None, first_month="2024-03", last_month="2025-02", size_factor=0.03)
    reference = pl.read_csv("data/reference/national_absence_days_lost.csv")
    real = reference.group_by("reason_code").agg(pl.col("fte_days_lost").sum())
    real = real.with_columns(pl.col("fte_days_lost") / pl.col("fte_days_lost").sum() * 100)
    lost, available = _monthly_days(tmp_path / "landing")
    rates = (
        lost.group_by("period")
        .agg(pl.col("days").sum())
        .join(available, on="period")
        .with_columns((pl.col("days") / pl.col("available") * 100).alias("rate"))
        .sort("period")
    )
    assert rates["rate"].is_between(4.2, 6.0).all()
    assert (
        rates.filter(pl.col("period").is_in(["2024-12", "2025-01"]))["rate"].min()
        > rates.filter(pl.col("period").is_in(["2024-05", "2024-06"]))["rate"].max()
    ), "winter peak"
    shares = (
        lost.group_by("reason_code")
        .agg(pl.col("days").sum())
        .with_columns(pl.col("days") / pl.col("days").sum() * 100)
    )
    diff = (
        shares.join(real, on="reason_code")
        .select((pl.col("days") - pl.col("fte_days_lost")).abs().max())
        .item()
    )
    assert diff < 1.0


def _monthly_days(landing):
    import duckdb

    sql = (Path(__file__).parent / "landing_days.sql").read_text()
    con = duckdb.connect()
    lost = con.sql(sql, params={"glob": str(landing / "absence/*/*.csv")}).pl()
    available = (
        con.sql(
            sql.replace("reason_code,", "").replace(", reason_code", ""),
            params={"glob": str(landing / "staff_in_post/*/*.csv")},
        )
        .pl()
        .rename({"days": "available"})
    )
    return lost, available


def test_scenario_lowers_the_named_reasons_from_its_month(tmp_path):
    scenario = tmp_path / "s.csv"
    scenario.write_text("org_code,reason_codes,start_month,rate_multiplier\nR0A,S11;S12,2024-02,0.5\n")
    synth_into(tmp_path / "base", orgs=["R0A"], first_month="2023-12", size_factor=0.5)
    synth_into(
        tmp_path / "cut",
        orgs=["R0A"],
        first_month="2023-12",
        size_factor=0.5,
        scenarios=read_scenarios(scenario),
    )
    base, _ = _monthly_days(tmp_path / "base/landing")
    cut, _ = _monthly_days(tmp_path / "cut/landing")
    msk = pl.col("reason_code").is_in(["S11", "S12"])

    def total(frame, periods, condition):
        return frame.filter(condition, pl.col("period").is_in(periods))["days"].sum()

    assert total(cut, ["2023-12", "2024-01"], msk) == total(base, ["2023-12", "2024-01"], msk)
    ratio = total(cut, ["2024-02", "2024-03"], msk) / total(base, ["2024-02", "2024-03"], msk)
    assert 0.4 < ratio < 0.6
    # Other reasons barely move (a little: a person no longer off with MSK can fall ill with something else).
    other = total(cut, ["2024-02", "2024-03"], ~msk) / total(base, ["2024-02", "2024-03"], ~msk)
    assert 0.99 < other < 1.02


def test_cli_writes_files_and_rejects_bad_arguments(tmp_path, capsys):
    assert (
        main(
            [
                "synth",
                "--out",
                str(tmp_path),
                "--from",
                "2024-01",
                "--to",
                "2024-01",
                "--icbs",
                "QKS",
                "--size-factor",
                "0.02",
                "--faults",
                "3",
            ]
        )
        == 0
    )
    assert "faults" in capsys.readouterr().out
    assert len(list((tmp_path / "absence/2024-01").glob("*.csv"))) > 1
    assert (
        main(["synth", "--out", str(tmp_path), "--from", "2024-01", "--to", "2024-01", "--orgs", "NOPE"]) == 2
    )
    assert "unknown org codes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path), "--from", "2024-01", "--to", "2024-01"])

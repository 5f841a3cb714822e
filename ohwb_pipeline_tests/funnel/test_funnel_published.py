"""End to end: `funnel_indicators` published by absence_monthly for synthetic months, its survey rows after
the survey year is published and the months rerun, the 3-high-months warning, the catalog view, and the
report's funnel chart. Seven trusts in six ICBs, three months; one trust planted high."""

import html
import re

import dagster as dg
import duckdb
import polars as pl
import pytest

from ohwb_pipeline.absence.contracts import CONTRACTS
from ohwb_pipeline.absence.funnel_checks import HIGH_RUN
from ohwb_pipeline.absence.funnel_publication import funnel_indicators
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.report.render import write_report
from ohwb_pipeline.synth.scenarios import Scenario
from ohwb_pipeline_tests.conftest import range_tags, read_table, run_absence_job, synth_into

FIRST, LAST = "2023-10", "2023-12"
ORGS = ["RJ1", "RJ2", "RN7", "RRE", "R0A", "R0B", "RTH"]
PLANTED = "RTH"  # three times the absence of the common reasons, from before the first month
COMMON_REASONS = ("S10", "S11", "S12", "S13", "S25", "S98")


@pytest.fixture(scope="module")
def funnel_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("funnel")
    synth_into(
        root,
        orgs=ORGS,
        first_month=FIRST,
        last_month=LAST,
        scenarios=[Scenario(PLANTED, COMMON_REASONS, "2023-01", 3.0)],
    )
    first = run_absence_job(root, tags=range_tags(FIRST, LAST))
    assert first.success
    before = read_table(root / "published/funnel_indicators")
    from ohwb_pipeline.definitions import defs

    settings = {"settings": OhwbSettings(data_dir=str(root))}
    assert (
        defs.resolve_job_def("survey_yearly")
        .execute_in_process(resources=settings, partition_key="2023")
        .success
    )
    # The documented rerun after a survey year is published: funnel_indicators alone, same months.
    rerun = dg.materialize([funnel_indicators], resources=settings, tags=range_tags(FIRST, LAST))
    assert rerun.success
    return root, first, before, read_table(root / "published/funnel_indicators")


def test_published_for_every_month_with_both_levels_and_indicators(funnel_run):
    _, first, before, _ = funnel_run
    assert sorted(before["period"].unique()) == ["2023-10", "2023-11", "2023-12"]
    for period in ("2023-10", "2023-11", "2023-12"):
        month = before.filter(pl.col("period") == period)
        pairs = set(month.select("level", "indicator").unique().iter_rows())
        assert pairs == {
            (lv, i) for lv in ("organisation", "icb") for i in ("sickness_absence_rate", "staff_mix_ratio")
        }
        orgs = month.filter(pl.col("level") == "organisation", pl.col("indicator") == "sickness_absence_rate")
        assert orgs.height == len(ORGS)
        assert month.filter(pl.col("level") == "icb")["area_code"].n_unique() == 6
    assert set(before["source"]) == {"esr_extract"}
    assert before["phi"].is_not_null().all(), "seven trusts and six ICBs are enough to assess"
    for _, month in before.group_by("period"):
        CONTRACTS["funnel_indicators"].model.validate(month.drop("period"))
    checks = {
        (e.check_name, e.partition): e.passed
        for e in first.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey("funnel_indicators")
    }
    assert all(checks[("contract", f"{p}-01")] for p in ("2023-10", "2023-11", "2023-12"))


def test_figures_are_the_published_benchmark_and_ics_indicators(funnel_run):
    root, _, before, _ = funnel_run
    bench = read_table(root / "published/absence_benchmark").filter(
        pl.col("STAFF_GROUP") == "All staff groups"
    )
    rate = before.filter(pl.col("level") == "organisation", pl.col("indicator") == "sickness_absence_rate")
    joined = rate.join(bench, left_on=["period", "area_code"], right_on=["period", "ORG_CODE"])
    assert joined.height == rate.height
    assert (joined["numerator"] == joined["FTE_DAYS_LOST"]).all()
    assert (joined["denominator"] == joined["FTE_DAYS_AVAILABLE"]).all()
    ics = read_table(root / "published/ics_indicators").filter(
        pl.col("level") == "icb",
        pl.col("indicator") == "sickness_absence_rate",
        pl.col("source") == "organisations",
    )
    icb = before.filter(pl.col("level") == "icb", pl.col("indicator") == "sickness_absence_rate").join(
        ics, on=["period", "area_code"], suffix="_ics"
    )
    assert icb.height == 18 and ((icb["value"] - icb["value_ics"]).abs() < 1e-9).all()
    # An ICB's ratio is the sum of its trusts' observed over the sum of their expected.
    ratio = before.filter(pl.col("indicator") == "staff_mix_ratio")
    orgs = (
        ratio.filter(pl.col("level") == "organisation")
        .group_by("period", "parent_code")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum(), pl.col("cells_blank").sum())
    )
    icbs = ratio.filter(pl.col("level") == "icb").join(
        orgs, left_on=["period", "area_code"], right_on=["period", "parent_code"], suffix="_orgs"
    )
    assert icbs.height == 18
    assert ((icbs["numerator"] - icbs["numerator_orgs"]).abs() < 1e-9).all()
    assert ((icbs["denominator"] - icbs["denominator_orgs"]).abs() < 1e-6).all()
    assert (icbs["cells_blank"] == icbs["cells_blank_orgs"]).all()
    assert ratio["cells_blank"].sum() > 0, "size 0.05 suppresses some small staff groups"


def test_the_planted_trust_is_high_three_months_running_and_the_check_warns(funnel_run):
    _, first, before, _ = funnel_run
    planted = before.filter(pl.col("area_code") == PLANTED, pl.col("indicator") == "sickness_absence_rate")
    assert planted["outlier"].to_list() == ["high: beyond 99.8%"] * 3
    others = before.filter(pl.col("level") == "organisation", pl.col("area_code") != PLANTED)
    assert not (others["outlier"] == "high: beyond 99.8%").any()
    results = {
        e.partition: e
        for e in first.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey("funnel_indicators") and e.check_name == HIGH_RUN
    }
    # Known answer: fewer than 3 months published before December, so only December warns.
    assert results["2023-10-01"].passed and results["2023-11-01"].passed
    december = results["2023-12-01"]
    assert not december.passed and december.severity == dg.AssetCheckSeverity.WARN
    assert december.metadata["organisations"].value == 1
    assert f"| {PLANTED} |" in december.metadata["high_3_months"].value
    assert first.success, "a warning never blocks"


def test_survey_rows_after_the_survey_year_and_a_rerun(funnel_run):
    _, _, before, after = funnel_run
    assert not before["indicator"].str.starts_with("survey_").any()
    survey = after.filter(pl.col("indicator").str.starts_with("survey_"))
    assert set(survey["indicator"]) == {"survey_q11a", "survey_q11b", "survey_q11c", "survey_q11d"}
    assert set(survey["reference_period"]) == {"2023"} and set(survey["source"]) == {"staff_survey"}
    assert set(survey["level"]) <= {"organisation", "icb"}
    unchanged = after.filter(~pl.col("indicator").str.starts_with("survey_")).sort(
        "period", "level", "indicator", "area_code"
    )
    assert unchanged.equals(before.sort("period", "level", "indicator", "area_code"))


def test_catalog_view_and_dictionary(funnel_run):
    root, _, _, after = funnel_run
    con = duckdb.connect(str(root / "published/ohwb.duckdb"), read_only=True)
    count = con.execute("SELECT count(*) FROM funnel_indicators WHERE period = ?", ["2023-12"]).fetchall()
    assert count[0][0] == after.filter(pl.col("period") == "2023-12").height
    described = con.execute(
        'SELECT count(*) FROM data_dictionary WHERE "table" = ?', ["funnel_indicators"]
    ).fetchall()
    assert described[0][0] == len(CONTRACTS["funnel_indicators"].model.to_schema().columns) + 1


def test_the_report_has_the_funnel_chart_and_the_league_flags(funnel_run):
    root, _, _, after = funnel_run
    page = write_report(Lake(root), LAST).read_text(encoding="utf-8")
    section = page.split('<section id="funnel"')[1].split("</section>")[0]
    assert '<figure class="chart" data-section="funnel">' in section and "<svg" in section
    assert "A funnel plot shows each area's value against its size" in html.unescape(section)
    # The planted trust is labelled on the chart and named in the outlier table with the same short name.
    assert ">Oxford University Hospitals</text>" in section
    assert '<td data-col="area">Oxford University Hospitals (RTH)</td>' in section
    league = page.split('id="league-table"')[1].split("</table>")[0]
    flags = re.findall(r'<td class="flag[^"]*" data-col="funnel_rate">([^<]*)</td>', league)
    icbs = after.filter(
        pl.col("period") == LAST, pl.col("level") == "icb", pl.col("indicator") == "sickness_absence_rate"
    )
    assert sorted(flags) == sorted(icbs["outlier"].to_list())
    assert flags[0] == "high: beyond 99.8%", "the flag, not the rank, leads the table"

"""End to end over a small synthetic set: one survey year next to one absence month, with bad rows."""

import datetime as dt
import json

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.definitions import defs
from ohwb_pipeline.reference.assets import reference_assets
from ohwb_pipeline.survey.assets import survey_assets
from ohwb_pipeline_tests.conftest import SMALL_ORGS, run_absence_job, synth_into
from ohwb_pipeline_tests.survey.helpers import cell, checks_by_name, published, run_survey_year
from ohwb_pipeline_tests.survey.leak_audit import recovered

FAULTS = 3


@pytest.fixture(scope="module")
def survey_2024(tmp_path_factory):
    root = tmp_path_factory.mktemp("survey")
    synth_into(root, first_month="2024-10", last_month="2024-10", faults=FAULTS, size_factor=0.1)
    assert run_absence_job(root, partition_key="2024-10-01").success
    result = dg.materialize(
        [*reference_assets, *survey_assets],
        partition_key="2024",
        resources={"settings": OhwbSettings(data_dir=str(root))},
    )
    assert result.success
    return root, result


def test_bad_rows_are_quarantined_with_reasons_and_counts_reconcile(survey_2024):
    root, result = survey_2024
    log = pl.read_parquet(root / "warehouse/ingest_log/survey_responses/year=2024/part-0.parquet")
    assert (log["rows_read"] == log["rows_accepted"] + log["rows_quarantined"]).all()
    assert log["rows_quarantined"].sum() == FAULTS
    landed = sum(len(p.read_text().splitlines()) - 1 for p in (root / "landing/survey/2024").glob("*.csv"))
    assert log["rows_read"].sum() == landed
    quarantine = pl.read_parquet(root / "warehouse/quarantine/survey_responses/year=2024/part-0.parquet")
    assert set(quarantine["check"]) == {
        "in_reference_org_codes",
        "code_in_agree5_scale",
        "not_a_duplicate_row",
    }
    assert quarantine["reason"].str.contains("q11a: is not a code of the agree5 scale '7'").any()
    assert checks_by_name(result)[("survey_responses", "reconciliation")]


def test_respondent_ids_never_reach_disk(survey_2024):
    root, _ = survey_2024
    ids = pl.read_csv(root / "landing/survey/2024/RJ1.csv", infer_schema=False)["respondent_id"].head(50)
    for path in [*(root / "warehouse").rglob("*.parquet"), *(root / "published").rglob("*.parquet")]:
        frame = pl.read_parquet(path)
        assert "respondent_id" not in frame.columns, path
        text = path.read_bytes()
        assert not any(i.encode() in text for i in ids), path
    responses = pl.read_parquet(root / "warehouse/survey_responses/year=2024/part-0.parquet")
    assert responses["respondent_key"].str.len_chars().unique().to_list() == [64]


def test_published_indicators_are_leak_proof_and_within_range(survey_2024):
    root, result = survey_2024
    frame = published(root)
    assert recovered(frame) == []
    assert frame["suppressed"].any(), "the small synthetic set must exercise suppression"
    shown = frame.filter(~pl.col("suppressed"))
    assert (shown["n_valid"] >= 11).all() and shown["pct"].is_between(0, 100).all()
    levels = set(frame["level"])
    assert levels == {"org", "icb", "region", "england"}
    checks = checks_by_name(result)
    assert checks[("survey_indicators", "no_recoverable_cells")]
    assert checks[("survey_indicators", "year_on_year_shift")]
    manifest = json.loads((root / "published/_manifest.json").read_text())
    entry = manifest["tables"]["survey_indicators"]
    assert entry["partition_key"] == "year"
    assert entry["partitions"]["2024"]["rows"] == frame.height


def test_the_scorecard_joins_survey_and_absence_for_the_same_icb_and_year(survey_2024):
    root, _ = survey_2024
    card = published(root, "ics_wellbeing_scorecard")
    survey = published(root)
    ics = pl.read_parquet(root / "published/ics_indicators/*/*.parquet")
    assert set(card["area_code"]) == {"QKK", "QKS", "QNC", "E92000001"}
    for row in card.iter_rows(named=True):
        assert row["financial_year"] == "2024/25" and row["absence_months"] == 1
        stress = cell(survey, row["level"], row["area_code"], "All staff groups", "q11c")
        assert row["work_stress_pct"] == stress["pct"]
        assert row["work_stress_pct_weighted"] == stress["pct_weighted"]
        mental = ics.filter(
            pl.col("area_code") == row["area_code"], pl.col("indicator") == "mental_health_rate"
        )
        assert row["mental_health_absence_rate"] == pytest.approx(mental["value"].item(), abs=0.005)
        assert row["turnover_12m"] is None  # March 2025 is not there yet


def test_a_new_catalogue_question_is_validated_and_counted_with_no_code_change(tmp_path):
    synth_into(tmp_path, first_month="2024-10", last_month="2024-10", orgs=["RJ1"], size_factor=0.1)
    reference = tmp_path / "reference"
    reference.mkdir()
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE

    for path in SHIPPED_REFERENCE.glob("*.csv"):
        (reference / path.name).write_bytes(path.read_bytes())
    with (reference / "survey_questions.csv").open("a") as out:
        out.write("q99z,I have a quiet place to rest at work,yesno,1,true,health_and_wellbeing\n")
    landed = tmp_path / "landing/survey/2024/RJ1.csv"
    survey = pl.read_csv(landed, infer_schema=False)
    answers = ["1", "2", "3"] * (survey.height // 3) + ["1"] * (survey.height % 3)
    survey.with_columns(pl.Series("q99z", answers)).write_csv(landed)
    assert run_survey_year(tmp_path, 2024).success
    quarantine = pl.read_parquet(tmp_path / "warehouse/quarantine/survey_responses/year=2024/part-0.parquet")
    assert set(quarantine["check"]) == {"code_in_yesno_scale"}
    assert quarantine.height == answers.count("3")
    row = cell(published(tmp_path), "org", "RJ1", "All staff groups", "q99z")
    assert (row["n_valid"], row["n_indicator"]) == (
        answers.count("1") + answers.count("2"),
        answers.count("1"),
    )


def test_the_landing_sensor_starts_a_survey_year_run(monkeypatch, tmp_path):
    synth_into(tmp_path, first_month="2024-10", last_month="2024-10", orgs=SMALL_ORGS[:1], size_factor=0.05)
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path))
    sensor = defs.resolve_sensor_def("landing_sensor")
    result = sensor.evaluate_tick(dg.build_sensor_context(definitions=defs))
    by_job = {(r.job_name, r.partition_key) for r in result.run_requests}
    assert by_job == {("absence_monthly", "2024-10-01"), ("survey_yearly", "2024")}
    again = sensor.evaluate_tick(dg.build_sensor_context(cursor=result.cursor, definitions=defs))
    assert again.run_requests == []
    path = tmp_path / "landing/survey/2024/RJ1.csv"
    path.write_text(path.read_text() + path.read_text().splitlines()[1] + "\n")
    resubmitted = sensor.evaluate_tick(dg.build_sensor_context(cursor=result.cursor, definitions=defs))
    assert [(r.job_name, r.partition_key) for r in resubmitted.run_requests] == [("survey_yearly", "2024")]


def test_a_survey_year_with_no_partition_yet_waits_for_it(monkeypatch, tmp_path):
    next_year = dt.date.today().year
    folder = tmp_path / "landing/survey" / str(next_year)
    folder.mkdir(parents=True)
    (folder / "RJ1.csv").write_text("org_code,respondent_id,staff_group\n")
    monkeypatch.setenv("OHWB_DATA_DIR", str(tmp_path))
    result = defs.resolve_sensor_def("landing_sensor").evaluate_tick(
        dg.build_sensor_context(definitions=defs)
    )
    assert result.run_requests == []
    assert f"survey/{next_year}/RJ1.csv" not in json.loads(result.cursor)


def test_the_march_schedule_runs_the_survey_fielded_the_autumn_before():
    schedule = defs.resolve_schedule_def("survey_yearly_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2025, 3, 1, 6, 0), repository_def=defs.get_repository_def()
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2024"

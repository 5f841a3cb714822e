"""The synthetic staff survey: layout, response rate, calibration, and the link to absence."""

import numpy as np
import polars as pl

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.synth.population import org_rng
from ohwb_pipeline_tests.conftest import synth_into

REFERENCE = pl.read_csv(SHIPPED_REFERENCE / "national_survey_distribution.csv")
SCALES = pl.read_csv(SHIPPED_REFERENCE / "survey_scales.csv")
QUESTIONS = pl.read_csv(SHIPPED_REFERENCE / "survey_questions.csv")


def test_a_survey_year_is_written_when_its_october_is_generated(tmp_path):
    synth_into(tmp_path, first_month="2024-09", last_month="2024-10", orgs=["RJ1", "RN7"], size_factor=0.5)
    files = sorted(p.name for p in (tmp_path / "landing/survey/2024").glob("*.csv"))
    assert files == ["RJ1.csv", "RN7.csv"]
    survey = pl.read_csv(tmp_path / "landing/survey/2024/RJ1.csv", infer_schema=False)
    assert survey.columns == ["org_code", "respondent_id", "staff_group", *QUESTIONS["question_id"]]
    assert survey["respondent_id"].is_unique().all()
    assert not survey["respondent_id"].str.starts_with("RJ1").any(), "not the employee ids"
    staff = pl.read_csv(tmp_path / "landing/staff_in_post/2024-10/RJ1.csv")
    assert 0.40 < survey.height / staff.height < 0.50
    assert 0.01 < survey["q11a"].null_count() / survey.height < 0.06, "some questions are left blank"
    assert not (tmp_path / "landing/survey/2023").exists()


def test_national_answers_are_calibrated_within_1_5_points(tmp_path):
    synth_into(tmp_path, first_month="2023-10", last_month="2023-10", orgs=None, size_factor=0.05)
    survey = pl.read_csv(tmp_path / "landing/survey/2023/*.csv", infer_schema=False)
    for question in ["q11a", "q12b", "q12d"]:
        scale = QUESTIONS.filter(pl.col("question_id") == question)["scale"].item()
        valid = survey[question].drop_nulls()
        for code, label in SCALES.filter(pl.col("scale") == scale).select("code", "label").iter_rows():
            real = REFERENCE.filter(
                pl.col("question_id") == question, pl.col("year") == 2023, pl.col("response_label") == label
            )["national_share"].item()
            assert abs((valid == str(code)).mean() - real) < 0.015, (question, label)


def test_trusts_with_more_absence_report_more_stress_and_small_groups_exist(tmp_path):
    orgs = pl.read_csv(SHIPPED_REFERENCE / "organisations.csv")["org_code"].to_list()[:60]
    synth_into(tmp_path, first_month="2023-10", last_month="2023-10", orgs=orgs, size_factor=0.1)
    survey = pl.read_csv(tmp_path / "landing/survey/2023/*.csv", infer_schema=False)
    stress = survey.group_by("org_code").agg((pl.col("q11c").drop_nulls() == "1").mean().alias("stressed"))
    # The trust's absence level, as the generator draws it (stream 2, seed 20210401).
    level = {o: org_rng(20210401, o, 2).lognormal(0.0, 0.15) for o in orgs}
    joined = stress.with_columns(
        pl.col("org_code").replace_strict(level, return_dtype=pl.Float64).alias("level")
    )
    assert np.corrcoef(joined["level"], joined["stressed"])[0, 1] > 0.3
    groups = survey.group_by("org_code", "staff_group").len()
    assert (groups["len"] < 11).any(), (
        "some staff groups have fewer than 11 respondents (suppression is exercised)"
    )

"""Known answers, hand-counted: pct per question, suppression of a small group, and the
post-stratified ICS value for two trusts with different staff-group mixes."""

import dagster as dg
import pytest

from ohwb_pipeline_tests.survey.helpers import (
    cell,
    checks_by_name,
    land_survey,
    published,
    run_survey_year,
    write_weights,
    yes_no,
)
from ohwb_pipeline_tests.survey.leak_audit import recovered

ALL = "All staff groups"
NURSES = "Nurses & health visitors"
DOCTORS = "HCHS Doctors"
MIDWIVES = "Midwives"

# 20 nurses at RJ1. The file has only three question columns: the others count as unanswered.
Q11A = [5, 4, 4, 3, 2, 1, 4, 5, 3, 3, 4, 4, 2, 1, 5, 4, 3, 3, 4, ""]  # 19 valid; 4 or 5: 10
Q11C = [1, 1, 2, 2, 1, 2, 2, 2, 1, 1, 2, 2, 2, 1, "", 2, 2, 1, 2, ""]  # 18 valid; 1 (yes): 7
Q12B = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 3, 3, 4, 2, 2, 3, 1, 5, 2, 3]  # 20 valid; 4 or 5: 6


@pytest.fixture(scope="module")
def twenty_nurses(tmp_path_factory):
    root = tmp_path_factory.mktemp("twenty")
    land_survey(root, 2024, "RJ1", {NURSES: {"q11a": Q11A, "q11c": Q11C, "q12b": Q12B}})
    result = run_survey_year(root, 2024)
    assert result.success
    return root, result


@pytest.mark.parametrize(
    ("question", "n_valid", "n_indicator", "pct"),
    [("q11a", 19, 10, 52.63), ("q11c", 18, 7, 38.89), ("q12b", 20, 6, 30.0)],
)
@pytest.mark.parametrize(
    ("level", "area"), [("org", "RJ1"), ("icb", "QKK"), ("region", "Y56"), ("england", "E92000001")]
)
def test_a_file_of_twenty_respondents_gives_the_hand_counted_pct(
    twenty_nurses, question, n_valid, n_indicator, pct, level, area
):
    frame = published(twenty_nurses[0])
    for group in (ALL, NURSES):
        row = cell(frame, level, area, group, question)
        assert (row["n_valid"], row["n_indicator"], row["pct"], row["suppressed"]) == (
            n_valid,
            n_indicator,
            pct,
            False,
        )


def test_questions_missing_from_a_file_are_counted_as_unanswered(twenty_nurses):
    frame = published(twenty_nurses[0])
    assert set(frame["question_id"]) == {"q11a", "q11c", "q12b"}


def test_checks_pass_and_no_weights_means_no_weighted_value(twenty_nurses):
    root, result = twenty_nurses
    checks = checks_by_name(result)
    assert checks[("survey_indicators", "no_recoverable_cells")]
    assert checks[("survey_indicators", "responses_reconcile")]
    assert checks[("survey_indicators", "contract")]
    assert checks[("survey_responses", "reconciliation")]
    row = cell(published(root), "icb", "QKK", ALL, "q11c")
    assert row["pct_weighted"] is None and row["weighting_period"] is None


def test_a_ten_respondent_group_is_suppressed_with_a_complement(tmp_path):
    land_survey(tmp_path, 2024, "RJ1", {NURSES: {"q11c": yes_no(9, 20)}, MIDWIVES: {"q11c": yes_no(4, 10)}})
    assert run_survey_year(tmp_path, 2024).success
    frame = published(tmp_path)
    midwives = cell(frame, "org", "RJ1", MIDWIVES, "q11c")
    assert midwives["suppressed"] and midwives["pct"] is None and midwives["n_valid"] is None
    # All staff groups (30) stays published, so nurses must be hidden too, or 30 - 20 would give 10.
    assert cell(frame, "org", "RJ1", NURSES, "q11c")["suppressed"]
    everyone = cell(frame, "org", "RJ1", ALL, "q11c")
    assert (everyone["n_valid"], everyone["n_indicator"], everyone["pct"]) == (30, 13, 43.33)
    assert cell(frame, "england", "E92000001", MIDWIVES, "q11c")["suppressed"]
    assert recovered(frame) == []


def test_the_weighted_ics_value_is_the_hand_computed_post_stratified_value(tmp_path):
    # RJ1: nurses 10/20 yes, doctors 3/12. RJZ (same ICB, QKK): nurses 12/15, doctors 6/30.
    land_survey(tmp_path, 2024, "RJ1", {NURSES: {"q11c": yes_no(10, 20)}, DOCTORS: {"q11c": yes_no(3, 12)}})
    land_survey(tmp_path, 2024, "RJZ", {NURSES: {"q11c": yes_no(12, 15)}, DOCTORS: {"q11c": yes_no(6, 30)}})
    # Staff in post, October 2024: RJ1 400 nurses, 100 doctors, 100 midwives (no respondents);
    # RJZ 300 nurses, 200 doctors. An earlier month must not be picked over October.
    write_weights(
        tmp_path,
        "2024-10",
        [
            ("RJ1", NURSES, 400),
            ("RJ1", DOCTORS, 100),
            ("RJ1", MIDWIVES, 100),
            ("RJZ", NURSES, 300),
            ("RJZ", DOCTORS, 200),
        ],
    )
    write_weights(tmp_path, "2024-06", [("RJ1", NURSES, 1), ("RJZ", DOCTORS, 1)])
    assert run_survey_year(tmp_path, 2024).success
    frame = published(tmp_path)
    icb = cell(frame, "icb", "QKK", ALL, "q11c")
    # Pooled over respondents: (10 + 3 + 12 + 6) / (20 + 12 + 15 + 30) = 31 / 77.
    assert icb["pct"] == 40.26
    # ICB group rates: nurses 22/35, doctors 9/42; ICB staff: 700 nurses, 300 doctors (+100 midwives
    # with no respondents, left out and the weights renormalised):
    # (700 x 22/35 + 300 x 9/42) / 1000 = (440 + 64.2857) / 1000 = 50.43%.
    assert icb["pct_weighted"] == 50.43
    assert icb["weight_coverage"] == pytest.approx(1000 / 1100, abs=1e-4)
    assert icb["weighting_period"] == "2024-10"
    # RJ1 alone: (400 x 0.5 + 100 x 0.25) / 500 = 45%.
    assert cell(frame, "org", "RJ1", ALL, "q11c")["pct_weighted"] == 45.0
    assert cell(frame, "org", "RJ1", NURSES, "q11c")["pct_weighted"] is None
    assert not frame["suppressed"].any()


def test_a_rerun_publishes_byte_identical_files(tmp_path):
    land_survey(tmp_path, 2024, "RJ1", {NURSES: {"q11c": yes_no(9, 20)}, MIDWIVES: {"q11c": yes_no(4, 10)}})
    assert run_survey_year(tmp_path, 2024).success
    tables = ("survey_indicators", "ics_wellbeing_scorecard")
    first = {t: (tmp_path / "published" / t / "year=2024" / "part-0.parquet").read_bytes() for t in tables}
    assert run_survey_year(tmp_path, 2024).success
    for table, content in first.items():
        assert (tmp_path / "published" / table / "year=2024" / "part-0.parquet").read_bytes() == content


def test_two_years_in_one_run_and_a_shift_over_15_points_beyond_chance_warns(tmp_path):
    from ohwb_pipeline.core.resources import OhwbSettings
    from ohwb_pipeline.definitions import defs

    land_survey(tmp_path, 2023, "RJ1", {NURSES: {"q11c": yes_no(75, 300)}})  # 25%
    land_survey(tmp_path, 2024, "RJ1", {NURSES: {"q11c": yes_no(120, 300)}})  # 40%: +15 exactly, not over
    land_survey(tmp_path, 2024, "RJZ", {NURSES: {"q11c": yes_no(4, 20)}})  # first year for RJZ
    job = defs.resolve_job_def("survey_yearly")
    tags = {
        "dagster/asset_partition_range_start": "2023",
        "dagster/asset_partition_range_end": "2024",
    }
    result = job.execute_in_process(resources={"settings": OhwbSettings(data_dir=str(tmp_path))}, tags=tags)
    assert result.success
    assert checks_by_name(result)[("survey_indicators", "year_on_year_shift")]
    assert set(published(tmp_path)["year"]) == {"2023", "2024"}

    land_survey(tmp_path, 2024, "RJ1", {NURSES: {"q11c": yes_no(135, 300)}})  # 45%: +20 on 2023, 5.3 SE
    rerun = run_survey_year(tmp_path, 2024)
    assert rerun.success  # a warning never blocks
    [evaluation] = [e for e in rerun.get_asset_check_evaluations() if e.check_name == "year_on_year_shift"]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    # RJ1's org and nurses cells moved; the ICB, region and England cells now pool RJZ too.
    assert evaluation.metadata["cells_moved_over_limit"].value >= 2


def test_a_big_shift_in_a_small_group_is_chance_and_does_not_warn():
    import polars as pl

    from ohwb_pipeline.survey.checks import year_on_year

    def cell(year: str, n: int, pct: float) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "year": [year],
                "level": ["org"],
                "area_code": ["RJ1"],
                "staff_group": [NURSES],
                "question_id": ["q11c"],
                "n_valid": [n],
                "pct": [pct],
            }
        )

    assert year_on_year(cell("2024", 20, 45.0), cell("2023", 20, 25.0)).passed, "+20 points on 20 answers"
    assert not year_on_year(cell("2024", 400, 45.0), cell("2023", 400, 25.0)).passed, "+20 on 400 answers"

import shutil

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
from ohwb_pipeline.reference.assets import reference_assets
from ohwb_pipeline.reference.load import ReferenceDataError, read_reference


def _materialize(root):
    return dg.materialize(
        reference_assets, resources={"settings": OhwbSettings(data_dir=str(root))}, raise_on_error=False
    )


def test_shipped_reference_data_validates(tmp_path):
    assert _materialize(tmp_path).success
    lake = Lake(tmp_path)
    assert read_reference(lake, "organisations").height == 207
    assert read_reference(lake, "icbs").height == 42
    assert read_reference(lake, "icbs")["region_code"].n_unique() == 7
    assert read_reference(lake, "absence_reasons").height == 25
    assert read_reference(lake, "staff_groups")["is_medical"].dtype == pl.Boolean
    assert read_reference(lake, "survey_questions").height == 8
    assert read_reference(lake, "survey_scales")["scale"].n_unique() == 3


def test_a_new_survey_question_needs_no_code_change(tmp_path):
    local = tmp_path / "reference"
    shutil.copytree(SHIPPED_REFERENCE, local)
    with (local / "survey_questions.csv").open("a") as handle:
        handle.write("q99z,A new question,agree5,4;5,true,other\n")
    assert _materialize(tmp_path).success
    assert "q99z" in read_reference(Lake(tmp_path), "survey_questions")["question_id"].to_list()


@pytest.mark.parametrize(
    ("file", "spoil", "message"),
    [
        ("organisations.csv", lambda t: t + "R0A,DUPLICATE TRUST,M1 1AA,QOP,QOP\n", "unique"),
        ("organisations.csv", lambda t: t + "ZZ9,NOWHERE TRUST,M1 1AA,QZZ,QZZ\n", "is not a known icb"),
        (
            "absence_reasons.csv",
            lambda t: t + "S77,Made up,not_a_group\n",
            "is not one of the allowed values",
        ),
        ("staff_groups.csv", lambda t: t + "Porters,Support,maybe\n", "not true or false"),
        ("icbs.csv", lambda t: t.replace("icb_name", "icb_title"), "missing required columns: icb_name"),
        ("survey_questions.csv", lambda t: t + "q99z,New question,agree9,4;5,true,other\n", "is not a known"),
        (
            "survey_questions.csv",
            lambda t: t + "q99z,New question,yesno,3,false,other\n",
            "not in the question's scale",
        ),
        ("survey_scales.csv", lambda t: t + "yesno,1,Maybe\n", "one label per scale code"),
    ],
)
def test_a_bad_reference_file_fails_loudly(tmp_path, file, spoil, message):
    local = tmp_path / "reference"
    shutil.copytree(SHIPPED_REFERENCE, local)
    (local / file).write_text(spoil((local / file).read_text()))
    result = _materialize(tmp_path)
    assert not result.success
    errors = [e.step_failure_data.error for e in result.all_events if e.is_step_failure]
    assert any(message in (err.cause.message if err.cause else err.message) for err in errors)


def test_reading_an_unmaterialised_reference_table_says_what_to_do(tmp_path):
    with pytest.raises(ReferenceDataError, match="materialise it first"):
        read_reference(Lake(tmp_path), "icbs")

"""The survey response contract, built from the question catalogue at run time.

The fixed columns (org_code, respondent_id, staff_group) are a pandera model; each question in
`survey_questions` adds an Int64 answer column whose codes must belong to the question's scale. A
question added to the catalogue is therefore validated, and later counted, with no code change.
"""

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.ingest.validate import (
    FILE_ORG,
    SOURCE_FILE,
    Contract,
    first_copy_of_each_row,
    in_reference,
)

FIXED_COLUMNS = ["org_code", "respondent_id", "staff_group"]
_ANSWERS = r"^[^_].*$"  # every contract column; ingest's helper columns start with "_"


class SurveyResponse(pa.DataFrameModel):
    org_code: str = pa.Field(description="ODS code; must match the file name and the reference")
    respondent_id: str = pa.Field(
        str_length={"min_value": 1, "max_value": 64}, description="pseudonymised at ingest"
    )
    staff_group: str = pa.Field(description="a staff group in staff_groups.csv")

    @pa.dataframe_check(name="org_code_matches_file_name")
    def org_code_matches_file_name(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("org_code") == pl.col(FILE_ORG)).fill_null(True))

    @pa.dataframe_check(name="not_a_duplicate_row")
    def not_a_duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        # A row sent twice is counted once: the first copy is kept, the repeat quarantined.
        answers = data.lazyframe.select(pl.col(_ANSWERS)).collect_schema().names()
        return first_copy_of_each_row(data.lazyframe, [SOURCE_FILE, *answers], [SOURCE_FILE, "respondent_id"])

    @pa.dataframe_check(name="respondent_id_unique_in_file")
    def respondent_id_unique_in_file(cls, data: PolarsData) -> pl.LazyFrame:
        # One id with different answers: no way to tell which is real, so every such row is quarantined.
        versions = pl.struct(pl.col(_ANSWERS)).n_unique().over(SOURCE_FILE, "respondent_id")
        return data.lazyframe.select((versions == 1).fill_null(True))

    class Config:
        strict = False


def answer_in_scale(scale: str, codes: list[int]) -> pa.Check:
    allowed = pl.Series(codes, dtype=pl.Int64)

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_in(allowed).fill_null(True))

    return pa.Check(check, name=f"code_in_{scale}_scale")


def response_contract(questions: pl.DataFrame) -> Contract:
    """Question columns are optional: an older year's file without a newer question counts as unanswered."""
    question_ids = questions["question_id"].to_list()
    return Contract(
        name="survey_responses",
        columns={**dict.fromkeys(FIXED_COLUMNS, pl.Utf8), **dict.fromkeys(question_ids, pl.Int64)},
        model=SurveyResponse,
        identifier="respondent_id",
        frame_check_columns={
            "org_code_matches_file_name": "org_code",
            "not_a_duplicate_row": "(row)",
            "respondent_id_unique_in_file": "respondent_id",
        },
        optional=tuple(question_ids),
        partition_key="year",
    )


def response_schema(
    questions: pl.DataFrame, scales: pl.DataFrame, allowed: dict[str, list[str]]
) -> pa.DataFrameSchema:
    """The model's schema plus one answer column per catalogue question and the reference checks."""
    codes = scales.group_by("scale").agg(pl.col("code").cast(pl.Int64).sort())
    codes_by_scale = dict(codes.iter_rows())
    schema = SurveyResponse.to_schema()
    schema = schema.update_columns(
        {c: {"checks": [*schema.columns[c].checks, in_reference(c, v)]} for c, v in allowed.items()}
    )
    answers = {
        q: pa.Column(
            pl.Int64,
            nullable=True,
            checks=[answer_in_scale(scale, codes_by_scale[scale])],
            description=f"{scale} code; blank means not answered",
        )
        for q, scale in questions.select("question_id", "scale").iter_rows()
    }
    return schema.add_columns(answers)

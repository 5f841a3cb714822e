"""pandera-polars models for the absence extracts (DESIGN.md "Extract contracts").

Reference checks (org, staff group and reason codes exist) are added at run time from the validated
reference tables by `schema_with_reference`, so a new code in the reference CSV needs no code change.
The cross-field checks read helper columns that ingest adds to every row: the file's org code and the
reporting month's first and last day.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from ohwb_pipeline.ingest.truncation import EPISODES_RULE, STAFF_RULE
from ohwb_pipeline.ingest.validate import (
    FILE_ORG,
    PERIOD_END,
    PERIOD_START,
    SOURCE_FILE,
    Contract,
    first_copy_of_each_row,
    in_reference,
)

EPISODE_COLUMNS = ["org_code", "employee_id", "staff_group", "fte", "reason_code", "start_date", "end_date"]
STAFF_COLUMNS = ["org_code", "employee_id", "staff_group", "fte", "start_date", "end_date"]
_SAME_PERSON_IN_FILE = [SOURCE_FILE, "employee_id"]


def _ok(data: PolarsData, expr: pl.Expr) -> pl.LazyFrame:
    # A null comparison means a required field is blank; its own not-null check reports that row.
    return data.lazyframe.select(expr.fill_null(True))


class _Spell(pa.DataFrameModel):
    """Rows with a date span that must overlap the reporting month."""

    org_code: str = pa.Field(description="ODS code; must match the file name and the reference")
    employee_id: str = pa.Field(
        str_length={"min_value": 1, "max_value": 64}, description="pseudonymised at ingest"
    )
    staff_group: str = pa.Field(description="a staff group in staff_groups.csv")
    fte: float = pa.Field(gt=0, le=1, description="0 < fte <= 1")
    start_date: dt.date = pa.Field()
    end_date: dt.date = pa.Field(nullable=True, description="empty means ongoing / still in post")

    @pa.dataframe_check(name="org_code_matches_file_name")
    def org_code_matches_file_name(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("org_code") == pl.col(FILE_ORG))

    @pa.dataframe_check(name="starts_by_month_end")
    def starts_by_month_end(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("start_date") <= pl.col(PERIOD_END))

    @pa.dataframe_check(name="end_on_or_after_start")
    def end_on_or_after_start(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col("start_date")))

    @pa.dataframe_check(name="ends_in_or_after_month")
    def ends_in_or_after_month(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col("end_date").is_null() | (pl.col("end_date") >= pl.col(PERIOD_START)))

    class Config:
        strict = False


class AbsenceEpisode(_Spell):
    reason_code: str = pa.Field(description="an ESR reason code in absence_reasons.csv")

    @pa.dataframe_check(name="not_a_duplicate_row")
    def not_a_duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        return first_copy_of_each_row(data.lazyframe, [SOURCE_FILE, *EPISODE_COLUMNS], _SAME_PERSON_IN_FILE)


class StaffInPost(_Spell):
    @pa.dataframe_check(name="not_a_duplicate_row")
    def not_a_duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        return first_copy_of_each_row(data.lazyframe, [SOURCE_FILE, *STAFF_COLUMNS], _SAME_PERSON_IN_FILE)


_TYPES = {"fte": pl.Float64, "start_date": pl.Date, "end_date": pl.Date}
_FRAME_CHECK_COLUMNS = {
    "org_code_matches_file_name": "org_code",
    "starts_by_month_end": "start_date",
    "end_on_or_after_start": "end_date",
    "ends_in_or_after_month": "end_date",
    "not_a_duplicate_row": "(row)",
}

EPISODES = Contract(
    name="absence_episodes",
    columns={c: _TYPES.get(c, pl.Utf8) for c in EPISODE_COLUMNS},
    model=AbsenceEpisode,
    identifier="employee_id",
    frame_check_columns=_FRAME_CHECK_COLUMNS,
    row_count_rule=EPISODES_RULE,
)
STAFF_IN_POST = Contract(
    name="staff_in_post",
    columns={c: _TYPES.get(c, pl.Utf8) for c in STAFF_COLUMNS},
    model=StaffInPost,
    identifier="employee_id",
    frame_check_columns=_FRAME_CHECK_COLUMNS,
    row_count_rule=STAFF_RULE,
    repeat_flag="holds_several_posts",
)


def schema_with_reference(contract: Contract, allowed: dict[str, list[str]]) -> pa.DataFrameSchema:
    schema = contract.model.to_schema()
    updates = {c: {"checks": [*schema.columns[c].checks, in_reference(c, v)]} for c, v in allowed.items()}
    return schema.update_columns(updates)

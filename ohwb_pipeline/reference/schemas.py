"""pandera models for the reference tables. A reference file that fails these fails the run."""

import pandera.polars as pa
import polars as pl

from ohwb_pipeline.ingest.validate import Contract

REASON_GROUPS = ["mental_health", "musculoskeletal", "respiratory_infectious", "other", "unknown"]


class Organisation(pa.DataFrameModel):
    org_code: str = pa.Field(unique=True, str_matches=r"^[A-Z0-9]{3,5}$")
    org_name: str
    postcode: str = pa.Field(nullable=True)
    icb_code: str = pa.Field(str_matches=r"^Q[A-Z0-9]{2}$")
    all_icb_codes: str = pa.Field(str_matches=r"^Q[A-Z0-9]{2}(;Q[A-Z0-9]{2})*$")


class Icb(pa.DataFrameModel):
    icb_code: str = pa.Field(unique=True, str_matches=r"^Q[A-Z0-9]{2}$")
    icb_ons_code: str = pa.Field(str_matches=r"^E54\d{6}$")
    icb_name: str
    region_code: str = pa.Field(str_matches=r"^Y\d{2}$")
    region_name: str
    icb_short_name: str = pa.Field(
        unique=True, description="the name NHS England's publications use (`Greater Manchester`)"
    )


class AbsenceReason(pa.DataFrameModel):
    reason_code: str = pa.Field(unique=True, str_matches=r"^S\d{2}$")
    reason_label: str
    reason_group: str = pa.Field(isin=REASON_GROUPS)


class StaffGroup(pa.DataFrameModel):
    staff_group: str = pa.Field(unique=True)
    staff_group_1: str
    is_medical: bool


class SurveyQuestion(pa.DataFrameModel):
    question_id: str = pa.Field(unique=True, str_matches=r"^q\d+[a-z]?$")
    question_text: str
    scale: str = pa.Field(description="a scale in survey_scales.csv")
    indicator_codes: str = pa.Field(
        str_matches=r"^\d+(;\d+)*$", description="answer codes counted by the indicator"
    )
    higher_is_better: bool
    theme: str


class SurveyScale(pa.DataFrameModel):
    scale: str
    code: str = pa.Field(str_matches=r"^\d+$")
    label: str

    @pa.dataframe_check(name="one_label_per_scale_code")
    def one_label_per_scale_code(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("scale", "code").is_duplicated())


class ExpectedSubmitter(pa.DataFrameModel):
    org_code: str = pa.Field(unique=True, description="a trust in organisations.csv")
    expected_from: str = pa.Field(
        nullable=True,
        str_matches=r"^\d{4}-\d{2}$",
        description="first month it must submit (YYYY-MM); empty: always",
    )
    expected_to: str = pa.Field(
        nullable=True,
        str_matches=r"^\d{4}-\d{2}$",
        description="last month it must submit; empty: still expected",
    )
    note: str = pa.Field(nullable=True, description="why, for a trust that opened, merged or closed")

    @pa.dataframe_check(name="from_not_after_to")
    def from_not_after_to(cls, data) -> pl.LazyFrame:
        ordered = pl.col("expected_from") <= pl.col("expected_to")
        return data.lazyframe.select(ordered.fill_null(True))


class StaffGroupAlias(pa.DataFrameModel):
    """Another name of a staff group (a rename by the publisher): a series continues across it."""

    alias: str = pa.Field(unique=True, description="the name as some file writes it")
    staff_group: str = pa.Field(description="the staff group in staff_groups.csv it is")
    first_seen: str = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}$")
    last_seen: str = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}$")
    evidence: str = pa.Field(description="where the rename was seen")


class OrganisationChange(pa.DataFrameModel):
    """An organisation that closed or merged: from `closed_from` it is no longer expected to report."""

    org_code: str = pa.Field(unique=True, str_matches=r"^[A-Z0-9]{3,5}$")
    closed_from: str = pa.Field(str_matches=r"^\d{4}-\d{2}$", description="first month it no longer reports")
    successor_code: str = pa.Field(
        nullable=True, str_matches=r"^[A-Z0-9]{3,5}$", description="the organisation it merged into"
    )
    change: str = pa.Field(isin=["merger", "closure"])
    evidence: str

    @pa.dataframe_check(name="a_merger_has_a_successor")
    def a_merger_has_a_successor(cls, data) -> pl.LazyFrame:
        merger = pl.col("change") == "merger"
        return data.lazyframe.select(~merger | pl.col("successor_code").is_not_null())


class AggregationRule(pa.DataFrameModel):
    """Organisations that count into fewer area levels than their codes suggest (README "Aggregation")."""

    match_column: str = pa.Field(isin=["org_code", "icb_code", "region_code", "cluster_group"])
    match_value: str
    into_icb: bool
    into_region: bool
    into_england: bool
    why: str


def _contract(name: str, model: type[pa.DataFrameModel]) -> Contract:
    types = {
        "str": pl.Utf8,
        "string": pl.Utf8,
        "boolean": pl.Boolean,
        "bool": pl.Boolean,
        "float64": pl.Float64,
    }
    columns = {c: types.get(str(col.dtype).lower(), pl.Utf8) for c, col in model.to_schema().columns.items()}
    return Contract(name=name, columns=columns, model=model)


REFERENCE_CONTRACTS: dict[str, Contract] = {
    "organisations": _contract("organisations", Organisation),
    "icbs": _contract("icbs", Icb),
    "absence_reasons": _contract("absence_reasons", AbsenceReason),
    "staff_groups": _contract("staff_groups", StaffGroup),
    "survey_questions": _contract("survey_questions", SurveyQuestion),
    "survey_scales": _contract("survey_scales", SurveyScale),
    "expected_submitters": _contract("expected_submitters", ExpectedSubmitter),
    "staff_group_aliases": _contract("staff_group_aliases", StaffGroupAlias),
    "organisation_changes": _contract("organisation_changes", OrganisationChange),
    "aggregation_rules": _contract("aggregation_rules", AggregationRule),
}

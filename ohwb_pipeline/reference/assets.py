"""Reference tables as unpartitioned assets, each validated by its own pandera model."""

from pathlib import Path

import dagster as dg
import polars as pl

from ohwb_pipeline.core.lake import Lake, file_sha256
from ohwb_pipeline.core.metadata import column_schema
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.reference.load import (
    ReferenceDataError,
    read_reference,
    validate_reference_csv,
    write_reference,
)
from ohwb_pipeline.reference.schemas import REFERENCE_CONTRACTS

GROUP = "reference"


def _publish(
    settings: OhwbSettings, name: str, source: Path | None = None, **isin: list[str]
) -> dg.MaterializeResult:
    contract = REFERENCE_CONTRACTS[name]
    source = source or settings.reference_dir / f"{name}.csv"
    frame = validate_reference_csv(source, contract, **isin)
    target = Lake(settings.root).reference_table(name)
    write_reference(frame, target)
    return dg.MaterializeResult(
        # The data version is the source file's content: re-materialising an unchanged file (the survey
        # and ROI jobs include the tables they read) leaves every downstream asset up to date in the UI.
        data_version=source_version(source),
        metadata={
            "dagster/row_count": frame.height,
            "dagster/column_schema": column_schema(contract.model),
            "source": str(source),
            "path": str(target),
        },
    )


def source_version(source: Path) -> dg.DataVersion:
    return dg.DataVersion(file_sha256(source)[:16])


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def icbs(settings: OhwbSettings) -> dg.MaterializeResult:
    """The 42 Integrated Care Boards and their 7 NHS England regions."""
    return _publish(settings, "icbs")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[icbs])
def organisations(settings: OhwbSettings) -> dg.MaterializeResult:
    """NHS trusts (ODS codes) with their host ICB; every host ICB must exist in `icbs`."""
    known_icbs = read_reference(Lake(settings.root), "icbs").get_column("icb_code").to_list()
    return _publish(settings, "organisations", icb_code=known_icbs)


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def absence_reasons(settings: OhwbSettings) -> dg.MaterializeResult:
    """ESR sickness absence reason codes, labels and reporting groups."""
    return _publish(settings, "absence_reasons")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def staff_groups(settings: OhwbSettings) -> dg.MaterializeResult:
    """NHS workforce staff groups (level 2) and their level-1 parents."""
    return _publish(settings, "staff_groups")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def survey_scales(settings: OhwbSettings) -> dg.MaterializeResult:
    """NHS Staff Survey response codes and labels for each answer scale."""
    return _publish(settings, "survey_scales")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[survey_scales])
def survey_questions(settings: OhwbSettings) -> dg.MaterializeResult:
    """Survey questions, their scale and the answer codes that count towards each indicator.

    Every question's scale must exist and every indicator code must be a code of that scale, so a
    question added to the catalogue is checked before any survey is read with it.
    """
    scales = read_reference(Lake(settings.root), "survey_scales")
    result = _publish(settings, "survey_questions", scale=scales["scale"].unique().to_list())
    questions = read_reference(Lake(settings.root), "survey_questions")
    codes = scales.group_by("scale").agg(pl.col("code"))
    known = dict(codes.iter_rows())
    bad = [
        q
        for q, scale, indicator in questions.select("question_id", "scale", "indicator_codes").iter_rows()
        if not set(indicator.split(";")) <= set(known[scale])
    ]
    if bad:
        raise ReferenceDataError(
            f"survey_questions.csv: indicator codes not in the question's scale for {bad}"
        )
    return result


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[organisations])
def expected_submitters(settings: OhwbSettings) -> dg.MaterializeResult:
    """The trusts that must submit absence and staff-in-post extracts each month (the completeness gate).

    Shipped: every trust from 2021-04. A deployment (an ICS, a test, the demo) narrows it with
    `<data dir>/config/expected_submitters.csv` or `OHWB_EXPECTED_SUBMITTERS`; it is never inferred from
    what happened to land.
    """
    known = read_reference(Lake(settings.root), "organisations")["org_code"].to_list()
    return _publish(settings, "expected_submitters", settings.expected_submitters_path, org_code=known)


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[staff_groups])
def staff_group_aliases(settings: OhwbSettings) -> dg.MaterializeResult:
    """Other names of staff groups (the publisher's renames), so a series continues across a rename:
    data, not code. Every alias must name a staff group in `staff_groups`."""
    known = read_reference(Lake(settings.root), "staff_groups")["staff_group"].to_list()
    return _publish(settings, "staff_group_aliases", staff_group=known)


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def organisation_changes(settings: OhwbSettings) -> dg.MaterializeResult:
    """Organisations that merged or closed, from which month, into which successor, with the evidence.

    A recorded change ends the organisation's expectation to report and rebases its successor's SPC
    series at the merger month. Shipped: the changes the real publication shows (January 2023 to June
    2025); a deployment records its own in `<data dir>/config/organisation_changes.csv`."""
    return _publish(
        settings, "organisation_changes", settings.config_or_reference("organisation_changes.csv")
    )


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"})
def aggregation_rules(settings: OhwbSettings) -> dg.MaterializeResult:
    """Which organisations count into ICB, region and England aggregates (default: every organisation
    into every level its codes name). Shipped: special bodies (ICS code QZZ) count into England only; a
    deployment sets its own in `<data dir>/config/aggregation_rules.csv`."""
    return _publish(settings, "aggregation_rules", settings.config_or_reference("aggregation_rules.csv"))


reference_assets = [
    staff_group_aliases,
    organisation_changes,
    aggregation_rules,
    expected_submitters,
    icbs,
    organisations,
    absence_reasons,
    staff_groups,
    survey_scales,
    survey_questions,
]

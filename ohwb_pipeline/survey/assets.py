"""Yearly NHS Staff Survey assets: validated responses, suppressed indicators, and the ICS scorecard.

Partitions are survey years (`2023` is the survey fielded in autumn 2023). Every asset reads
`context.partition_time_window`, so a backfill of several years is one run.
"""

import dagster as dg
import polars as pl

from ohwb_pipeline.absence.assets import workforce_facts
from ohwb_pipeline.core import checks_per_month, duck
from ohwb_pipeline.core.lake import Lake, existing_partitions, table_glob
from ohwb_pipeline.core.metadata import markdown_preview
from ohwb_pipeline.core.partitions import single_run, yearly_survey_partitions, years_in_window
from ohwb_pipeline.core.publishing import TableUpdate, contract_spec, publish_table
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.ingest import checks as ingest_checks
from ohwb_pipeline.ingest.asset import ingest_periods
from ohwb_pipeline.reference.assets import icbs, organisations, staff_groups, survey_questions, survey_scales
from ohwb_pipeline.reference.load import read_reference
from ohwb_pipeline.survey import checks
from ohwb_pipeline.survey.contracts import CONTRACTS
from ohwb_pipeline.survey.indicators import answers_in_responses, indicators_for_year, previous_year
from ohwb_pipeline.survey.schemas import response_contract, response_schema
from ohwb_pipeline.survey.suppression import ALL_GROUPS

GROUP = "survey"


def _monthly(asset: dg.AssetsDefinition | str) -> dg.AssetDep:
    """A yearly asset reading a monthly one: Dagster maps survey year Y to the months of Y. Months
    before April 2021 do not exist, so they must not count as missing (the 2021 survey reads
    October 2021 weights; the scorecard reads April Y to March Y+1 itself)."""
    return dg.AssetDep(
        asset, partition_mapping=dg.TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True)
    )


@dg.asset(
    partitions_def=yearly_survey_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[organisations, staff_groups, survey_questions, survey_scales],
    check_specs=ingest_checks.ingest_check_specs("survey_responses", yearly_survey_partitions),
    kinds={"pandera", "duckdb", "parquet"},
)
def survey_responses(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Staff survey responses from `landing/survey/<YYYY>/<ORG>.csv`, validated against the question
    catalogue, with respondent ids pseudonymised."""
    lake = Lake(settings.root)
    questions = read_reference(lake, "survey_questions")
    allowed = {
        "org_code": read_reference(lake, "organisations")["org_code"].to_list(),
        "staff_group": read_reference(lake, "staff_groups")["staff_group"].to_list(),
    }
    schema = response_schema(questions, read_reference(lake, "survey_scales"), allowed)
    years = years_in_window(context.partition_time_window)
    yield from ingest_periods(context, settings, response_contract(questions), "survey", years, schema)


@dg.asset(
    partitions_def=yearly_survey_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[survey_responses, organisations, icbs, survey_questions, _monthly(workforce_facts)],
    check_specs=[
        contract_spec("survey_indicators", partitions_def=yearly_survey_partitions),
        *checks.specs("survey_indicators"),
    ],
    kinds={"duckdb", "parquet"},
)
def survey_indicators(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """% of valid answers in each question's indicator codes, per year x level x area x staff group,
    with leak-proof small-number suppression and a staff-mix weighted value next to the pooled one."""
    years = years_in_window(context.partition_time_window)
    parts, totals = [], []
    for year in years:
        rows, england = indicators_for_year(settings, year)
        parts.append(rows)
        totals.append(england)
        weighting = rows["weighting_period"][0] if rows.height else None
        if rows.height and weighting is None:
            context.log.warning(f"survey {year}: no staff in post near October {year}; pct_weighted is null")
        context.log.info(
            f"survey {year}: {rows.height:,} cells, {int(rows['suppressed'].sum()):,} suppressed, "
            f"weights from {weighting}"
        )
    frame = pl.concat(parts)
    # Each year of the run has its own result (core/checks_per_month.py); any failing year stops all.
    leaks = [(y, checks.no_recoverable_cells(_year(frame, y))) for y in years]
    if not all(r.passed for _, r in leaks):
        yield from checks_per_month.emit(context, leaks)
        raise checks.SuppressionLeak("a suppressed survey cell is recoverable; nothing was published")
    questions = read_reference(Lake(settings.root), "survey_questions")["question_id"].to_list()
    totals_all, answered = pl.concat(totals), answers_in_responses(settings, years, questions)
    reconciled = [(y, checks.responses_reconcile(_year(totals_all, y), _year(answered, y))) for y in years]
    if not all(r.passed for _, r in reconciled):
        yield from checks_per_month.emit(context, [*leaks, *reconciled])
        raise checks.CountsDoNotReconcile(
            "survey counts do not match the accepted responses; nothing was published"
        )
    headline = frame.filter(pl.col("level") == "england", pl.col("staff_group") == ALL_GROUPS).select(
        "year", "question_id", "n_valid", "pct", "pct_weighted"
    )
    extra = {
        "suppressed_cells": int(frame["suppressed"].sum()),
        "england_all_staff_groups": markdown_preview(headline, rows=60),
    }
    update = TableUpdate("survey_indicators", CONTRACTS["survey_indicators"], frame, years)
    yield from publish_table(context, Lake(settings.root), update, extra)
    current = frame.select("year", "level", "area_code", "staff_group", "question_id", "n_valid", "pct")
    history = pl.concat([previous_year(settings, years), current])
    shifts = [(y, checks.year_on_year(_year(current, y), history)) for y in years]
    # After the materialisation, so each year's results target this run's.
    yield from checks_per_month.emit(context, [*leaks, *reconciled, *shifts])


def _year(frame: pl.DataFrame, year: str) -> pl.DataFrame:
    return frame.filter(pl.col("year").cast(pl.Utf8) == year)


@dg.asset(
    partitions_def=yearly_survey_partitions,
    backfill_policy=single_run,
    group_name=GROUP,
    deps=[survey_indicators, _monthly("ics_indicators")],
    check_specs=[contract_spec("ics_wellbeing_scorecard", partitions_def=yearly_survey_partitions)],
    kinds={"duckdb", "parquet"},
)
def ics_wellbeing_scorecard(context: dg.AssetExecutionContext, settings: OhwbSettings):
    """Each ICB's survey indicators next to its absence indicators for the same financial year."""
    lake = Lake(settings.root)
    years = years_in_window(context.partition_time_window)
    ics_table = lake.published_table("ics_indicators")
    if existing_partitions(ics_table):
        ics_rows = pl.read_parquet(table_glob(ics_table), hive_partitioning=True).with_columns(
            pl.col("period").cast(pl.Utf8)
        )
    else:
        context.log.warning("ics_indicators is not published yet: the scorecard's absence columns are null")
        ics_rows = pl.DataFrame(
            schema={
                "period": pl.Utf8,
                "level": pl.Utf8,
                "area_code": pl.Utf8,
                "indicator": pl.Utf8,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
            }
        )
    con = duck.connect(settings)
    con.register("ics_rows", ics_rows)
    params = {
        "survey_indicators": table_glob(lake.published_table("survey_indicators")),
        "first": years[0],
        "last": years[-1],
    }
    frame = con.sql(duck.load_sql(__file__, "ics_wellbeing_scorecard"), params=params).pl()
    preview = frame.sort("year", "work_stress_pct", descending=[False, True]).select(
        "year", "area_name", "mental_health_absence_rate", "work_stress_pct", "absence_months"
    )
    extra = {"preview": markdown_preview(preview, rows=50)}
    update = TableUpdate("ics_wellbeing_scorecard", CONTRACTS["ics_wellbeing_scorecard"], frame, years)
    yield from publish_table(context, lake, update, extra)


survey_assets = [survey_responses, survey_indicators, ics_wellbeing_scorecard]

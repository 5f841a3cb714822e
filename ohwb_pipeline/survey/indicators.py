"""One survey year's indicators: count the answers (SQL), suppress (Python), weight (SQL), and the
inputs the checks compare them with."""

import polars as pl

from ohwb_pipeline.core import duck
from ohwb_pipeline.core.lake import Lake, existing_partitions, partition_file, table_glob
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.survey.suppression import ALL_GROUPS, suppress

WEIGHTING_MONTH = 10  # the survey is fielded in the autumn; October's staff in post are the weights


def weighting_period(available: list[str], year: str) -> str | None:
    """The staff-in-post month nearest the survey's October (the later one on a tie), within a year of it."""
    target = int(year) * 12 + WEIGHTING_MONTH - 1

    def distance(period: str) -> tuple[int, int]:
        index = int(period[:4]) * 12 + int(period[5:7]) - 1
        return abs(index - target), -index

    near = [p for p in available if distance(p)[0] <= 12]
    return min(near, key=distance) if near else None


def _weights(lake: Lake, period: str | None) -> pl.DataFrame:
    table = lake.warehouse_table("workforce_facts")
    if period is None:
        return pl.DataFrame(schema={"org_code": pl.Utf8, "staff_group": pl.Utf8, "headcount": pl.Int64})
    return pl.read_parquet(partition_file(table, period)).select("org_code", "staff_group", "headcount")


def indicators_for_year(settings: OhwbSettings, year: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(published rows for the year, unsuppressed England All-staff-groups n_valid per question)."""
    lake = Lake(settings.root)
    con = duck.connect(settings)
    inputs = {
        "organisations": str(lake.reference_table("organisations")),
        "icbs": str(lake.reference_table("icbs")),
        "survey_questions": str(lake.reference_table("survey_questions")),
        "year": year,
    }
    responses = table_glob(lake.warehouse_table("survey_responses"))
    cells = con.sql(duck.load_sql(__file__, "survey_cells"), params={**inputs, "responses": responses}).pl()
    flagged = pl.concat(
        [
            block.with_columns(suppress(block))
            for _, block in cells.group_by("question_id", maintain_order=True)
        ]
        or [cells.with_columns(pl.lit(False).alias("suppressed"))]
    )
    period = weighting_period(existing_partitions(lake.warehouse_table("workforce_facts")), year)
    con.register("cells", flagged)
    con.register("weights", _weights(lake, period))
    rows = con.sql(
        duck.load_sql(__file__, "survey_indicators"), params={**inputs, "weighting_period": period}
    ).pl()
    totals = cells.filter(pl.col("level") == "england", pl.col("staff_group") == ALL_GROUPS).select(
        pl.lit(year).alias("year"), "question_id", pl.col("n_valid").alias("n")
    )
    return rows, totals


def answers_in_responses(settings: OhwbSettings, years: list[str], questions: list[str]) -> pl.DataFrame:
    table = Lake(settings.root).warehouse_table("survey_responses")
    parts = []
    for year in years:
        path = partition_file(table, year, "year")
        if not path.exists():
            continue
        responses = pl.scan_parquet(path)
        present = [q for q in questions if q in responses.collect_schema().names()]
        counts = responses.select(pl.col(present).count()).collect()
        parts.append(
            counts.unpivot(variable_name="question_id", value_name="n").with_columns(
                pl.lit(year).alias("year"), pl.col("n").cast(pl.Int64)
            )
        )
    empty = pl.DataFrame(schema={"question_id": pl.Utf8, "n": pl.Int64, "year": pl.Utf8})
    return pl.concat([empty, *parts]).filter(pl.col("n") > 0).select("year", "question_id", "n")


def previous_year(settings: OhwbSettings, years: list[str]) -> pl.DataFrame:
    table = Lake(settings.root).published_table("survey_indicators")
    before = str(int(years[0]) - 1)
    path = partition_file(table, before, "year")
    columns = ["level", "area_code", "staff_group", "question_id", "n_valid", "pct"]
    if not path.exists():
        return pl.DataFrame(
            schema={
                "year": pl.Utf8,
                **dict.fromkeys(columns[:-2], pl.Utf8),
                "n_valid": pl.Int64,
                "pct": pl.Float64,
            }
        )
    return pl.read_parquet(path).select(pl.lit(before).alias("year"), *columns)

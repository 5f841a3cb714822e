"""Hand-written survey files and staff-in-post weights, and a survey_yearly run over them."""

from pathlib import Path

import dagster as dg
import polars as pl

from ohwb_pipeline.core.lake import replace_partition
from ohwb_pipeline.core.resources import OhwbSettings


def land_survey(root: Path, year: int, org: str, groups: dict[str, dict[str, list]]) -> Path:
    """`groups`: staff group -> {question: answer codes, "" for blank}; one respondent per position."""
    rows = []
    for group, answers in groups.items():
        n = len(next(iter(answers.values())))
        for i in range(n):
            rows.append(
                {
                    "org_code": org,
                    "respondent_id": f"{org}-{group[:3]}-{i:04d}",
                    "staff_group": group,
                    **{q: str(codes[i]) for q, codes in answers.items()},
                }
            )
    folder = root / "landing" / "survey" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{org}.csv"
    pl.DataFrame(rows).write_csv(path)
    return path


def yes_no(yes: int, total: int) -> list[int]:
    """q11c answers: `yes` code-1 answers, then code-2 answers up to `total`."""
    return [1] * yes + [2] * (total - yes)


def write_weights(root: Path, period: str, headcounts: list[tuple[str, str, int]]) -> None:
    """A workforce_facts partition holding only what the weighting reads."""
    frame = pl.DataFrame(headcounts, schema=["org_code", "staff_group", "headcount"], orient="row")
    table = root / "warehouse" / "workforce_facts"
    with replace_partition(table, period) as path:
        frame.write_parquet(path)


def run_survey_year(root: Path, year: int) -> dg.ExecuteInProcessResult:
    from ohwb_pipeline.definitions import defs

    job = defs.resolve_job_def("survey_yearly")
    return job.execute_in_process(
        partition_key=str(year),
        resources={"settings": OhwbSettings(data_dir=str(root))},
        raise_on_error=False,
    )


def published(root: Path, table: str = "survey_indicators") -> pl.DataFrame:
    return pl.read_parquet(
        root / "published" / table / "*" / "*.parquet", hive_partitioning=True
    ).with_columns(pl.col("year").cast(pl.Utf8))


def cell(frame: pl.DataFrame, level: str, area: str, group: str, question: str) -> dict:
    [row] = frame.filter(
        pl.col("level") == level,
        pl.col("area_code") == area,
        pl.col("staff_group") == group,
        pl.col("question_id") == question,
    ).to_dicts()
    return row


def checks_by_name(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], bool]:
    return {
        (e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()
    }

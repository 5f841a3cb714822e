"""Real NHS England files (shipped reference data, OGL) landed into temporary data folders and run."""

import gzip
import io
from pathlib import Path

import dagster as dg
import polars as pl

from ohwb_pipeline.realdata.shipped import land_shipped, shipped_files
from ohwb_pipeline.reference.expected import write_expected_submitters
from ohwb_pipeline_tests.conftest import range_tags, run_absence_job

REAL_FIRST, REAL_LAST = "2023-01", "2025-06"
PUBLISHED_TABLES = [
    "absence_benchmark",
    "absence_by_reason",
    "ics_indicators",
    "data_completeness",
    "spc_indicators",
]


def real_root(root: Path, periods: list[str] | None = None) -> Path:
    """A data folder with the shipped real months landed and no ESR trust expected."""
    land_shipped(root / "landing", periods)
    write_expected_submitters(root / "config", [])
    return root


def run_range(root: Path, first: str, last: str, **kwargs) -> dg.ExecuteInProcessResult:
    return run_absence_job(root, tags=range_tags(first, last), **kwargs)


def published_file(root: Path, period: str) -> Path:
    return next((root / "landing" / "published_rates" / period).glob("*.csv"))


def shipped_month(period: str) -> pl.DataFrame:
    """A shipped benchmark month as text, exactly as the publisher wrote it."""
    with gzip.open(shipped_files("benchmark")[period], "rb") as f:
        return pl.read_csv(io.BytesIO(f.read()), infer_schema=False)


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.asset_check_key.to_user_string(): e for e in result.get_asset_check_evaluations()}

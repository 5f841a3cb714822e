"""Shared fixtures. Data is made by the project's own generator into temporary folders."""

import os
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.core.lake import replace_partition
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings
from ohwb_pipeline.reference.assets import reference_assets
from ohwb_pipeline.reference.expected import write_expected_submitters
from ohwb_pipeline.synth.generate import SynthConfig, generate

os.environ.setdefault("OHWB_PSEUDO_KEY", "test-key")

SMALL_ORGS = ["RJ1", "RN7", "RRE"]
SMALL_FIRST, SMALL_LAST = "2024-01", "2024-03"


def range_tags(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": f"{first}-01",
        "dagster/asset_partition_range_end": f"{last}-01",
    }


def synth_into(root: Path, expected: list[str] | None = None, **overrides) -> None:
    """Generate landing files into `root`, and list the generated trusts (or `expected`) as the ones
    expected to submit, as a deployment running a few trusts would."""
    config = {
        "out": root / "landing",
        "first_month": SMALL_FIRST,
        "last_month": SMALL_LAST,
        "reference_dir": SHIPPED_REFERENCE,
        "orgs": SMALL_ORGS,
        "size_factor": 0.05,
        **overrides,
    }
    summary = generate(SynthConfig(**config))
    write_expected_submitters(root / "config", expected if expected is not None else summary.orgs)


def materialize_reference(root: Path) -> None:
    assert dg.materialize(reference_assets, resources={"settings": OhwbSettings(data_dir=str(root))}).success


def run_absence_job(root: Path, **kwargs) -> dg.ExecuteInProcessResult:
    from ohwb_pipeline.definitions import defs

    job = defs.resolve_job_def("absence_monthly")
    resources = {"settings": OhwbSettings(data_dir=str(root))}
    return job.execute_in_process(resources=resources, **kwargs)


def read_table(table_root: Path) -> pl.DataFrame:
    return pl.read_parquet(table_root / "*" / "*.parquet", hive_partitioning=True).with_columns(
        pl.col("period").cast(pl.Utf8)
    )


def write_partition(table_root: Path, period: str, frame: pl.DataFrame) -> None:
    with replace_partition(table_root, period) as path:
        frame.write_parquet(path)


@pytest.fixture(scope="session")
def small_pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """Three trusts x three months with injected faults, materialised once as a single-run backfill."""
    root = tmp_path_factory.mktemp("small")
    synth_into(root, faults=10)
    result = run_absence_job(root, tags=range_tags(SMALL_FIRST, SMALL_LAST))
    assert result.success
    return root, result


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from ohwb_pipeline_tests.scheduling import queue_rank

    # A stable sort: each module's tests stay together and in their order.
    items.sort(key=lambda item: queue_rank(item.nodeid))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    from ohwb_pipeline_tests.scheduling import work_unit

    class SlowFirstScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid) or super()._split_scope(nodeid)

    return SlowFirstScheduling(config, log)

"""The benchmark cases of issue 5. Each returns plain dicts that go into results/latest.json."""

import os
import sys
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import polars as pl

from benchmarks import pandas_baseline
from benchmarks.measure import repeat, run_process
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE, OhwbSettings

PSEUDO_KEY = "benchmark-key"


def scan_floor(landing: Path, period: str, runs: int) -> dict:
    """The least work any pipeline must do: read every landing CSV of the month once."""
    files = sorted(str(p) for p in (landing / "absence" / period).glob("*.csv")) + sorted(
        str(p) for p in (landing / "staff_in_post" / period).glob("*.csv")
    )

    def polars_text() -> int:
        return sum(pl.read_csv(f, infer_schema=False).height for f in files)

    def duckdb_declared() -> int:
        con = duckdb.connect()
        total = 0
        for extract in ("absence", "staff_in_post"):
            columns = {
                c: "VARCHAR"
                for c in pl.read_csv(files[0] if extract == "absence" else files[-1], n_rows=0).columns
            }
            total += con.sql(
                "SELECT count(*) FROM read_csv($g, header = true, columns = $c)",
                params={"g": str(landing / extract / period / "*.csv"), "c": columns},
            ).fetchall()[0][0]
        return total

    polars_result = repeat(polars_text, runs)
    duck_result = repeat(duckdb_declared, runs)
    best = min(
        (polars_result, "polars read_csv (text)"),
        (duck_result, "duckdb read_csv (declared columns)"),
        key=lambda pair: pair[0]["median_s"],
    )
    return {
        **best[0],
        "method": best[1],
        "polars_median_s": polars_result["median_s"],
        "duckdb_median_s": duck_result["median_s"],
        "files": len(files),
        "bytes": sum(os.path.getsize(f) for f in files),
    }


def pipeline_compute(data_dir: Path, period: str, runs: int) -> dict:
    """Every absence asset for one month, in-process through dg.materialize (start-up excluded)."""
    from ohwb_pipeline.definitions import defs

    os.environ["OHWB_PSEUDO_KEY"] = PSEUDO_KEY
    job = defs.resolve_job_def("absence_monthly")
    resources = {"settings": OhwbSettings(data_dir=str(data_dir))}
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    last: dict = {}

    def once() -> None:
        instance = dg.DagsterInstance.ephemeral()
        result = job.execute_in_process(
            resources=resources, partition_key=f"{period}-01", instance=instance, run_config=quiet
        )
        assert result.success
        last["steps"] = {
            s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(result.run_id)
        }
        last["ingest"] = {}
        for asset in ("absence_episodes", "staff_in_post"):
            meta = result.asset_materializations_for_node(asset)[0].metadata
            last["ingest"][asset] = {
                k.removeprefix("seconds_"): v.value for k, v in meta.items() if k.startswith("seconds_")
            }

    timing = repeat(once, runs)
    return {**timing, **_stage_shares(last)}


def _stage_shares(last: dict) -> dict:
    steps = last["steps"]
    stages = {"read": 0.0, "validate": 0.0, "pseudonymise_and_write": 0.0, "quarantine_and_log": 0.0}
    for ingest in last["ingest"].values():
        for stage, spent in ingest.items():
            stages[stage] = stages.get(stage, 0.0) + spent
    ingest_total = steps.get("absence_episodes", 0) + steps.get("staff_in_post", 0)
    stages["ingest_other"] = max(0.0, ingest_total - sum(stages.values()))
    stages["reference"] = sum(
        steps.get(k, 0) for k in ("organisations", "icbs", "absence_reasons", "staff_groups")
    )
    stages["transform_facts"] = steps.get("absence_facts", 0) + steps.get("workforce_facts", 0)
    stages["publish"] = sum(steps.get(k, 0) for k in ("org_month_status", "absence_publication"))
    total = sum(stages.values())
    return {"stage_seconds": stages, "stage_share": {k: v / total for k, v in stages.items()}, "steps": steps}


def hmac_micro(landing: Path, period: str) -> dict:
    """HMAC of every staff id of the month: a Python loop against the pipeline's polars-hash expression."""
    import hashlib
    import hmac

    from ohwb_pipeline.ingest.pseudonymise import hmac_expr

    files = sorted((landing / "staff_in_post" / period).glob("*.csv"))
    ids = pl.concat([pl.read_csv(p, infer_schema=False, columns=["employee_id"]) for p in files])
    key = PSEUDO_KEY.encode()
    values = ids["employee_id"].to_list()
    python = repeat(lambda: [hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values], 1)
    compiled = repeat(lambda: ids.select(hmac_expr("employee_id", key)), 3)
    return {
        "ids": len(values),
        "python_loop_s": python["median_s"],
        "polars_hash_s": compiled["median_s"],
        "polars_hash_cpu_s": compiled["cpu_s"],
    }


def pandas_peer(data_dir: Path, period: str, runs: int) -> dict:
    """Same method in pandas; asserts it produces the pipeline's benchmark table."""
    table: dict = {}

    def once() -> None:
        table["pandas"] = pandas_baseline.benchmark_table(
            data_dir / "landing", SHIPPED_REFERENCE, period, PSEUDO_KEY.encode()
        )

    timing = repeat(once, runs)
    published = pl.read_parquet(
        data_dir / "published" / "absence_benchmark" / f"period={period}" / "part-0.parquet"
    )
    ours = (
        published.select(
            "ORG_CODE",
            "STAFF_GROUP",
            "ICB_CODE",
            "FTE_DAYS_LOST",
            "FTE_DAYS_AVAILABLE",
            "SICKNESS_ABSENCE_RATE_PERCENT",
        )
        .sort("ORG_CODE", "STAFF_GROUP")
        .to_pandas()
    )
    theirs = table["pandas"]
    assert list(ours["ORG_CODE"]) == list(theirs["ORG_CODE"]), "same rows"
    assert list(ours["STAFF_GROUP"]) == list(theirs["STAFF_GROUP"])
    for column in ("FTE_DAYS_LOST", "FTE_DAYS_AVAILABLE"):
        np.testing.assert_allclose(
            ours[column].to_numpy(dtype=float),
            theirs[column].to_numpy(dtype=float),
            rtol=1e-9,
            equal_nan=True,
        )
    rate_gap = (ours["SICKNESS_ABSENCE_RATE_PERCENT"] - theirs["SICKNESS_ABSENCE_RATE_PERCENT"]).abs().max()
    assert pd.isna(rate_gap) or rate_gap <= 0.010001, f"rates differ by {rate_gap}"
    return {
        **timing,
        "rows_compared": len(ours),
        "identical_output": True,
        "max_rate_gap": float(rate_gap or 0),
    }


def cli_run(data_dir: Path, first: str, last: str) -> dict:
    """`dagster job execute` for a range as one run: a real process, Dagster start-up included."""
    data_dir = data_dir.resolve()
    home = data_dir / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        "OHWB_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(home),
        "OHWB_PSEUDO_KEY": PSEUDO_KEY,
    }
    tags = (
        f'{{"dagster/partition": "{first}-01"}}'
        if first == last
        else f'{{"dagster/asset_partition_range_start": "{first}-01", '
        f'"dagster/asset_partition_range_end": "{last}-01"}}'
    )
    command = [
        sys.executable,
        "-m",
        "dagster",
        "job",
        "execute",
        "-m",
        "ohwb_pipeline.definitions",
        "-j",
        "absence_monthly",
        "--tags",
        tags,
    ]
    return run_process(command, env, str(data_dir))

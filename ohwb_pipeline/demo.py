"""`ohwb demo` (what `make run` does): generate the demo landing data, materialise the whole absence
pipeline through Dagster as one single-run backfill, and print a short summary."""

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from ohwb_pipeline.duck import load_sql
from ohwb_pipeline.lake import Lake
from ohwb_pipeline.resources import SHIPPED_REFERENCE, data_dir_from_env
from ohwb_pipeline.roi.report import print_roi
from ohwb_pipeline.synth.generate import GENERATOR_VERSION, SynthConfig, generate
from ohwb_pipeline.synth.scenarios import read_scenarios

DEMO_ICBS = ["QRL", "QOP", "QKK", "QKS", "QNC", "QRV", "QK1"]
DEMO_FIRST, DEMO_LAST = "2021-04", "2025-03"
DEMO_SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "case_studies.csv"
DEMO_REGISTER = Path(__file__).resolve().parent.parent / "data" / "interventions" / "case_studies.csv"
# MFT runs at full size so that its injected MSK effect is the case study's ~2,900 FTE days a year.
DEMO_FULL_SIZE = {"R0A": 1.0}
PUBLISHED = ["absence_benchmark", "absence_by_reason", "ics_indicators"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="generate demo data and materialise everything through Dagster")
    p.add_argument(
        "--size-factor", type=float, default=0.1, help="trust size scale (default 0.1; MFT runs at 1.0)"
    )
    p.add_argument(
        "--faults",
        type=int,
        default=5,
        help="bad rows injected per extract per month and per survey year (default 5)",
    )
    p.add_argument("--from", dest="first", default=DEMO_FIRST)
    p.add_argument("--to", dest="last", default=DEMO_LAST)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    lake = Lake(data_dir_from_env())
    _land_demo_data(lake, args)
    result = _materialise("absence_monthly", f"{args.first}-01", f"{args.last}-01")
    if not result.success:
        raise SystemExit("the absence pipeline run failed; see the log above")
    roi = _materialise("roi_refresh")
    if not roi.success:
        raise SystemExit("the ROI run failed; see the log above")
    _print_summary(lake, result, time.perf_counter() - began)
    print_roi(lake)


def _land_demo_data(lake: Lake, args: argparse.Namespace) -> None:
    config = {
        "icbs": DEMO_ICBS,
        "from": args.first,
        "to": args.last,
        "size_factor": args.size_factor,
        "faults": args.faults,
        "scenarios": DEMO_SCENARIOS.read_text(),
        "overrides": DEMO_FULL_SIZE,
        "generator": GENERATOR_VERSION,
    }
    register = lake.landing / "interventions" / DEMO_REGISTER.name
    register.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEMO_REGISTER, register)
    marker = lake.landing / ".demo.json"
    if marker.exists() and json.loads(marker.read_text()) == config:
        print(f"demo landing data already in {lake.landing} (same settings): not regenerated")
        return
    summary = generate(
        SynthConfig(
            out=lake.landing,
            first_month=args.first,
            last_month=args.last,
            reference_dir=SHIPPED_REFERENCE,
            icbs=DEMO_ICBS,
            size_factor=args.size_factor,
            size_overrides=DEMO_FULL_SIZE,
            scenarios=read_scenarios(DEMO_SCENARIOS),
            faults=args.faults,
        )
    )
    marker.write_text(json.dumps(config))
    print(f"generated {len(summary.months)} months x {len(summary.orgs)} trusts in {summary.seconds:.1f}s")


def _materialise(
    job_name: str, first: str | None = None, last: str | None = None
) -> dg.ExecuteInProcessResult:
    from ohwb_pipeline.definitions import defs

    # With DAGSTER_HOME set (the Makefile sets it) the run is recorded, so `make ui` shows it.
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def(job_name)
    tags = (
        {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        if first
        else {}
    )
    quiet = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    return job.execute_in_process(instance=instance, tags=tags, raise_on_error=False, run_config=quiet)


def _print_summary(lake: Lake, result: dg.ExecuteInProcessResult, seconds: float) -> None:
    logs = pl.read_parquet(lake.warehouse / "ingest_log" / "*" / "*" / "*.parquet", hive_partitioning=True)
    logs = logs.with_columns(pl.col("source_file").str.split("/").list.get(1).alias("extract"))
    counts = (
        logs.group_by("extract")
        .agg(
            pl.col("period").n_unique().alias("months"),
            pl.col("org_code").n_unique().alias("trusts"),
            pl.col("rows_accepted").sum(),
            pl.col("rows_quarantined").sum(),
            (pl.col("status") == "unreadable").sum().alias("unreadable_files"),
        )
        .sort("extract")
    )
    by_year = duckdb.sql(
        load_sql(__file__, "rate_by_financial_year"),
        params={"path": str(lake.published_table("ics_indicators") / "*" / "*.parquet")},
    ).pl()
    by_year = by_year.rename({"rate_percent": "rate_percent_all_demo_trusts"})
    failed_checks = [
        e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations() if not e.passed
    ]
    print("\n=== OHWB demo: absence pipeline ===")
    print(f"run {result.run_id} finished in {seconds:.0f}s")
    with pl.Config(tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, tbl_width_chars=120):
        print(counts)
        print(by_year)
    print(f"checks that warned or failed: {', '.join(failed_checks) or 'none'}")
    print(f"published Parquet ({', '.join(PUBLISHED)}):")
    print(f"  {lake.published}/<table>/period=YYYY-MM/part-0.parquet")
    print(f"manifest: {lake.manifest_path}")
    print(f"quarantined rows: {lake.warehouse / 'quarantine'}")
    print("explore: make ui   (Dagster UI at http://127.0.0.1:3000)")

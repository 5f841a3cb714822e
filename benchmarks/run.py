"""`make bench`: the national-scale benchmark of issue 5 (method and figures in BENCHMARKS.md).

Every case is measured in the same run, so the ratios between them are meaningful on a noisy machine.
`--smoke` runs every case at a tiny size, which the test suite uses to keep the harness from rotting.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks import cases
from benchmarks.datasets import Dataset, landing_for, run_dir
from benchmarks.report import render
from ohwb_pipeline.core.resources import data_dir_from_env

FULL = {
    "month": "2024-01",
    "national_1m": Dataset("national_1m", "2024-01", "2024-01", 1.0),
    "scaling": [
        Dataset("national_10pct", "2024-01", "2024-01", 0.1),
        Dataset("national_50pct", "2024-01", "2024-01", 0.5),
    ],
    "national_36m": Dataset("national_36m", "2021-04", "2024-03", 1.0),
    "range_12m": ("2023-04", "2024-03"),
    "range_36m": ("2021-04", "2024-03"),
    "runs": 3,
}
SMOKE = {
    "month": "2024-01",
    "national_1m": Dataset("smoke_1m", "2024-01", "2024-01", 0.004),
    # No extra scaling size: its two calls are the ones cases 2 and 5 already make (two processes less);
    # the scaling table still gets the one-month case's row.
    "scaling": [],
    "national_36m": Dataset("smoke_3m", "2023-11", "2024-01", 0.004),
    # One month stands for the 12-month range: its single run and its one "per-month" run go through
    # the same code as the full comparison, at one process less.
    "range_12m": ("2024-01", "2024-01"),
    "range_36m": ("2023-11", "2024-01"),
    "runs": 1,
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="benchmarks.run")
    parser.add_argument(
        "--smoke", action="store_true", help="every case at a tiny size (seconds, not minutes)"
    )
    parser.add_argument("--root", type=Path, help="where datasets and runs live (default <data dir>/bench)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latest.json")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    root = args.root or data_dir_from_env() / "bench"
    began = time.perf_counter()
    month, runs = plan["month"], plan["runs"]
    results: dict = {
        "machine": _machine(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "smoke": args.smoke,
    }

    print("datasets (cached between runs):")
    one = landing_for(root, plan["national_1m"])
    many = landing_for(root, plan["national_36m"])

    print("1. scan floor")
    results["scan_floor"] = cases.scan_floor(one, month, runs)
    print("2. pipeline compute, one month in-process")
    compute_dir = run_dir(root, "compute_1m", one)
    results["pipeline_compute"] = cases.pipeline_compute(compute_dir, month, runs)
    results["hmac"] = cases.hmac_micro(one, month)
    print("3. pandas peer")
    results["pandas_peer"] = cases.pandas_peer(compute_dir, month, runs)
    print("   end-to-end `dagster job execute` for one month (real process)")
    results["cli_one_month"] = cases.cli_run(run_dir(root, "cli_1m", one), month, month)

    print("4/5. backfills: single run against per-month runs, with peak memory")
    results["backfill"] = {}
    for label, (first, last) in (("12m", plan["range_12m"]), ("36m", plan["range_36m"])):
        single = cases.cli_run(run_dir(root, f"single_{label}", many), first, last)
        entry = {"months": _months(first, last), "single_run": single}
        if label == "12m":
            per_dir = run_dir(root, f"per_month_{label}", many)
            per = [cases.cli_run(per_dir, m, m) for m in _month_list(first, last)]
            entry["per_month_runs"] = {
                "seconds": sum(p["seconds"] for p in per),
                "peak_rss_mib": max(p["peak_rss_mib"] for p in per),
            }
        results["backfill"][label] = entry
        print(f"   {label}: single run {single['seconds']:.1f}s")

    print("6. scaling: share of national size, one month")
    results["scaling"] = []
    for dataset in plan["scaling"]:
        landing = landing_for(root, dataset)
        timing = cases.pipeline_compute(run_dir(root, f"compute_{dataset.name}", landing), month, 1)
        process = cases.cli_run(run_dir(root, f"cli_{dataset.name}", landing), month, month)
        results["scaling"].append(
            {
                "size_factor": dataset.size_factor,
                "compute_s": timing["median_s"],
                "peak_rss_mib": process["peak_rss_mib"],
            }
        )
    results["scaling"].append(
        {
            "size_factor": plan["national_1m"].size_factor,
            "compute_s": results["pipeline_compute"]["median_s"],
            "peak_rss_mib": results["cli_one_month"]["peak_rss_mib"],
        }
    )
    results["bench_seconds"] = time.perf_counter() - began
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=float))
    print(render(results))
    print(f"wrote {args.out}")
    return results


def _month_list(first: str, last: str) -> list[str]:
    from ohwb_pipeline.synth.generate import month_starts

    return [m.strftime("%Y-%m") for m in month_starts(first, last)]


def _months(first: str, last: str) -> int:
    return len(_month_list(first, last))


def _machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


if __name__ == "__main__":
    main()
    # Leave without the interpreter's teardown: after a Dagster run and the pandas peer in one process,
    # duckdb's nanobind bindings print some 50 lines of "leaked instance" reports at shutdown, below
    # the results. Nothing is lost: the results are written and the output streams flushed first.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)

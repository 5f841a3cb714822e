"""`make first-tick`: turning the landing sensor on over 48 landed months, before and after issue 24.

Before, the first tick asked for one run per landed month (48 runs); now consecutive first landings go
out as one ranged run. Both are measured in the same invocation over the same landed files:

- the tick itself (the sensor evaluated in this process): seconds and the requests it makes;
- the runs it asks for, each launched as its own `dagster job execute` process, as the default run
  launcher does, at most `--concurrent` at once (deploy/dagster.yaml's `max_concurrent_runs`: 4):
  wall seconds until the last run ends, CPU seconds, and the peak memory of all run processes together.

"Before" is the same tick's changes turned into one request per partition, which is what the sensor
asked for before (`landing_changes` is unchanged; `run_requests` groups them now). Figures are ratios
measured in one run: the machine is noisy. `--smoke` runs two months, to keep the script from rotting.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil

from ohwb_pipeline.automation.landing_sensor import WATCHED, landing_changes, run_requests
from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.reference.expected import write_expected_submitters
from ohwb_pipeline.synth.generate import SynthConfig, generate

REPO = Path(__file__).resolve().parents[1]
TRUSTS = ["RJ1", "RN7", "RRE"]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("OHWB_DATA_DIR", "data")) / "bench")
    parser.add_argument("--first", default="2021-04")
    parser.add_argument("--last", default="2025-03", help="48 months from April 2021 by default")
    parser.add_argument("--concurrent", type=int, default=4, help="runs at once (max_concurrent_runs)")
    parser.add_argument("--smoke", action="store_true", help="two months, three small trusts")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.smoke:
        args.first, args.last = "2024-01", "2024-02"
    root = args.root.resolve() / "first_tick"
    shutil.rmtree(root, ignore_errors=True)
    landing = root / "landing"
    print(f"first tick over {args.first}..{args.last}: generating {len(TRUSTS)} trusts into {landing}")
    generate(
        SynthConfig(
            out=landing,
            first_month=args.first,
            last_month=args.last,
            reference_dir=SHIPPED_REFERENCE,
            orgs=TRUSTS,
            size_factor=0.02,
        )
    )
    began = time.perf_counter()
    absence = [spec for spec in WATCHED if spec.job_name == "absence_monthly"]
    changes = landing_changes(landing, {}, absence).requests
    after = run_requests(changes)
    tick_s = time.perf_counter() - began
    before = [tags_of_partition(partition) for _, partition, _, _ in changes]
    now = [tags_of_partition(r.partition_key) if r.partition_key else dict(r.tags) for r in after]
    results = {
        "months": len(changes),
        "concurrent": args.concurrent,
        "tick_seconds": tick_s,
        "before": launch_all("before", before, root, args.concurrent),
        "after": launch_all("after", now, root, args.concurrent),
    }
    for side in ("before", "after"):
        r = results[side]
        print(
            f"  {side:6s} {r['runs']:3d} runs: {r['wall_seconds']:6.1f} s wall, "
            f"{r['cpu_seconds']:6.1f} s CPU, peak {r['peak_rss_mib']:6.0f} MiB across run processes"
        )
    b, a = results["before"], results["after"]
    results["ratios"] = {
        "runs": b["runs"] / a["runs"],
        "wall": b["wall_seconds"] / a["wall_seconds"],
        "cpu": b["cpu_seconds"] / a["cpu_seconds"],
        "peak_rss": b["peak_rss_mib"] / a["peak_rss_mib"],
    }
    print("  before/after: " + ", ".join(f"{k} {v:.1f}x" for k, v in results["ratios"].items()))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return results


def tags_of_partition(partition: str) -> dict[str, str]:
    return {"dagster/partition": partition}


def launch_all(side: str, runs: list[dict[str, str]], root: Path, concurrent: int) -> dict:
    """Every run as its own process, at most `concurrent` at once; the published tables are checked to
    exist afterwards, so a side that failed cannot report a time."""
    data = root / side
    data.mkdir()
    os.symlink(root / "landing", data / "landing")
    write_expected_submitters(data / "config", TRUSTS)
    home = data / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\npython_logs:\n  python_log_level: INFO\n"
        "concurrency:\n  pools:\n    default_limit: 1\n"
    )
    # The storage is created once, here: four processes creating it at once race ("table job_ticks
    # already exists"), as `make dagster-home` notes.
    dg.DagsterInstance.from_config(str(home)).get_runs(limit=1)
    env = {**os.environ, "OHWB_DATA_DIR": str(data), "DAGSTER_HOME": str(home)}
    env.setdefault("OHWB_PSEUDO_KEY", "benchmark-key")
    pending = list(runs)
    live: list[subprocess.Popen] = []
    failures: list[str] = []
    peak = 0
    cpu_began = _children_cpu()
    began = time.perf_counter()
    print(f"  {side}: {len(runs)} run(s), at most {concurrent} at once ...", flush=True)
    # Each run writes to its own log file, not a pipe: a pipe read only after exit blocks a run whose
    # output outgrows the pipe's buffer (64 KiB), and the benchmark would wait for ever.
    logs = data / "run_logs"
    logs.mkdir()
    log_of: dict[int, Path] = {}
    while pending or live:
        while pending and len(live) < concurrent:
            command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "ohwb_pipeline.definitions",
                       "-j", "absence_monthly", "--tags", json.dumps(pending.pop(0))]  # fmt: skip
            log = logs / f"run_{len(runs) - len(pending):03d}.log"
            with log.open("w") as sink:
                proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
            log_of[proc.pid] = log
            live.append(proc)
        total = 0
        for proc in live:
            try:
                tree = psutil.Process(proc.pid)
                total += sum(p.memory_info().rss for p in [tree, *tree.children(recursive=True)])
            except psutil.Error:
                pass
        peak = max(peak, total)
        for proc in [p for p in live if p.poll() is not None]:
            if proc.returncode != 0:
                failures.append(f"{log_of[proc.pid]}:\n{log_of[proc.pid].read_text()[-2000:]}")
            live.remove(proc)
        time.sleep(0.05)
    wall = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{side}: {len(failures)} run(s) failed:\n{failures[0]}")
    if not (data / "published" / "ics_indicators").is_dir():
        raise RuntimeError(f"{side}: the runs published nothing")
    return {
        "runs": len(runs),
        "wall_seconds": wall,
        "cpu_seconds": _children_cpu() - cpu_began,
        "peak_rss_mib": peak / 2**20,
    }


def _children_cpu() -> float:
    """CPU seconds of this process's reaped children (the runs), cumulative."""
    times = psutil.Process().cpu_times()
    return times.children_user + times.children_system


if __name__ == "__main__":
    main()

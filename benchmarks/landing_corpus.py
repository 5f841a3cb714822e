"""Time and memory of a month whose landing folders hold the hostile corpus beside good trusts.

`python -m benchmarks.landing_corpus` (run by `make faults`): three good trusts, plus every kind of
`ohwb_pipeline.synth.hostile` at full size (a 3 MB blank-line flood, a 50 MiB field, a 300 MB file...),
each month run by `absence_monthly` in its own process. Targets (issue 11): under 60 s and under
1 GiB peak RSS, good trusts published exactly as without the corpus.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import polars as pl

from benchmarks.measure import run_process

GOOD = ["RJ1", "RN7", "RRE"]
MONTH = "2024-01"
SECONDS_TARGET, RSS_TARGET_MIB = 60, 1024


def build(root: Path, hostile: bool, scale: float) -> dict:
    from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
    from ohwb_pipeline.reference.expected import write_expected_submitters
    from ohwb_pipeline.synth.generate import SynthConfig, generate
    from ohwb_pipeline.synth.hostile import write_hostile_corpus

    generate(
        SynthConfig(
            out=root / "landing",
            first_month=MONTH,
            last_month=MONTH,
            reference_dir=SHIPPED_REFERENCE,
            orgs=GOOD,
            size_factor=0.1,
        )
    )
    write_expected_submitters(root / "config", GOOD)
    if not hostile:
        return {}
    spare = [o for o in pl.read_csv(SHIPPED_REFERENCE / "organisations.csv")["org_code"] if o not in GOOD]
    return write_hostile_corpus(root / "landing", MONTH, spare, scale)


def child(root: Path) -> None:
    from ohwb_pipeline.core.resources import OhwbSettings
    from ohwb_pipeline.definitions import defs

    job = defs.resolve_job_def("absence_monthly")
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    result = job.execute_in_process(
        resources={"settings": OhwbSettings(data_dir=str(root))},
        partition_key=f"{MONTH}-01",
        run_config=quiet,
    )
    sys.exit(0 if result.success else 1)


def good_rows(root: Path) -> pl.DataFrame:
    bench = pl.read_parquet(root / "published/absence_benchmark/*/*.parquet")
    return bench.filter(pl.col("ORG_CODE").is_in(GOOD)).sort(pl.all())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="benchmarks.landing_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="flood sizes (1.0 = the issue's)")
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
    work = args.root or Path(tempfile.mkdtemp(prefix="ohwb-corpus-"))
    env = {**os.environ, "OHWB_PSEUDO_KEY": os.environ.get("OHWB_PSEUDO_KEY", "corpus-key")}
    env.pop("DAGSTER_HOME", None)
    runs, written = {}, {}
    for name in ("clean", "hostile"):
        root = work / name
        written[name] = build(root, name == "hostile", args.scale)
        command = [sys.executable, "-m", "benchmarks.landing_corpus", "--child", str(root)]
        runs[name] = run_process(command, env, str(Path(__file__).resolve().parents[1]))
    logs = pl.concat(
        [
            pl.read_parquet(work / "hostile/warehouse/ingest_log" / t / "*/*.parquet")
            for t in ("absence_episodes", "staff_in_post")
        ],
        how="diagonal_relaxed",
    )
    entries = [e for names, _ in written["hostile"].values() for e in names]
    logged = set(logs["source_file"].str.strip_prefix("landing/"))
    report = {
        "kinds": len(written["hostile"]),
        "entries": len(entries),
        "entries_not_in_log": sorted(set(entries) - logged),
        "log_by_status": dict(logs.group_by("status").len().sort("status").iter_rows()),
        "good_trusts_unchanged": good_rows(work / "clean").equals(good_rows(work / "hostile")),
        "clean": runs["clean"],
        "hostile": runs["hostile"],
    }
    hostile = runs["hostile"]
    report["ok"] = (
        hostile["seconds"] < SECONDS_TARGET
        and hostile["peak_rss_mib"] < RSS_TARGET_MIB
        and report["good_trusts_unchanged"]
        and not report["entries_not_in_log"]
    )
    print(
        f"hostile landing corpus: {report['kinds']} kinds, {report['entries']} entries "
        f"beside {len(GOOD)} good trusts"
    )
    print("| run | seconds | peak RSS (MiB) |")
    print("| --- | --- | --- |")
    for name, run in runs.items():
        print(f"| {name} | {run['seconds']:.1f} | {run['peak_rss_mib']:,.0f} |")
    print(f"targets: under {SECONDS_TARGET} s and {RSS_TARGET_MIB:,} MiB")
    print(f"entries in the ingest log by status: {report['log_by_status']}")
    print(f"entries missing from the log: {len(report['entries_not_in_log'])}")
    print(f"good trusts published unchanged: {report['good_trusts_unchanged']}")
    print("all met" if report["ok"] else "NOT MET")
    (Path(__file__).parent / "results" / "landing_corpus.json").write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    sys.exit(0 if main()["ok"] else 1)

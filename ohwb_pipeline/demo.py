"""`ohwb demo` (what `make run` does): generate the demo landing data, materialise the whole pipeline
through Dagster (absence months and survey years each as one single-run backfill, then ROI, then the
latest month's report), and print a short summary."""

import argparse
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from ohwb_pipeline import console
from ohwb_pipeline.core.catalog import CATALOG_FILE
from ohwb_pipeline.core.duck import load_sql
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.resources import DEV_PSEUDO_KEY, SHIPPED_REFERENCE, OhwbSettings, data_dir_from_env
from ohwb_pipeline.maintenance import free_pool_slots
from ohwb_pipeline.realdata.labels import SYNTHETIC
from ohwb_pipeline.reference.expected import write_expected_submitters
from ohwb_pipeline.report.paths import report_path
from ohwb_pipeline.roi.report import print_roi
from ohwb_pipeline.synth.generate import GENERATOR_VERSION, SynthConfig, generate, select_orgs
from ohwb_pipeline.synth.scenarios import read_scenarios

DEMO_ICBS = ["QRL", "QOP", "QKK", "QKS", "QNC", "QRV", "QK1"]
DEMO_FIRST, DEMO_LAST = "2021-04", "2025-03"
DEMO_SCENARIOS = Path(__file__).resolve().parent.parent / "data" / "scenarios" / "case_studies.csv"
DEMO_REGISTER = Path(__file__).resolve().parent.parent / "data" / "interventions" / "case_studies.csv"
# MFT runs at full size so that its injected MSK effect is the case study's ~2,900 FTE days a year.
DEMO_FULL_SIZE = {"R0A": 1.0}


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
    freed = free_pool_slots()  # a demo killed earlier must not leave this one waiting for its slot
    if freed:
        print(f"freed the pool slots of {freed} killed earlier runs")
    years = survey_years(args.first, args.last)
    print(
        f"ohwb demo: {len(DEMO_ICBS)} ICBs, {args.first} to {args.last}, into {lake.root} "
        "(OHWB_LOG_LEVEL=INFO shows the run logs)"
    )
    if not os.environ.get("OHWB_PSEUDO_KEY"):
        print("OHWB_PSEUDO_KEY is not set: the demo uses the public development key (synthetic data only)")
    with console.stage(1, 5, "demo landing data") as progress:
        progress.note = _land_demo_data(lake, args)
    results = {}
    plan = [
        ("absence", "absence_monthly", f"{args.first}-01", f"{args.last}-01", f"{_months(args)} months"),
        ("survey", "survey_yearly", str(years[0]), str(years[-1]), f"{len(years)} years") if years else None,
        ("roi", "roi_refresh", None, None, "every intervention and year"),
        ("report", "report_monthly", f"{args.last}-01", f"{args.last}-01", args.last),
    ]
    with Materialiser() as materialise:
        for number, step in enumerate([p for p in plan if p], start=2):
            name, job, first, last, what = step
            with console.stage(number, 5, f"{name}: {what}") as progress:
                results[name] = materialise(job, progress, first, last)
                if not results[name].success:
                    detail = results[name].failure()
                    raise SystemExit(f"the {job} run failed: {detail or 'see its log in the UI (make ui)'}")
    print(f"done in {time.perf_counter() - began:.0f} s\n")
    print(f"##### {SYNTHETIC} (the real NHS England figures are in {lake.root / 'real'}) #####")
    _print_summary(lake)
    if "survey" in results:
        _print_survey(lake)
    print_roi(lake)
    _print_checks(results)
    print("outputs (synthetic demo):")
    print(f"  published tables  {lake.published}/<table>/ (manifest: _manifest.json)")
    print(f"  monthly report    {report_path(lake, args.last)}")
    print(f"  BI catalog        {lake.published / CATALOG_FILE}  (DuckDB: ATTACH ... (READ_ONLY))")
    print(f"  quarantined rows  {lake.warehouse / 'quarantine'}")
    print("  Dagster UI        make ui  (http://127.0.0.1:3000)")


def _months(args: argparse.Namespace) -> int:
    first, last = args.first, args.last
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1


def survey_years(first: str, last: str) -> list[int]:
    """Years whose October (survey fieldwork) falls within the demo months, as the generator writes."""
    return [y for y in range(int(first[:4]), int(last[:4]) + 1) if first <= f"{y}-10" <= last]


def _land_demo_data(lake: Lake, args: argparse.Namespace) -> str:
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
    # The demo's trusts are the ones expected to submit: its coverage is judged against them, not all 207.
    demo_orgs = select_orgs(pl.read_csv(SHIPPED_REFERENCE / "organisations.csv"), None, DEMO_ICBS)
    write_expected_submitters(
        OhwbSettings(data_dir=str(lake.root)).config_dir, demo_orgs["org_code"].to_list()
    )
    _write_demo_targets(OhwbSettings(data_dir=str(lake.root)).spc_targets_path)
    register = lake.landing / "interventions" / DEMO_REGISTER.name
    register.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEMO_REGISTER, register)
    marker = lake.landing / ".demo.json"
    if marker.exists() and json.loads(marker.read_text()) == config:
        return f"already in {lake.landing} (same settings)"
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
    return f"generated {len(summary.months)} months x {len(summary.orgs)} trusts"


def _write_demo_targets(path: Path) -> None:
    """An SPC target so the demo shows assurance icons. It is not an NHS target: England's 2019 rate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Demo only: England's 2019 sickness absence rate (4.3%, shared reference README), not an NHS "
        "target.\nindicator,area_code,target\nsickness_absence_rate,,4.3\n"
    )


class Materialiser:
    """Runs `ohwb demo`'s and `ohwb real`'s jobs. With DAGSTER_HOME set (the Makefile sets it) each run is
    launched through the workspace and the instance, as the UI would, so it shows in the timeline and job
    pages; the workspace's code server starts at the first run and serves them all. Without DAGSTER_HOME
    (a test), each runs in process."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._launcher: console.WorkspaceLauncher | None = None

    def __enter__(self) -> "Materialiser":
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def __call__(
        self, job_name: str, progress: console.Progress, first: str | None = None, last: str | None = None
    ) -> console.LaunchedRun:
        from ohwb_pipeline.definitions import defs

        tags = (
            {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
            if first
            else {}
        )
        job = defs.resolve_job_def(job_name)
        if not (os.environ.get("DAGSTER_HOME") and console.WORKSPACE.exists()):
            return console.run_job(job, dg.DagsterInstance.ephemeral(), progress, tags)
        if self._launcher is None:
            instance = self._stack.enter_context(dg.DagsterInstance.get())
            with _development_key_named():
                self._launcher = self._stack.enter_context(console.WorkspaceLauncher(instance))
        return self._launcher.launch(job, progress, tags)


@contextmanager
def _development_key_named() -> Iterator[None]:
    """Without OHWB_PSEUDO_KEY, the code server and its runs are given the development key by name, so
    that each run does not print its own "key is not set" warning into the command's output: `ohwb demo`
    says it once instead (`run`), and `ohwb real`'s published files hold no staff id to pseudonymise.
    Production refuses that key (docs/security.md)."""
    if os.environ.get("OHWB_PSEUDO_KEY"):
        yield
        return
    os.environ["OHWB_PSEUDO_KEY"] = DEV_PSEUDO_KEY
    try:
        yield
    finally:
        del os.environ["OHWB_PSEUDO_KEY"]


def _print_summary(lake: Lake) -> None:
    logs = pl.concat(
        [
            pl.read_parquet(
                lake.warehouse / "ingest_log" / extract / "*" / "*.parquet", hive_partitioning=True
            )
            for extract in ("absence_episodes", "staff_in_post")
        ]
    )
    logs = logs.with_columns(pl.col("source_file").str.split("/").list.get(1).alias("extract"))
    counts = logs.group_by("extract").agg(
        pl.col("period").n_unique().alias("months"),
        pl.col("org_code").n_unique().alias("trusts"),
        pl.col("rows_accepted").sum(),
        pl.col("rows_quarantined").sum(),
        (pl.col("status") == "unreadable").sum().alias("unreadable"),
    )
    by_year = duckdb.sql(
        load_sql(__file__, "rate_by_financial_year"),
        params={"path": str(lake.published_table("ics_indicators") / "*" / "*.parquet")},
    ).pl()
    status = pl.read_parquet(lake.published_table("data_completeness") / "*" / "*.parquet")
    by_status = status.group_by("data_status").len("n").sort("data_status")
    print("=== Absence (synthetic) ===")
    for r in counts.sort("extract").iter_rows(named=True):
        print(
            f"{r['extract']}: {r['months']} months x {r['trusts']} trusts, {r['rows_accepted']:,} rows "
            f"accepted, {r['rows_quarantined']:,} quarantined, {r['unreadable']} unreadable files"
        )
    print(
        "sickness absence rate, all demo trusts: "
        + ", ".join(f"{fy} {rate:.2f}%" for fy, _, rate in by_year.iter_rows())
    )
    print("trust-months by data_status: " + ", ".join(f"{s} {n:,}" for s, n in by_status.iter_rows()))


def _print_survey(lake: Lake) -> None:
    logs = pl.read_parquet(
        lake.warehouse / "ingest_log" / "survey_responses" / "*" / "*.parquet", hive_partitioning=True
    )
    headline = duckdb.sql(
        load_sql(__file__, "survey_vs_national"),
        params={
            "survey_indicators": str(lake.published_table("survey_indicators") / "*" / "*.parquet"),
            "survey_questions": str(lake.reference_table("survey_questions")),
            "survey_scales": str(lake.reference_table("survey_scales")),
            "national": str(
                OhwbSettings(data_dir=str(lake.root)).reference_dir / "national_survey_distribution.csv"
            ),
        },
    ).pl()
    latest = headline.filter(pl.col("year") == headline["year"].max())
    print("=== NHS Staff Survey (synthetic responses; 'real national' figures are real) ===")
    print(
        f"{logs['year'].n_unique()} years, {logs['org_code'].n_unique()} trusts: "
        f"{int(logs['rows_accepted'].sum()):,} responses accepted, {int(logs['rows_quarantined'].sum()):,} "
        "quarantined"
    )
    parts = []
    for r in latest.iter_rows(named=True):
        real = r["real_national_pct"]
        national = f" (real national {real:.1f}%)" if real is not None else ""
        parts.append(f"{r['question_id']} {r['england_pct']:.1f}%{national}")
    print(f"England {latest['year'][0]}, pooled: " + "; ".join(parts))


def _print_checks(results: dict[str, console.LaunchedRun]) -> None:
    # A ranged run records a result per month (core/checks_per_month.py): name each check once, with
    # the months it warned or failed in.
    months: dict[str, list[str]] = {}
    for result in results.values():
        for e in result.get_asset_check_evaluations():
            if not e.passed:
                months.setdefault(e.asset_check_key.to_user_string(), []).extend(
                    [e.partition] if e.partition else []
                )
    failed = [f"{key} ({months_in_words(p)})" if p else key for key, p in months.items()]
    print(f"checks that warned or failed: {', '.join(failed) or 'none'}")


def months_in_words(months: list[str], listed_up_to: int = 3) -> str:
    """The months a check warned in, listed when few; a 45-month demo would otherwise print 45 of them
    on the summary line, so many become their count and span."""
    unique = sorted(set(months))
    if len(unique) <= listed_up_to:
        return ", ".join(unique)
    return f"{len(unique)} months, {unique[0]} to {unique[-1]}"

"""`ohwb real` (the first half of `make run`): land the shipped real NHS England files into their own data
folder (`data/real`), publish every month through Dagster as one ranged run, write the latest month's
report, and print what the real data says, with the backtest against the publisher."""

import argparse
import time

import duckdb
import polars as pl

from ohwb_pipeline import console
from ohwb_pipeline.core.duck import load_sql
from ohwb_pipeline.core.lake import Lake, existing_partitions, table_glob
from ohwb_pipeline.core.resources import data_dir_from_env
from ohwb_pipeline.realdata.backtest import compare_rows, england_differences
from ohwb_pipeline.realdata.labels import REAL
from ohwb_pipeline.realdata.shipped import OGL_LINE, land_shipped, shipped_files
from ohwb_pipeline.reference.expected import write_expected_submitters
from ohwb_pipeline.report.paths import report_path

STAGES = 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "real", help="publish the shipped real NHS England months into OHWB_DATA_DIR (make run: data/real)"
    )
    months = list(shipped_files("benchmark"))
    p.add_argument("--from", dest="first", default=months[0], help=f"first month (default {months[0]})")
    p.add_argument("--to", dest="last", default=months[-1], help=f"last month (default {months[-1]})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ohwb_pipeline.demo import Materialiser

    began = time.perf_counter()
    lake = Lake(data_dir_from_env())
    months = [m for m in shipped_files("benchmark") if args.first <= m <= args.last]
    if not months:
        raise ValueError(f"no shipped month from {args.first} to {args.last}")
    first, last = months[0], months[-1]
    print(
        f"ohwb real: {len(months)} months of NHS England's published sickness absence rates, into {lake.root}"
    )
    with console.stage(1, STAGES, "land the shipped NHS England files") as progress:
        landed = land_shipped(lake.landing, months)
        # No trust submits ESR extracts here: who is expected comes from the publication itself.
        write_expected_submitters(lake.root / "config", [])
        progress.note = ", ".join(f"{folder} {len(m)} months" for folder, m in landed.items())
    with Materialiser() as materialise:
        with console.stage(2, STAGES, f"absence: {first} to {last} as one run") as progress:
            result = materialise("absence_monthly", progress, f"{first}-01", f"{last}-01")
            if not result.success:
                raise SystemExit(
                    f"the real absence run failed: {result.failure() or 'see its log (make ui-real)'}"
                )
            seconds = time.perf_counter() - began
        with console.stage(3, STAGES, f"report: {last}") as progress:
            if not materialise("report_monthly", progress, f"{last}-01", f"{last}-01").success:
                raise SystemExit("the real report run failed: see its log (make ui-real)")
    print(f"done in {time.perf_counter() - began:.0f} s (the {len(months)}-month run: {seconds:.0f} s)\n")
    print_summary(lake, last)
    return 0


def _reading(point: dict) -> str:
    icon = point["variation_icon"].replace("_", " ")
    if point["special_cause_type"] == "Common Cause":
        return f"{icon} variation"
    return f"{icon}: {point['special_cause_type']}"


def print_summary(lake: Lake, period: str) -> None:
    ics = table_glob(lake.published_table("ics_indicators"))
    spc = pl.read_parquet(table_glob(lake.published_table("spc_indicators")), hive_partitioning=True)
    england = spc.filter(
        (pl.col("level") == "england")
        & (pl.col("indicator") == "sickness_absence_rate")
        & (pl.col("period").cast(pl.Utf8) == period)
    ).row(0, named=True)
    league = duckdb.sql(
        load_sql(__file__, "icb_league"), params={"ics_indicators": ics, "period": period}
    ).pl()
    published = set(existing_partitions(lake.published_table("absence_benchmark")))
    rows = compare_rows(lake.published, [m for m in shipped_files("benchmark") if m in published])
    diffs = england_differences(lake.published)
    print(f"=== {REAL} ===")
    print(
        f"England sickness absence rate, {period}: {england['value']:.2f}% "
        f"(SPC: {_reading(england)}; "
        f"mean {england['mean']:.2f}%, limits {england['lpl']:.2f}% to {england['upl']:.2f}%)"
    )
    agreement = (
        f"England within {diffs['difference_pp'].abs().max():.3f} pp of NHS England's national rate in "
        f"{diffs.height} months"
        if diffs.height
        else "no month here has NHS England's national file to compare England with"
    )
    print(
        f"backtest: {rows.rows_compared:,} of {rows.rows_in_files:,} publisher rows compared, "
        f"{rows.rates_equal:,} rates equal (2 dp), {rows.blanks_equal:,} blanks equal; {agreement}"
    )
    print(f"ICB league table, {period} (rank 1 = lowest rate):")
    width = max(len(n) for n in league["area_name"])
    for r in league.iter_rows(named=True):
        rank = "-" if r["rank"] is None else str(r["rank"])
        rate = "withheld" if r["rate_percent"] is None else f"{r['rate_percent']:.2f}%"
        print(
            f"  {rank:>3} {r['area_code']} {r['area_name']:<{width}} {rate:>8}  "
            f"({r['orgs_included']} organisations)"
        )
    print(OGL_LINE)
    print("outputs (real):")
    print(f"  published tables  {lake.published}/<table>/")
    print(f"  monthly report    {report_path(lake, period)}")
    print("  Dagster UI        make ui-real  (http://127.0.0.1:3001)\n")

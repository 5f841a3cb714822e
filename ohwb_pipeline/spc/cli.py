"""`ohwb spc INPUT.csv --out OUTPUT.csv`: Making Data Count rules on any monthly series."""

import argparse
from pathlib import Path

import polars as pl

from ohwb_pipeline.spc.method import DIRECTIONS, SpcOptions, spc


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "spc",
        help="SPC (NHSRplotthedots rules) for a CSV of series, date, value",
        description="INPUT has the columns date (YYYY-MM-DD), value and optionally series. OUTPUT has one "
        "row per point with mean, lpl, upl, outside_limits, relative_to_mean, close_to_limits, "
        "special_cause_type, point_type and short_series (and assurance with --target).",
    )
    p.add_argument("input", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--improvement-direction", choices=DIRECTIONS, default="increase")
    p.add_argument(
        "--no-screen-outliers", action="store_true", help="keep large moving ranges (MDC Excel tool)"
    )
    p.add_argument("--fix-after-n-points", type=int, default=None)
    p.add_argument("--target", type=float, default=None)
    p.add_argument("--rebase", nargs="*", default=[], metavar="YYYY-MM-DD")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    frame = pl.read_csv(args.input, try_parse_dates=True)
    missing = {"date", "value"} - set(frame.columns)
    if missing:
        raise ValueError(f"{args.input}: missing column(s) {', '.join(sorted(missing))}")
    options = SpcOptions(
        improvement_direction=args.improvement_direction,
        screen_outliers=not args.no_screen_outliers,
        fix_after_n_points=args.fix_after_n_points,
        rebase=tuple(args.rebase),
        target=args.target,
    )
    out = spc(frame, options)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(args.out)
    special = int((out["point_type"] != "common_cause").sum())
    print(f"{out.height} points, {special} special cause; written to {args.out}")
    return 0

"""`ohwb funnel INPUT.csv --type PR|SR|RC --out OUT.csv`: an overdispersed funnel plot's numbers."""

import argparse
from pathlib import Path

import polars as pl

from ohwb_pipeline.funnel.method import FunnelResult, funnel
from ohwb_pipeline.funnel.options import DATA_TYPES, SR_METHODS, FunnelOptions

OUTPUT_COLUMNS = (
    "unit",
    "numerator",
    "denominator",
    "value",
    "z",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "lower_95_adjusted",
    "upper_95_adjusted",
    "lower_998_adjusted",
    "upper_998_adjusted",
    "outlier",
    "phi",
    "tau2",
    # Beyond the list: the adjusted z-score, the 95% warning and whether limits were adjusted.
    "z_adjusted",
    "flag",
    "adjustment",
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "funnel",
        help="overdispersed funnel plot (FunnelPlotR 0.6.0 method) for a CSV of unit, numerator, denominator",
        description="INPUT has one row per unit with a numerator and a denominator (other column names "
        "map with --unit/--numerator/--denominator). OUT has one row per unit: "
        f"{', '.join(OUTPUT_COLUMNS)}. `outlier` is judged at 99.8% on the adjusted limits when the data "
        "are overdispersed (phi > 1), otherwise, or with --no-adjust, on the unadjusted ones.",
    )
    p.add_argument("input", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--type", dest="data_type", choices=DATA_TYPES, required=True)
    p.add_argument("--no-adjust", action="store_true", help="judge outliers on the unadjusted limits")
    p.add_argument(
        "--sr-method",
        choices=SR_METHODS,
        default="SHMI",
        help="SR only (default SHMI). CQC keeps FunnelPlotR's limits, which are not back-transformed from "
        "the square-root scale and so flag too many units (docs/funnel.md)",
    )
    p.add_argument("--trim", type=float, default=0.1, help="share trimmed from each tail (default 0.1)")
    p.add_argument("--multiplier", type=float, default=1.0, help="scale the plotted value (default 1)")
    p.add_argument("--unit", default="unit", help="name of the unit column")
    p.add_argument("--numerator", default="numerator", help="name of the numerator column")
    p.add_argument("--denominator", default="denominator", help="name of the denominator column")
    p.set_defaults(func=run)


def table(result: FunnelResult) -> pl.DataFrame:
    return result.units.with_columns(
        pl.lit(result.phi).alias("phi"),
        pl.lit(result.tau2).alias("tau2"),
        pl.lit(result.adjustment).alias("adjustment"),
    ).select(OUTPUT_COLUMNS)


def run(args: argparse.Namespace) -> int:
    # Every column as text, so a bad cell is reported with its row instead of failing the read.
    frame = pl.read_csv(args.input, infer_schema=False)
    names = {args.unit: "unit", args.numerator: "numerator", args.denominator: "denominator"}
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ValueError(f"{args.input}: missing column(s) {', '.join(missing)}")
    options = FunnelOptions(
        data_type=args.data_type,
        draw_adjusted=not args.no_adjust,
        sr_method=args.sr_method,
        trim_by=args.trim,
        multiplier=args.multiplier,
    )
    try:
        result = funnel(frame.select(list(names)).rename(names), options)
    except ValueError as exc:
        raise ValueError(f"{args.input}: {exc}") from exc
    out = table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.write_csv(args.out)
    high, low = (int((out["outlier"] == side).sum()) for side in ("high", "low"))
    print(
        f"{out.height} units, phi {result.phi:.4g}, tau2 {result.tau2:.4g}, limits {result.adjustment}; "
        f"{high} high and {low} low beyond 99.8%; written to {args.out}"
    )
    return 0

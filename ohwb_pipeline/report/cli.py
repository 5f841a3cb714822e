"""`ohwb report [--month YYYY-MM]`: write a month's HTML report from the published tables now."""

import argparse

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.resources import data_dir_from_env
from ohwb_pipeline.report.data import latest_period
from ohwb_pipeline.report.render import write_report


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write published/report/ohwb_report_<YYYY-MM>.html (default: the latest published month)",
    )
    p.add_argument("--month", help="YYYY-MM (default: the latest published month)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lake = Lake(data_dir_from_env())
    month = args.month or latest_period(lake)
    if month is None:
        raise ValueError(f"nothing is published under {lake.published} yet: run the absence job first")
    print(f"wrote {write_report(lake, month)}")
    return 0

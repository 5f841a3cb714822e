"""The `ohwb` command: synth, demo, real, repair, accept-file, spc, funnel, dictionary, catalog and report."""

import argparse
import logging
import os
import sys

from ohwb_pipeline.core.resources import ProductionSettingsError, check_production_settings
from ohwb_pipeline.synth import cli as synth_cli


def main(argv: list[str] | None = None) -> int:
    # Quiet by default (warnings and errors); OHWB_LOG_LEVEL=INFO or DEBUG brings the detail back.
    level = os.environ.get("OHWB_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Dagster's storage migrations log every plugin at INFO: noise, not news, for someone running `ohwb`.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Before the parser, which imports every command (about 4 s): a refused key is refused at once.
    try:
        check_production_settings()
    except ProductionSettingsError as exc:
        print(f"ohwb: {exc}", file=sys.stderr)
        return 3
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except ValueError as exc:
        print(f"ohwb {args.command}: {exc}", file=sys.stderr)
        return 2
    return code if isinstance(code, int) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ohwb", description="NHS OHWB metrics pipeline tools")
    sub = parser.add_subparsers(dest="command", required=True)
    synth_cli.add_parser(sub)
    from ohwb_pipeline import demo, maintenance
    from ohwb_pipeline.catalog import cli as catalog_cli
    from ohwb_pipeline.funnel import cli as funnel_cli
    from ohwb_pipeline.realdata import run as real_cli
    from ohwb_pipeline.report import cli as report_cli
    from ohwb_pipeline.spc import cli as spc_cli

    demo.add_parser(sub)
    real_cli.add_parser(sub)
    maintenance.add_parsers(sub)
    spc_cli.add_parser(sub)
    funnel_cli.add_parser(sub)
    catalog_cli.add_parsers(sub)
    report_cli.add_parser(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())

"""Argument parsing for `ohwb synth`."""

import argparse
from pathlib import Path

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE
from ohwb_pipeline.synth.generate import SynthConfig, SynthSummary, generate
from ohwb_pipeline.synth.scenarios import read_scenarios


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("synth", help="write synthetic landing extracts (absence, staff in post)")
    p.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--orgs", type=_codes, help="comma-separated ODS trust codes")
    who.add_argument("--icbs", type=_codes, help="comma-separated ICB codes (all their host trusts)")
    who.add_argument("--scale", choices=["national"], help="all 207 trusts")
    p.add_argument(
        "--size-factor", type=float, default=1.0, help="scale every trust's headcount (default 1.0)"
    )
    p.add_argument(
        "--size-override",
        action="append",
        default=[],
        metavar="ORG=FACTOR",
        help="a size factor for one trust, e.g. R0A=1.0 (repeatable)",
    )
    p.add_argument("--seed", type=int, default=20210401)
    p.add_argument("--scenarios", type=Path, help="CSV: org_code,reason_codes,start_month,rate_multiplier")
    p.add_argument(
        "--faults", type=int, default=0, help="bad rows to inject per extract per month, and per survey year"
    )
    p.add_argument("--reference-dir", type=Path, default=SHIPPED_REFERENCE)
    p.set_defaults(func=run)


def _overrides(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        org, _, factor = item.partition("=")
        try:
            out[org.strip().upper()] = float(factor)
        except ValueError:
            raise SystemExit(f"--size-override takes ORG=FACTOR, got {item!r}") from None
    return out


def run(args: argparse.Namespace) -> SynthSummary:
    if args.size_factor <= 0:
        raise SystemExit("--size-factor must be > 0")
    summary = generate(
        SynthConfig(
            out=args.out,
            first_month=args.first,
            last_month=args.last,
            reference_dir=args.reference_dir,
            orgs=args.orgs,
            icbs=args.icbs,
            size_factor=args.size_factor,
            size_overrides=_overrides(args.size_override),
            seed=args.seed,
            scenarios=read_scenarios(args.scenarios),
            faults=args.faults,
        )
    )
    print(
        f"wrote {len(summary.months)} months x {len(summary.orgs)} trusts to {args.out}: "
        f"{summary.staff_rows:,} staff-in-post rows, {summary.episode_rows:,} episodes, "
        f"{summary.survey_rows:,} survey responses"
        + (f", faults {summary.faults}" if summary.faults else "")
        + f" in {summary.seconds:.1f}s"
    )
    return summary

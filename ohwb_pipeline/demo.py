"""`ohwb demo` (placeholder until the pipeline exists)."""

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="generate the demo landing data and materialise everything")
    p.set_defaults(func=lambda args: None)

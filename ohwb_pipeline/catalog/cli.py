"""`ohwb dictionary` (the data dictionary from the contracts) and `ohwb catalog` (rebuild ohwb.duckdb)."""

import argparse
from pathlib import Path

from ohwb_pipeline.catalog.contracts import ALL_CONTRACTS, dictionary_rows
from ohwb_pipeline.core.catalog import CATALOG_FILE, refresh_catalog
from ohwb_pipeline.core.dictionary import to_frame, to_markdown
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.publishing import publication_lock
from ohwb_pipeline.core.resources import data_dir_from_env


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "dictionary",
        help="write the data dictionary of every published table (from the contracts)",
        description="Writes the dictionary generated from the published contracts: --markdown for "
        "docs/data-dictionary.md, --csv for a CSV like published/_dictionary.csv.",
    )
    p.add_argument("--markdown", type=Path, help="write Markdown here (docs/data-dictionary.md)")
    p.add_argument("--csv", type=Path, help="write CSV here")
    p.set_defaults(func=run_dictionary)
    c = subparsers.add_parser(
        "catalog",
        help=f"rebuild published/_dictionary.csv and published/{CATALOG_FILE} from the manifest",
        description="Each publication rebuilds them; run this after moving the data folder, since the "
        "catalog's views hold absolute paths.",
    )
    c.set_defaults(func=run_catalog)


def markdown() -> str:
    versions = {t: c.version for t, c in ALL_CONTRACTS.items()}
    descriptions = {t: c.description for t, c in ALL_CONTRACTS.items()}
    return to_markdown(dictionary_rows(), versions, descriptions)


def run_dictionary(args: argparse.Namespace) -> int:
    if not args.markdown and not args.csv:
        raise ValueError("give --markdown PATH and/or --csv PATH")
    if args.markdown:
        args.markdown.write_text(markdown())
        print(f"wrote {args.markdown}")
    if args.csv:
        to_frame(dictionary_rows()).write_csv(args.csv)
        print(f"wrote {args.csv}")
    return 0


def run_catalog(args: argparse.Namespace) -> int:
    lake = Lake(data_dir_from_env())
    if not lake.manifest_path.exists():
        raise ValueError(f"nothing is published under {lake.published} yet")
    with publication_lock(lake):
        refresh_catalog(lake)
    print(f"wrote {lake.published / CATALOG_FILE} and {lake.published / '_dictionary.csv'}")
    return 0

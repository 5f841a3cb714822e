"""The real NHS England files the project ships (`data/reference/nhs_published/`, README "Real data"),
and landing them into a data folder as a user would: one file per month, under the publisher's name.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

import datetime as dt
import gzip
import re
import shutil
from pathlib import Path

from ohwb_pipeline.core.resources import SHIPPED_REFERENCE

SHIPPED = SHIPPED_REFERENCE / "nhs_published"
OGL_LINE = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: NHS England, NHS Sickness Absence Rates."
)
# Folder in the shipped copy -> landing folder of its asset.
KINDS = {"benchmark": "published_rates", "national_by_reason": "published_reasons"}
_MONTH_IN_NAME = re.compile(r"(?P<month>[A-Z][a-z]+) (?P<year>\d{4})")


def period_of(name: str) -> str:
    """`NHS Sickness Absence benchmarking tool CSV, April 2024.csv` -> `2024-04`."""
    found = _MONTH_IN_NAME.search(name)
    if not found:
        raise ValueError(f"no 'Month YYYY' in the file name {name!r}")
    return dt.datetime.strptime(f"{found['month']} {found['year']}", "%B %Y").strftime("%Y-%m")


def shipped_files(kind: str = "benchmark") -> dict[str, Path]:
    """Each shipped month of `kind` ('benchmark' or 'national_by_reason') -> its compressed file."""
    return dict(sorted((period_of(p.name), p) for p in (SHIPPED / kind).glob("*.csv.gz")))


def land_shipped(landing: Path, periods: list[str] | None = None) -> dict[str, list[str]]:
    """Decompress the shipped files of `periods` (default all) into `landing/<asset>/<YYYY-MM>/` under
    the publisher's own names; returns the months landed per landing folder."""
    landed: dict[str, list[str]] = {}
    for kind, folder in KINDS.items():
        for period, source in shipped_files(kind).items():
            if periods is not None and period not in periods:
                continue
            target = landing / folder / period / source.name.removesuffix(".gz")
            target.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(source, "rb") as compressed, open(target, "wb") as out:
                shutil.copyfileobj(compressed, out)
            landed.setdefault(folder, []).append(period)
    return landed

"""Write a deployment's own expected-submitters list (`<data dir>/config/expected_submitters.csv`)."""

from pathlib import Path

import polars as pl


def write_expected_submitters(config_dir: Path, orgs: list[str], expected_from: str = "2021-04") -> Path:
    """An ICS, a test or the demo runs a few trusts: list exactly those, from `expected_from` on."""
    path = config_dir / "expected_submitters.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(
        {
            "org_code": sorted(orgs),
            "expected_from": expected_from,
            "expected_to": None,
            "note": "this deployment's own list",
        },
        schema={"org_code": pl.Utf8, "expected_from": pl.Utf8, "expected_to": pl.Utf8, "note": pl.Utf8},
    ).write_csv(path)
    return path

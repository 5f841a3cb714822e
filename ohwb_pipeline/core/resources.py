"""Paths and settings. Every path the pipeline writes derives from `OhwbSettings.root`."""

import logging
import os
from pathlib import Path

import dagster as dg

SHIPPED_REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"
DEV_PSEUDO_KEY = "ohwb-development-key-not-for-production"
log = logging.getLogger("ohwb")


def data_dir_from_env() -> Path:
    return Path(os.environ.get("OHWB_DATA_DIR") or "data").resolve()


def pseudo_key_from_env() -> bytes:
    key = os.environ.get("OHWB_PSEUDO_KEY")
    if not key:
        log.warning(
            "OHWB_PSEUDO_KEY is not set: using the fixed development key. Never do this with real data."
        )
        key = DEV_PSEUDO_KEY
    return key.encode("utf-8")


class OhwbSettings(dg.ConfigurableResource):
    """Where the data lives and how DuckDB may use the machine.

    Empty values fall back to the environment (`OHWB_DATA_DIR`, default `./data`), so the same
    definitions run against any folder.
    """

    data_dir: str = ""
    duckdb_memory_limit: str = "1GB"
    duckdb_threads: int = 0

    @property
    def root(self) -> Path:
        return Path(self.data_dir).resolve() if self.data_dir else data_dir_from_env()

    @property
    def reference_dir(self) -> Path:
        """`<data dir>/reference` when it exists (local overrides), else the CSVs shipped in the repo."""
        local = self.root / "reference"
        return local if local.is_dir() else SHIPPED_REFERENCE

    @property
    def threads(self) -> int:
        return self.duckdb_threads or (os.cpu_count() or 1)


def defs() -> dg.Definitions:
    return dg.Definitions(resources={"settings": OhwbSettings()})

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


DEFAULT_SENSOR_INTERVAL_SECONDS = 60
MIN_SENSOR_INTERVAL_SECONDS = 5


def sensor_interval_from_env() -> int:
    """Seconds between sensor ticks: `OHWB_SENSOR_INTERVAL_SECONDS`, default 60.

    Read when the definitions load, so the code server (not the daemon) must see the variable. A shorter
    interval suits a test or a demo; below 5 s a tick could start before the last one's runs were queued.
    """
    raw = os.environ.get("OHWB_SENSOR_INTERVAL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_SENSOR_INTERVAL_SECONDS
    try:
        seconds = int(raw)
    except ValueError:
        seconds = -1
    if seconds < MIN_SENSOR_INTERVAL_SECONDS:
        raise ValueError(
            f"OHWB_SENSOR_INTERVAL_SECONDS={raw!r}: "
            f"give whole seconds, at least {MIN_SENSOR_INTERVAL_SECONDS}"
        )
    return seconds


MIN_PRODUCTION_KEY_BYTES = 32


class ProductionSettingsError(RuntimeError):
    """`OHWB_ENV=production` with settings that would put real data at risk: nothing may run."""


def check_production_settings() -> None:
    """With `OHWB_ENV=production`, refuse a missing, public (development) or short pseudonymisation key.

    The development key is in this repository, so anyone can reverse its keys by hashing candidate ids.
    """
    if os.environ.get("OHWB_ENV", "").strip().lower() != "production":
        return
    key = os.environ.get("OHWB_PSEUDO_KEY", "")
    if not key:
        problem = "OHWB_PSEUDO_KEY is not set"
    elif key == DEV_PSEUDO_KEY:
        problem = "OHWB_PSEUDO_KEY is the public development key, whose keys anyone can reverse"
    elif len(key.encode("utf-8")) < MIN_PRODUCTION_KEY_BYTES:
        problem = f"OHWB_PSEUDO_KEY is shorter than {MIN_PRODUCTION_KEY_BYTES} bytes"
    else:
        return
    raise ProductionSettingsError(
        f"OHWB_ENV=production: {problem}. Set a secret random key of at least {MIN_PRODUCTION_KEY_BYTES} "
        "bytes (for example `openssl rand -hex 32`) and keep it secret; nothing was run or written."
    )


def pseudo_key_from_env() -> bytes:
    check_production_settings()
    key = os.environ.get("OHWB_PSEUDO_KEY")
    if not key:
        if not _warned_dev_key:
            log.warning(
                "OHWB_PSEUDO_KEY is not set: using the fixed development key. Never do this with real data."
            )
            _warned_dev_key.append(True)  # once per process: it repeats for every extract otherwise
        key = DEV_PSEUDO_KEY
    return key.encode("utf-8")


_warned_dev_key: list[bool] = []


class OhwbSettings(dg.ConfigurableResource):
    """Where the data lives and how DuckDB may use the machine.

    Empty values fall back to the environment (`OHWB_DATA_DIR`, default `./data`), so the same
    definitions run against any folder.
    """

    data_dir: str = ""
    duckdb_memory_limit: str = "1GB"
    duckdb_threads: int = 0
    expected_submitters_file: str = ""
    min_coverage_percent: float = -1.0
    staff_truncation_drop: float = 0.20
    truncation_min_rows: int = 100
    max_file_mib: int = 256
    max_line_kib: int = 64

    @property
    def root(self) -> Path:
        return Path(self.data_dir).resolve() if self.data_dir else data_dir_from_env()

    @property
    def reference_dir(self) -> Path:
        """`<data dir>/reference` when it exists (local overrides), else the CSVs shipped in the repo."""
        local = self.root / "reference"
        return local if local.is_dir() else SHIPPED_REFERENCE

    @property
    def config_dir(self) -> Path:
        """`<data dir>/config`: a deployment's own settings files (expected submitters, ingest overrides)."""
        return self.root / "config"

    @property
    def expected_submitters_path(self) -> Path:
        """Which trusts must submit each month: this setting, else `OHWB_EXPECTED_SUBMITTERS`, else
        `<data dir>/config/expected_submitters.csv`, else the shipped list of every trust."""
        chosen = self.expected_submitters_file or os.environ.get("OHWB_EXPECTED_SUBMITTERS", "")
        if chosen:
            return Path(chosen).resolve()
        local = self.config_dir / "expected_submitters.csv"
        return local if local.is_file() else self.reference_dir / "expected_submitters.csv"

    def config_or_reference(self, name: str) -> Path:
        """A deployment's own `<data dir>/config/<name>` when it exists, else the reference file shipped
        with the project (organisation changes, aggregation rules)."""
        local = self.config_dir / name
        return local if local.is_file() else self.reference_dir / name

    @property
    def spc_targets_path(self) -> Path:
        """Optional SPC assurance targets (README "Configuration"); without the file, no assurance."""
        return self.config_dir / "spc_targets.csv"

    @property
    def ingest_overrides_path(self) -> Path:
        return self.config_dir / "ingest_overrides.csv"

    @property
    def coverage_floor(self) -> float:
        """Minimum England coverage (%) below which a month is not published; 0 = off (the default).
        A national deployment sets 95 (`OHWB_MIN_COVERAGE_PERCENT=95`)."""
        if self.min_coverage_percent >= 0:
            return self.min_coverage_percent
        return float(os.environ.get("OHWB_MIN_COVERAGE_PERCENT") or 0)

    @property
    def threads(self) -> int:
        return self.duckdb_threads or (os.cpu_count() or 1)


def defs() -> dg.Definitions:
    # The production key is checked at the top of ohwb_pipeline/definitions.py, before any domain loads.
    return dg.Definitions(resources={"settings": OhwbSettings()})

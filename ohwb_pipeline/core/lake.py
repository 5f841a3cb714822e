"""Where every table lives, and how a partition is replaced atomically.

Layout under the data dir:
  landing/<extract>/<YYYY-MM or YYYY>/<ORG>.csv        trusts' extracts
  warehouse/<table>/period=YYYY-MM/part-0.parquet      validated rows and facts
  warehouse/quarantine/<extract>/period=YYYY-MM/...    rejected rows with reasons
  published/<table>/period=YYYY-MM/part-0.parquet      what BI tools read
  published/_manifest.json                             schema version, partitions, rows, hashes, run
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

PART_FILE = "part-0.parquet"
STAGING = "_staging"


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def reference(self) -> Path:
        return self.root / "reference"

    def landing_dir(self, extract: str, period: str) -> Path:
        return self.landing / extract / period

    def warehouse_table(self, table: str) -> Path:
        return self.warehouse / table

    def quarantine_table(self, extract: str) -> Path:
        return self.warehouse / "quarantine" / extract

    def published_table(self, table: str) -> Path:
        return self.published / table

    def reference_table(self, name: str) -> Path:
        return self.warehouse / "reference" / f"{name}.parquet"

    @property
    def manifest_path(self) -> Path:
        return self.published / "_manifest.json"


def partition_dir(table_root: Path, period: str, key: str = "period") -> Path:
    return table_root / f"{key}={period}"


def partition_file(table_root: Path, period: str, key: str = "period") -> Path:
    return partition_dir(table_root, period, key) / PART_FILE


def table_glob(table_root: Path) -> str:
    """A DuckDB glob over every partition; read with `hive_partitioning = true`."""
    return str(table_root / "*=*" / "*.parquet")


def existing_partitions(table_root: Path, key: str = "period") -> list[str]:
    if not table_root.exists():
        return []
    return sorted(p.name.split("=", 1)[1] for p in table_root.glob(f"{key}=*") if (p / PART_FILE).exists())


def _staging_dir(table_root: Path) -> Path:
    # Staging sits under the same data dir (same filesystem, so rename is atomic) but outside every
    # table root, so readers globbing a table never see half-written files.
    root = table_root
    while root.name and root.name not in ("warehouse", "published"):
        root = root.parent
    return (root if root.name else table_root.parent) / STAGING


@contextlib.contextmanager
def replace_partition(table_root: Path, period: str, key: str = "period") -> Iterator[Path]:
    """Yield a staging file path; on success swap its folder in place of `<key>=<period>`.

    A crash before the swap leaves the old partition untouched. The swap itself is two renames on one
    filesystem; if a crash falls between them the old folder is kept in staging and restored by the
    next write of that partition, so a reader sees the old partition or the new one, never a mix.
    """
    target = partition_dir(table_root, period, key)
    staging = _staging_dir(table_root) / f"{table_root.name}.{key}={period}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True, exist_ok=True)
    _restore_orphans(table_root, target)
    try:
        yield staging / PART_FILE
        table_root.mkdir(parents=True, exist_ok=True)
        old = staging.with_name(staging.name + ".old")
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _restore_orphans(table_root: Path, target: Path) -> None:
    staging_root = _staging_dir(table_root)
    if target.exists() or not staging_root.exists():
        return
    for old in staging_root.glob(f"{table_root.name}.{target.name}.*.old"):
        os.replace(old, target)
        return


def write_file_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def update_manifest(
    lake: Lake,
    table: str,
    *,
    schema_version: str,
    columns: dict[str, str],
    partitions: dict[str, int],
    run_id: str,
    partition_key: str = "period",
) -> dict:
    """Record the partitions a run published: rows, content hash and the run that wrote them."""
    lake.published.mkdir(parents=True, exist_ok=True)
    lock_path = lake.published / "_manifest.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = json.loads(lake.manifest_path.read_text()) if lake.manifest_path.exists() else {}
        manifest.setdefault("tables", {})
        entry = manifest["tables"].setdefault(table, {"partitions": {}})
        entry.update(
            {
                "schema_version": schema_version,
                "columns": columns,
                "path": f"{table}/{partition_key}=*/{PART_FILE}",
                "partition_key": partition_key,
            }
        )
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for period, rows in partitions.items():
            entry["partitions"][period] = {
                "rows": rows,
                "sha256": file_sha256(partition_file(lake.published_table(table), period, partition_key)),
                "run_id": run_id,
                "written_at": now,
            }
        entry["partitions"] = dict(sorted(entry["partitions"].items()))
        manifest["updated_at"] = now
        write_file_atomically(lake.manifest_path, json.dumps(manifest, indent=2).encode())
    return manifest


def write_periods(
    frame: pl.DataFrame, table_root: Path, periods: list[str], key: str = "period"
) -> dict[str, int]:
    """Write each period's rows atomically, without the `key` column, which the path carries.

    Every period in the window is written, even an empty one, so a rerun replaces stale rows.
    """
    rows = {}
    for period in periods:
        part = frame.filter(pl.col(key) == period).drop(key)
        with replace_partition(table_root, period, key) as path:
            part.write_parquet(path, compression="zstd", statistics=True)
        rows[period] = part.height
    return rows

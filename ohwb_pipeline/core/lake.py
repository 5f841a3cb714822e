"""Where every table lives, and how a partition is replaced atomically.

Layout under the data dir:
  landing/<extract>/<YYYY-MM or YYYY>/<ORG>.csv        trusts' extracts
  warehouse/<table>/period=YYYY-MM/part-0.parquet      validated rows and facts
  warehouse/quarantine/<extract>/period=YYYY-MM/...    rejected rows with reasons
  published/<table>/period=YYYY-MM/part-0.parquet      what BI tools read
  published/_manifest.json                             schema version, partitions, rows, hashes, run
  published/revisions/revised_on=YYYY-MM-DD/*.parquet   every changed published figure
  published/_commits/, published/_staging/             a publication in progress (see publishing.py)
"""

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from ohwb_pipeline.core.atomic import swap_in

PART_FILE = "part-0.parquet"
STAGING = "_staging"
RETIRED = "_retired"
# A swapped-out partition folder is kept this long before it is deleted: a reader that opened the old
# folder just before the swap (a glob lists the folder, then reads its entries) must still find its
# file there. Deleting it at once made 7 of 16,035 concurrent reads miss a partition (make faults).
RETIRED_GRACE_SECONDS = 60


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

    The swap is one `renameat2(RENAME_EXCHANGE)` (see atomic.py): a crash leaves the old partition
    or the new one, and a concurrent reader never finds the partition missing or doubled. Staging
    folders carry the writer's pid, so `clean_stale_staging` can remove a killed writer's leftovers
    without touching a live one's.
    """
    target = partition_dir(table_root, period, key)
    staging = _staging_dir(table_root) / f"{table_root.name}.{key}={period}.{os.getpid()}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True, exist_ok=True)
    try:
        yield staging / PART_FILE
        if swap_in(staging, target):
            retire(staging, _staging_dir(table_root).parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    purge_retired(_staging_dir(table_root).parent)


def retire(folder: Path, area: Path) -> None:
    """Move a swapped-out folder aside, to be deleted after the grace period (see RETIRED_GRACE_SECONDS)."""
    retired = area / RETIRED
    retired.mkdir(parents=True, exist_ok=True)
    folder.replace(retired / f"{time.time_ns()}.{uuid.uuid4().hex[:8]}")


def purge_retired(area: Path, grace_seconds: float = RETIRED_GRACE_SECONDS) -> None:
    retired = area / RETIRED
    if not retired.is_dir():
        return
    cutoff = time.time_ns() - int(grace_seconds * 1e9)
    for folder in retired.iterdir():
        stamp = folder.name.split(".", 1)[0]
        if not stamp.isdigit() or int(stamp) < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def clean_stale_staging(root: Path) -> list[Path]:
    """Remove staging folders under `root`'s warehouse and published areas whose writer is dead."""
    removed = []
    for area in ("warehouse", "published"):
        purge_retired(root / area)
        staging_root = root / area / STAGING
        if not staging_root.is_dir():
            continue
        for leftover in staging_root.iterdir():
            if not _writer_alive(leftover.name):
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
    return removed


def _writer_alive(name: str) -> bool:
    parts = name.split(".")
    pid = next((int(p) for p in parts if p.isdigit()), None)
    if pid is None or name.endswith(".old"):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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

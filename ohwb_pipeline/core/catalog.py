"""`published/_dictionary.csv` and `published/ohwb.duckdb`, rebuilt from the manifest after each commit.

The catalog is a DuckDB file with one view per published table over its Parquet (hive partitioning),
plus `data_dictionary` and `manifest_partitions`, so a BI tool or notebook attaches one file and sees
every table by name. Its views hold absolute paths: after moving the data folder, run `ohwb catalog`.
It is written in DuckDB's v1.0.0 storage format, not 2.0's own, so that DuckDB 1.0 and later (the 1.1
and 1.4 LTS releases inside BI drivers included) can attach it; `make catalog-compat` opens it with them.
Both files are written beside their target and renamed over it, so a reader never sees half a file,
and they are rebuilt by recovery too: they always describe what the manifest says is published.
"""

import json
import os
import uuid
from pathlib import Path

import duckdb
import polars as pl

from ohwb_pipeline.core.dictionary import to_frame
from ohwb_pipeline.core.lake import Lake

CATALOG_FILE = "ohwb.duckdb"
# BI tools reach DuckDB through ODBC/JDBC drivers and connectors that lag the newest release, and a
# file in 2.0's default format refuses every 1.x ("version number 999"). v1.0.0 is the oldest format
# duckdb 2.0 writes, and the views below use only SQL that 1.0 already parses.
CATALOG_STORAGE_VERSION = "v1.0.0"
OLDEST_CLIENT = "1.0.0"
DICTIONARY_FILE = "_dictionary.csv"
PARTITION_SCHEMA = {
    "table_name": pl.Utf8,
    "partition_value": pl.Utf8,
    "row_count": pl.Int64,
    "commit_id": pl.Utf8,
    "written_at": pl.Utf8,
}


def refresh_catalog(lake: Lake) -> None:
    """Rewrite the dictionary and the catalog from `_manifest.json` (a no-op before the first commit)."""
    if not lake.manifest_path.exists():
        return
    manifest = json.loads(lake.manifest_path.read_text())
    tables = manifest.get("tables", {})
    rows = [row for entry in tables.values() for row in entry.get("dictionary", [])]
    dictionary = lake.published / DICTIONARY_FILE
    _replace(dictionary, lambda tmp: to_frame(rows).write_csv(tmp))
    _replace(lake.published / CATALOG_FILE, lambda tmp: _write_catalog(tmp, lake, tables, dictionary))


def _write_catalog(path: Path, lake: Lake, tables: dict, dictionary: Path) -> None:
    # DDL cannot bind parameters, and a view keeps its text: the paths are quoted literals here.
    con = duckdb.connect(str(path), config={"storage_compatibility_version": CATALOG_STORAGE_VERSION})
    try:
        for table, entry in sorted(tables.items()):
            if not entry.get("partitions"):
                continue
            files = (lake.published / entry["path"]).as_posix()
            key = entry.get("partition_key", "period")
            con.execute(
                f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{_quoted(files)}', "
                f"hive_partitioning = true, hive_types = {{'{key}': VARCHAR}})"
            )
        con.execute(
            f"CREATE VIEW data_dictionary AS SELECT * FROM read_csv('{_quoted(dictionary.as_posix())}', "
            "header = true, all_varchar = true)"
        )
        partitions = pl.DataFrame(
            [
                (table, value, info.get("rows"), info.get("commit_id"), info.get("written_at"))
                for table, entry in sorted(tables.items())
                for value, info in entry.get("partitions", {}).items()
            ],
            schema=PARTITION_SCHEMA,
            orient="row",
        )
        con.register("partitions_frame", partitions)
        con.execute("CREATE TABLE manifest_partitions AS SELECT * FROM partitions_frame")
    finally:
        con.close()


def _quoted(path: str) -> str:
    return path.replace("'", "''")


def _replace(target: Path, write) -> None:
    # Callers hold the publication lock, so any temporary file left here is a killed writer's.
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, 0o444)  # read-only: BI tools read it, the pipeline replaces it whole
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)

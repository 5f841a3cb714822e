"""In-memory DuckDB connections and SQL loaded from `.sql` files beside the asset that runs them."""

import tempfile
from pathlib import Path

import duckdb

from ohwb_pipeline.core.resources import OhwbSettings


def connect(settings: OhwbSettings) -> duckdb.DuckDBPyConnection:
    # One private in-memory database per step: no shared file, so no single-writer lock between runs.
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "ohwb_duckdb")])
    con.execute("SET preserve_insertion_order = true")
    return con


def load_sql(module_file: str, name: str) -> str:
    return (Path(module_file).parent / "sql" / f"{name}.sql").read_text()

"""The published catalog opens in older DuckDB clients, as BI drivers embed them (issue 24 point 6).

The storage-format tests always run. The client tests use the throwaway environments that
`make catalog-compat` installs under the temp dir; `make test` never downloads, so a client whose
environment is absent is skipped, and the skip says how to get it.
"""

import struct
from pathlib import Path

import duckdb
import pytest

from benchmarks import catalog_compat
from ohwb_pipeline.core.catalog import CATALOG_FILE, CATALOG_STORAGE_VERSION, OLDEST_CLIENT

# The header's storage number: 64 for the v1.0.0 format (DuckDB 0.10 to 1.1 write nothing newer),
# 999 for 2.0's own, which every 1.x refuses ("version number 999 ... between 64 and 67").
V1_STORAGE_NUMBER = 64
OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _catalog(small_pipeline):
    root, _ = small_pipeline
    return root / "published" / CATALOG_FILE


def test_the_catalog_is_written_in_the_v1_storage_format(small_pipeline):
    with _catalog(small_pipeline).open("rb") as catalog:
        header = catalog.read(20)  # 8-byte checksum, b"DUCK", then the storage number (little-endian)
    assert header[8:12] == b"DUCK"
    assert struct.unpack("<Q", header[12:20])[0] == V1_STORAGE_NUMBER
    con = duckdb.connect()
    con.execute(f"ATTACH '{_catalog(small_pipeline)}' AS ohwb (READ_ONLY)")
    tags = con.sql("SELECT tags FROM duckdb_databases() WHERE database_name = 'ohwb'").fetchall()[0][0]
    assert tags["storage_version"] == f"{CATALOG_STORAGE_VERSION}+"


def test_the_oldest_documented_client_is_the_oldest_tried():
    assert catalog_compat.CLIENTS[0] == OLDEST_CLIENT
    assert f"DuckDB {OLDEST_CLIENT}" in OPERATIONS.read_text()


def _installed_or_skip(version: str) -> None:
    if not catalog_compat.client_installed(version):
        pytest.skip(
            f"duckdb {version} is not installed under {catalog_compat.ENV_ROOT}: `make catalog-compat` "
            "installs it from PyPI (make test never downloads), so this client is not checked here"
        )


@pytest.mark.parametrize("version", catalog_compat.CLIENTS)
def test_an_older_duckdb_opens_the_catalog_and_reads_every_view(small_pipeline, version):
    _installed_or_skip(version)
    assert catalog_compat.check(_catalog(small_pipeline), version) == []


def test_the_check_fails_a_file_in_the_default_storage_format(tmp_path):
    # The control: a file written without the compatibility setting is refused by the same check.
    installed = [v for v in catalog_compat.CLIENTS if catalog_compat.client_installed(v)]
    if not installed:
        _installed_or_skip(catalog_compat.CLIENTS[-1])
    newest = tmp_path / "default-format.duckdb"
    con = duckdb.connect(str(newest))
    con.execute("CREATE VIEW v AS SELECT 1 AS x")
    con.close()
    problems = catalog_compat.check(newest, installed[-1])
    assert len(problems) == 1 and problems[0].startswith("could not read the catalog"), problems
    assert "version number 999" in problems[0]

"""The data dictionary (from the contracts) and the DuckDB catalog (from the manifest)."""

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ohwb_pipeline.catalog.cli import markdown
from ohwb_pipeline.catalog.contracts import ALL_CONTRACTS, dictionary_rows
from ohwb_pipeline.cli import main as ohwb
from ohwb_pipeline.core.dictionary import undocumented
from ohwb_pipeline.core.metadata import column_schema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"
PANDERA_RULE_NAMES = {
    "isin",
    "greater_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "str_matches",
}


@pytest.mark.parametrize("table", sorted(ALL_CONTRACTS))
def test_every_published_column_has_a_meaning(table):
    assert undocumented(ALL_CONTRACTS[table].model) == []
    assert ALL_CONTRACTS[table].description, f"{table} has no table description"


def test_the_committed_markdown_is_what_the_contracts_generate():
    assert DOCS.read_text() == markdown(), (
        "docs/data-dictionary.md disagrees with the contracts: run "
        "`ohwb dictionary --markdown docs/data-dictionary.md`"
    )


def test_the_cli_writes_the_same_markdown_and_csv(tmp_path):
    assert ohwb(["dictionary", "--markdown", str(tmp_path / "d.md"), "--csv", str(tmp_path / "d.csv")]) == 0
    assert (tmp_path / "d.md").read_text() == markdown()
    assert pl.read_csv(tmp_path / "d.csv", infer_schema=False).height == len(dictionary_rows())


@pytest.mark.parametrize("table", sorted(ALL_CONTRACTS))
def test_the_ui_column_schema_shows_the_dictionary_not_rule_names(table):
    rows = {r["column"]: r for r in dictionary_rows() if r["table"] == table}
    for col in column_schema(ALL_CONTRACTS[table].model).columns:
        assert col.description and col.description not in PANDERA_RULE_NAMES, (table, col.name)
        assert col.description.startswith(rows[col.name]["meaning"]), (table, col.name)
        if rows[col.name]["unit"]:
            assert f"Unit: {rows[col.name]['unit']}." in col.description


def test_the_published_dictionary_and_catalog_match_what_is_published(small_pipeline, tmp_path):
    root, _ = small_pipeline
    published = root / "published"
    manifest = json.loads((published / "_manifest.json").read_text())
    tables = [t for t in manifest["tables"] if t != "revisions"]
    expected = [r for r in dictionary_rows() if r["table"] in tables]
    got = pl.read_csv(published / "_dictionary.csv", infer_schema=False).fill_null("")
    assert sorted(got.rows()) == sorted(tuple(r.values()) for r in expected)

    con = duckdb.connect()
    con.execute(f"ATTACH '{published / 'ohwb.duckdb'}' AS ohwb (READ_ONLY)")
    views = {
        r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE database_name = 'ohwb'").fetchall()
    }
    assert set(tables) | {"data_dictionary"} <= views
    for table in tables:
        files = pl.read_parquet(published / table / "*" / "*.parquet")
        assert con.sql(f"SELECT count(*) FROM ohwb.{table}").fetchall()[0][0] == files.height, table
    months = con.sql("SELECT DISTINCT period FROM ohwb.ics_indicators ORDER BY 1").fetchall()
    assert [m[0] for m in months] == ["2024-01", "2024-02", "2024-03"], "period reads as the month string"
    assert con.sql("SELECT count(*) FROM ohwb.data_dictionary").fetchall()[0][0] == len(expected)
    rows_in_manifest = con.sql(
        "SELECT sum(row_count) FROM ohwb.manifest_partitions WHERE table_name = 'absence_benchmark'"
    ).fetchall()[0][0]
    assert rows_in_manifest == pl.read_parquet(published / "absence_benchmark/*/*.parquet").height
    # Opened from another directory, the views still find their files (absolute paths).
    other = duckdb.connect(str(tmp_path / "notebook.duckdb"))
    other.execute(f"ATTACH '{published / 'ohwb.duckdb'}' AS ohwb (READ_ONLY)")
    assert other.sql("SELECT count(*) FROM ohwb.spc_indicators").fetchall()[0][0] > 0
    with pytest.raises(duckdb.Error):
        con.execute("CREATE VIEW ohwb.x AS SELECT 1")


def test_a_killed_rebuild_leaves_nothing_behind(small_pipeline, tmp_path):
    import shutil

    from ohwb_pipeline.core.catalog import refresh_catalog
    from ohwb_pipeline.core.lake import Lake

    root, _ = small_pipeline
    copy = tmp_path / "copy"
    shutil.copytree(root / "published", copy / "published")
    leftover = copy / "published" / ".ohwb.duckdb.deadbeef.tmp"
    leftover.write_bytes(b"half a database")
    refresh_catalog(Lake(copy))
    assert not leftover.exists()
    assert duckdb.connect(str(copy / "published/ohwb.duckdb"), read_only=True).sql("SHOW TABLES").fetchall()

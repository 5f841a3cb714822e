import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ohwb_pipeline.core.resources import DEV_PSEUDO_KEY, pseudo_key_from_env
from ohwb_pipeline.ingest.pseudonymise import hmac_expr, hmac_python, pseudonymised


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=100), st.lists(st.text(min_size=1, max_size=64), min_size=1, max_size=20))
def test_polars_hash_hmac_is_byte_identical_to_python_hmac(text_key, ids):
    key = text_key.encode("utf-8")  # keys come from an environment variable: text
    frame = pl.DataFrame({"id": ids}).with_columns(hmac_expr("id", key).alias("h"))
    for value, digest in frame.iter_rows():
        assert digest == hmac_python(key, value)


def test_a_large_frame_is_hashed_in_slices_in_order_and_in_place():
    key = b"slice-key"
    ids = [f"RJ1{i:07d}" for i in range(120_001)]
    frame = pl.DataFrame({"org_code": "RJ1", "employee_id": ids, "fte": 1.0})
    out = pseudonymised(frame, "employee_id", key, "employee_key")
    assert out.columns == ["org_code", "employee_key", "fte"]
    assert out.height == frame.height
    sample = range(0, 120_001, 997)
    assert [out["employee_key"][i] for i in sample] == [hmac_python(key, ids[i]) for i in sample]
    assert out["employee_key"][-1] == hmac_python(key, ids[-1])


def test_without_a_key_the_development_key_is_used_with_a_warning(monkeypatch, caplog):
    monkeypatch.delenv("OHWB_PSEUDO_KEY", raising=False)
    assert pseudo_key_from_env() == DEV_PSEUDO_KEY.encode()
    assert "OHWB_PSEUDO_KEY is not set" in caplog.text
    monkeypatch.setenv("OHWB_PSEUDO_KEY", "secret")
    assert pseudo_key_from_env() == b"secret"


def test_no_raw_employee_id_reaches_disk(small_pipeline):
    root, _ = small_pipeline
    # Synthetic ids are the org code and a 7-digit number, e.g. RJ10000042; none may appear in any output.
    con = duckdb.connect()
    for parquet in (root / "warehouse").rglob("*.parquet"):
        for (column,) in con.sql(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($p))", params={"p": str(parquet)}
        ).fetchall():
            hits = con.sql(
                f'SELECT count(*) FROM read_parquet($p) WHERE regexp_matches(CAST("{column}" AS VARCHAR), '
                "'^R[A-Z0-9]{2}[0-9]{7}$')",
                params={"p": str(parquet)},
            ).fetchall()[0][0]
            assert hits == 0, (parquet, column)
    for parquet in (root / "published").rglob("*.parquet"):
        columns = {
            c
            for (c,) in con.sql(
                "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($p))",
                params={"p": str(parquet)},
            ).fetchall()
        }
        assert not {c for c in columns if "employee" in c.lower() or "respondent" in c.lower()}

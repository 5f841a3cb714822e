"""Bad inputs: every fault is quarantined with the right reason, every row is accounted for, and a bad
file never stops the other trusts' files."""

import shutil

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ohwb_pipeline.absence.schemas import EPISODES, STAFF_IN_POST, schema_with_reference
from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.ingest.month import ingest_month
from ohwb_pipeline.ingest.pseudonymise import hmac_python
from ohwb_pipeline.ingest.validate import first_copy_of_each_row
from ohwb_pipeline.reference.load import read_reference
from ohwb_pipeline_tests.conftest import materialize_reference, read_table, synth_into

EXPECTED_REASON = {
    "unknown_org": ("in_reference_org_codes", "org_code"),
    "unknown_reason": ("in_reference_reason_codes", "reason_code"),
    "fte_zero": ("greater_than(0)", "fte"),
    "fte_too_high": ("less_than_or_equal_to(1)", "fte"),
    "end_before_start": ("end_on_or_after_start", "end_date"),
    "not_in_month": ("ends_in_or_after_month", "end_date"),
    "duplicate_row": ("not_a_duplicate_row", "(row)"),
    "blank_required": ("not_nullable", "staff_group"),
    "fte_not_a_number": ("castable_to_contract_type", "fte"),
    "date_not_iso": ("castable_to_contract_type", "start_date"),
}


def _ingest(root, period="2024-01"):
    lake = Lake(root)
    allowed = {
        "org_code": read_reference(lake, "organisations")["org_code"].to_list(),
        "staff_group": read_reference(lake, "staff_groups")["staff_group"].to_list(),
        "reason_code": read_reference(lake, "absence_reasons")["reason_code"].to_list(),
    }
    return ingest_month(lake, EPISODES, "absence", period, schema_with_reference(EPISODES, allowed), b"k")


@pytest.fixture
def landed(tmp_path):
    synth_into(tmp_path, last_month="2024-01", orgs=["RJ1", "RN7"])
    materialize_reference(tmp_path)
    return tmp_path


def test_each_fault_is_quarantined_with_its_reason(tmp_path):
    synth_into(tmp_path, last_month="2024-01", orgs=["RJ1"], faults=len(EXPECTED_REASON))
    materialize_reference(tmp_path)
    clean_rows = pl.read_csv(tmp_path / "landing/absence/2024-01/RJ1.csv").height - len(EXPECTED_REASON)
    month = _ingest(tmp_path)
    quarantine = read_table(tmp_path / "warehouse/quarantine/absence_episodes")
    assert month.rows_quarantined == len(EXPECTED_REASON) == quarantine.height
    assert month.rows_accepted == clean_rows
    found = set(quarantine.select("check", "column").iter_rows())
    assert found == set(EXPECTED_REASON.values())
    # Faults are appended after the good rows: the line numbers point at them.
    assert quarantine["line_number"].min() == clean_rows + 2
    bad_number = quarantine.filter(pl.col("column") == "fte", pl.col("check") == "castable_to_contract_type")
    assert bad_number["reason"].item() == "fte: not a number '1,0'"


def test_rows_read_equal_accepted_plus_quarantined_per_file(tmp_path):
    synth_into(tmp_path, last_month="2024-01", faults=25)
    materialize_reference(tmp_path)
    log = _ingest(tmp_path).file_log
    assert (log["rows_read"] == log["rows_accepted"] + log["rows_quarantined"]).all()
    assert log["rows_quarantined"].sum() == 25


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02binary\xff\xfe junk", "binary"),
        (
            b"org_code;employee_id;staff_group;fte;reason_code;start_date;end_date\nRN7;x;Managers;1;S10;2024-01-01;\n",
            "missing required columns",
        ),
        (b"org_code,employee_id\nRN7,x\n", "missing required columns: staff_group, fte, reason_code"),
        (
            b"org_code,employee_id,staff_group,fte,reason_code,start_date,end_date\n\xff\xfe\xfa,1,2,3,4,5,6\n",
            "not a readable CSV",
        ),
    ],
)
def test_an_unreadable_file_is_recorded_and_the_other_trusts_go_through(landed, content, message):
    (landed / "landing/absence/2024-01/RN7.csv").write_bytes(content)
    good_rows = pl.read_csv(landed / "landing/absence/2024-01/RJ1.csv").height
    month = _ingest(landed)
    bad = month.file_log.filter(pl.col("org_code") == "RN7").row(0, named=True)
    assert bad["status"] == "unreadable"
    assert message in bad["error"]
    assert "\n" not in bad["error"]
    assert bad["rows_read"] == bad["rows_accepted"] == bad["rows_quarantined"] == 0
    assert month.rows_accepted == good_rows


def test_a_bom_and_extra_columns_are_tolerated(landed, caplog):
    path = landed / "landing/absence/2024-01/RJ1.csv"
    frame = pl.read_csv(path, infer_schema=False).with_columns(pl.lit("x").alias("local_note"))
    path.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode())
    month = _ingest(landed)
    assert month.rows_quarantined == 0
    assert (
        month.rows_accepted
        == month.rows_read
        == frame.height + pl.read_csv(landed / "landing/absence/2024-01/RN7.csv").height
    )
    assert "local_note" in caplog.text


def test_a_file_whose_org_code_differs_from_its_name_is_quarantined(landed):
    shutil.copy(landed / "landing/absence/2024-01/RJ1.csv", landed / "landing/absence/2024-01/RRE.csv")
    month = _ingest(landed)
    rre = month.file_log.filter(pl.col("org_code") == "RRE").row(0, named=True)
    assert rre["rows_accepted"] == 0 and rre["rows_quarantined"] == rre["rows_read"] > 0
    quarantine = read_table(landed / "warehouse/quarantine/absence_episodes")
    assert set(quarantine.filter(pl.col("source_file").str.ends_with("RRE.csv"))["check"]) == {
        "org_code_matches_file_name"
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a.csv", "b.csv"]),
            st.sampled_from(["e1", "e2", None]),
            st.sampled_from(["0.5", "1.0", None]),
        ),
        max_size=30,
    )
)
def test_first_copy_of_each_row_matches_a_full_row_comparison(rows):
    frame = pl.DataFrame(rows, schema=["file", "id", "fte"], orient="row")
    expected = frame.select(pl.struct(pl.all()).is_first_distinct()).to_series().to_list()
    got = first_copy_of_each_row(frame.lazy(), ["file", "id", "fte"], ["file", "id"]).collect()
    assert got.to_series().to_list() == expected


def test_ingest_flags_exactly_the_people_with_several_accepted_posts(landed):
    path = landed / "landing/staff_in_post/2024-01/RJ1.csv"
    staff = pl.read_csv(path, infer_schema=False)
    first, second = staff.row(0, named=True), staff.row(1, named=True)
    other_group = "Managers" if first["staff_group"] != "Managers" else "Central functions"
    extra = pl.DataFrame(
        # a second post in another group (several posts), and an exact repeat of a row (quarantined,
        # so its person still holds one accepted post)
        [{**first, "staff_group": other_group, "fte": "0.2"}, second],
        schema=staff.schema,
    )
    pl.concat([staff, extra]).write_csv(path)
    lake = Lake(landed)
    allowed = {
        "org_code": read_reference(lake, "organisations")["org_code"].to_list(),
        "staff_group": read_reference(lake, "staff_groups")["staff_group"].to_list(),
    }
    schema = schema_with_reference(STAFF_IN_POST, allowed)
    month = ingest_month(lake, STAFF_IN_POST, "staff_in_post", "2024-01", schema, b"k")
    assert month.rows_quarantined == 1
    written = read_table(landed / "warehouse/staff_in_post").filter(pl.col("org_code") == "RJ1")
    flagged = written.filter(pl.col("holds_several_posts"))
    assert flagged["employee_key"].to_list() == [hmac_python(b"k", first["employee_id"])] * 2
    assert set(flagged["staff_group"]) == {first["staff_group"], other_group}
    assert written.height == staff.height + 1

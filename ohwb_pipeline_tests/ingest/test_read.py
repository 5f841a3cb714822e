"""Reading a landed file: ragged lines found line by line, blank lines skipped, line numbers kept."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ohwb_pipeline.absence.schemas import STAFF_IN_POST
from ohwb_pipeline.ingest.read import ReadLimits, line_shape, read_text_csv

HEADER = b"org_code,employee_id,staff_group,fte,start_date,end_date\r\n"


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_ragged_and_blank_lines_keep_their_line_numbers(tmp_path, line_end):
    path = tmp_path / "RN7.csv"
    path.write_bytes(
        (
            HEADER
            + b"RN7,e1,Managers,1,2024-01-01,\r\n"  # line 2: an empty end date is a value
            + b"\r\n"
            + b"RN7,e2,Managers,1,2024-01-01\r\n"  # line 4: one field short
            + b"\n\n\n"
            + b'RN7,e3,"Scientific, therapeutic and technical staff",0.5,2024-01-01,2024-02-01\r\n'  # line 8
            + b"RN7,e4,Managers,1,2024-01-01,,x\r\n"  # line 9: one field too many
            + b"\r\n"
        ).replace(b"\r\n", line_end)
    )
    read = read_text_csv(path, STAFF_IN_POST)
    assert read.error is None
    assert read.line_numbers.to_list() == [2, 4, 8, 9]
    assert read.ragged == [
        (1, "line 4: fewer fields than the 6 in the header"),
        (3, "line 9: more fields than the 6 in the header"),
    ]
    assert read.frame["employee_id"].to_list() == ["e1", None, "e3", None], "a ragged line keeps no value"
    assert read.frame["staff_group"][2] == "Scientific, therapeutic and technical staff"
    assert read.blank_lines == 5


def test_limits_refuse_without_reading_whole(tmp_path):
    big = tmp_path / "RJ1.csv"
    big.write_bytes(HEADER + b"x" * 5000 + b"\n")
    assert "over the 1,024-byte limit" in read_text_csv(big, STAFF_IN_POST, ReadLimits(10_000, 1024)).error
    assert "file too large" in read_text_csv(big, STAFF_IN_POST, ReadLimits(1000, 1024)).error


def test_a_file_that_cannot_be_parsed_still_counts_its_lines(tmp_path):
    path = tmp_path / "RJ1.csv"
    path.write_bytes(HEADER.replace(b",", b";") + b"a;b\n" * 7)
    read = read_text_csv(path, STAFF_IN_POST)
    assert "missing required columns" in read.error and read.rows_read == 7


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"a", b",", b"\r", b"xyz"]), max_size=40).map(b"".join))
def test_line_shape_finds_the_longest_line_and_any_empty_one(raw):
    longest, has_blank_line = line_shape(raw)
    assert has_blank_line == (b"\n\n" in raw)
    assert longest == max((len(line) for line in raw.split(b"\n")), default=0)

"""Suppression: primary (< 11), complementary, and the linear audit, checked by an independent auditor."""

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ohwb_pipeline.survey.suppression import MIN_VALID, recoverable, sums, suppress
from ohwb_pipeline_tests.survey.leak_audit import counts_to_cells, recovered

ICB_OF = {"RJ1": "QKK", "RJZ": "QKK", "RJ2": "QKK", "RPG": "QKK", "RN7": "QKS"}
REGION_OF = {"QKK": "Y56", "QKS": "Y59"}


def _cells(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    orgs = pl.DataFrame(rows, schema=["org_code", "staff_group", "n_valid", "n_indicator"], orient="row")
    return counts_to_cells(orgs.filter(pl.col("n_valid") > 0), ICB_OF, REGION_OF)


def _published(cells: pl.DataFrame, hidden: pl.Series) -> pl.DataFrame:
    masked = [pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in ("n_valid", "n_indicator")]
    return cells.with_columns(hidden.alias("suppressed"), *masked).with_columns(
        pl.lit("2024").alias("year"), pl.lit("q11c").alias("question_id")
    )


def _cell(cells: pl.DataFrame, level: str, area: str, group: str) -> int:
    index = cells.with_row_index("i").filter(
        pl.col("level") == level, pl.col("area_code") == area, pl.col("staff_group") == group
    )
    return int(index["i"][0])


def test_a_lone_small_group_gets_a_complement_so_the_total_cannot_reveal_it():
    cells = _cells([("RJ1", "Nurses", 30, 12), ("RJ1", "Doctors", 25, 10), ("RJ1", "Midwives", 5, 2)])
    primary_only = pl.Series(cells["n_valid"] < MIN_VALID)
    leaked = recovered(_published(cells, primary_only))
    assert ("2024", "q11c", "org", "RJ1", "Midwives") in leaked  # All - Nurses - Doctors = Midwives

    hidden = suppress(cells)
    published = _published(cells, hidden)
    assert recovered(published) == []
    org = published.filter(pl.col("level") == "org").sort("staff_group")
    assert dict(zip(org["staff_group"], org["suppressed"], strict=True)) == {
        "All staff groups": False,
        "Doctors": True,  # the smallest other group is the complement
        "Midwives": True,
        "Nurses": False,
    }
    assert org.filter(pl.col("staff_group") == "All staff groups")["n_valid"].item() == 60


def test_all_or_none_answers_among_the_hidden_parts_are_not_allowed():
    # Both small groups answered "no": hiding them together would still show 0% for each.
    cells = _cells(
        [
            ("RJ1", "Nurses", 40, 20),
            ("RJ1", "Doctors", 30, 15),
            ("RJ1", "Midwives", 5, 0),
            ("RJ1", "Managers", 6, 0),
        ]
    )
    published = _published(cells, suppress(cells))
    assert recovered(published) == []
    org = published.filter(pl.col("level") == "org", pl.col("suppressed"))
    assert "Doctors" in org["staff_group"].to_list()


def test_the_audit_catches_a_chain_that_the_pairwise_rule_misses():
    small = {("RJ1", "g1"), ("RJ1", "g2"), ("RJZ", "g1"), ("RJZ", "g2")}
    small |= {("RJ2", "g3"), ("RJ2", "g4"), ("RPG", "g3"), ("RPG", "g4"), ("RJ1", "g3")}
    rows = []
    for org in ("RJ1", "RJZ", "RJ2", "RPG"):
        for group in ("g1", "g2", "g3", "g4"):
            n = 5 if (org, group) in small else 40
            rows.append((org, group, n, 2 if n == 5 else 17))
    cells = _cells(rows)
    primary = (cells["n_valid"] < MIN_VALID).to_numpy()
    # Every sum has two or more hidden parts, yet RJ1 g3 = RJ1 total - (RJ1 g1 + g2), and
    # RJ1 g1 + g2 = (ICB g1 + g2) - (RJZ g1 + g2) - published cells, with RJZ g1 + g2 = RJZ total - ...
    bridge = _cell(cells, "org", "RJ1", "g3")
    assert list(recoverable(sums(cells), primary.copy())) == [bridge]
    assert ("2024", "q11c", "org", "RJ1", "g3") in recovered(_published(cells, pl.Series(primary)))

    assert recovered(_published(cells, suppress(cells))) == []


org_rows = st.lists(
    st.tuples(
        st.sampled_from(sorted(ICB_OF)),
        st.sampled_from(["Nurses", "Doctors", "Midwives", "Managers"]),
        st.integers(0, 30),
        st.floats(0, 1),
    ),
    min_size=1,
    max_size=16,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=60, deadline=None)
@given(org_rows)
def test_no_published_combination_recovers_a_suppressed_cell(rows):
    cells = _cells([(o, g, n, round(n * share)) for o, g, n, share in rows])
    hidden = suppress(cells)
    assert (hidden | (cells["n_valid"] >= MIN_VALID)).all()
    assert recovered(_published(cells, hidden)) == []


def test_nothing_is_suppressed_when_every_cell_is_large():
    cells = _cells([("RJ1", "Nurses", 30, 12), ("RJZ", "Nurses", 25, 10), ("RJZ", "Doctors", 14, 3)])
    assert not suppress(cells).any()
    assert np.all(cells["n_valid"].to_numpy() >= MIN_VALID)

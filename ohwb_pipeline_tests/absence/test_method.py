"""Known answers for the DESIGN.md method (calendar days) and its invariants."""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ohwb_pipeline.ingest.validate import month_bounds
from ohwb_pipeline_tests.absence.method_helpers import episode, facts, monthly_rows, post

PERIODS = ["2024-01", "2024-02", "2024-03"]


def _lost(frame: pl.DataFrame, column: str = "fte_days_lost") -> dict[str, float]:
    return {
        p: float(v) for p, v in frame.group_by("period").agg(pl.col(column).sum()).sort("period").iter_rows()
    }


def test_episode_across_a_leap_february(tmp_path):
    out = facts(
        tmp_path, "absence_facts", "absence_episodes", [episode(0.8, "2024-01-20", "2024-03-10")], PERIODS
    )
    assert _lost(out) == {"2024-01": 9.6, "2024-02": 23.2, "2024-03": 8.0}


def test_long_term_once_the_episode_exceeds_28_days(tmp_path):
    out = facts(
        tmp_path, "absence_facts", "absence_episodes", [episode(0.8, "2024-01-20", "2024-03-10")], PERIODS
    )
    # 12 days by 31 January (short term); 41 days by 29 February and 51 by 10 March (long term).
    assert _lost(out, "long_term_fte_days_lost") == {"2024-01": 0.0, "2024-02": 23.2, "2024-03": 8.0}
    assert out.sort("period")["long_term_episodes"].to_list() == [0, 1, 1]


def test_an_ongoing_episode_counts_to_month_end(tmp_path):
    out = facts(
        tmp_path, "absence_facts", "absence_episodes", [episode(1.0, "2024-02-20", None)], ["2024-02"]
    )
    assert _lost(out) == {"2024-02": 10.0}


def test_a_leaver_mid_month_has_partial_days_available(tmp_path):
    spells = [post(0.5, "2020-01-01", "2024-01-10"), post(1.0, "2023-06-01", None, person="p2")]
    out = facts(tmp_path, "workforce_facts", "staff_in_post", spells, ["2024-01"])
    group = out.filter(pl.col("staff_group") == "Nurses & health visitors").row(0, named=True)
    assert float(group["fte_days_available"]) == 0.5 * 10 + 1.0 * 31
    assert group["headcount"] == 2
    assert group["leavers"] == 1
    assert group["fte"] == (0.5 * 10 + 31) / 31
    everyone = out.filter(pl.col("staff_group") == "All staff groups").row(0, named=True)
    assert float(everyone["fte_days_available"]) == 36.0


def test_a_person_in_two_groups_is_one_head_for_the_trust(tmp_path):
    spells = [post(0.5, "2020-01-01", None), post(0.5, "2020-01-01", None, group="Managers")]
    out = facts(tmp_path, "workforce_facts", "staff_in_post", spells, ["2024-01"])
    heads = dict(out.select("staff_group", "headcount").iter_rows())
    assert heads == {"All staff groups": 1, "Managers": 1, "Nurses & health visitors": 1}


_dates = st.dates(min_value=dt.date(2023, 11, 1), max_value=dt.date(2024, 5, 31))
_fte = st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.6, 0.75, 0.8, 0.9, 1.0])
SIX_MONTHS = ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_fte, _dates, st.integers(0, 120)), min_size=1, max_size=8))
def test_days_lost_over_all_months_equal_fte_times_length(tmp_path_factory, spells):
    episodes = [
        episode(f, s.isoformat(), (s + dt.timedelta(days=n)).isoformat(), person=f"p{i}")
        for i, (f, s, n) in enumerate(spells)
    ]
    window_start, window_end = dt.date(2023, 12, 1), dt.date(2024, 5, 31)
    expected = sum(
        f * max(0, (min(s + dt.timedelta(days=n), window_end) - max(s, window_start)).days + 1)
        for f, s, n in spells
    )
    out = facts(tmp_path_factory.mktemp("inv"), "absence_facts", "absence_episodes", episodes, SIX_MONTHS)
    assert abs(sum(_lost(out).values()) - expected) < 1e-9


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_persons_days_lost_never_exceed_days_available(tmp_path_factory, data):
    fte = data.draw(_fte)
    start = data.draw(_dates)
    end = data.draw(st.one_of(st.none(), st.dates(min_value=start, max_value=dt.date(2024, 5, 31))))
    # Non-overlapping episodes inside the employment spell.
    cursor, episodes = start, []
    for _ in range(data.draw(st.integers(1, 4))):
        gap, length = data.draw(st.integers(0, 40)), data.draw(st.integers(0, 60))
        first = cursor + dt.timedelta(days=gap)
        last = first + dt.timedelta(days=length)
        if end is not None and last > end:
            break
        episodes.append(episode(fte, first.isoformat(), last.isoformat()))
        cursor = last + dt.timedelta(days=1)
    tmp = tmp_path_factory.mktemp("person")
    available = facts(
        tmp,
        "workforce_facts",
        "staff_in_post",
        [post(fte, start.isoformat(), end.isoformat() if end else None)],
        SIX_MONTHS,
    )
    available = available.filter(pl.col("staff_group") == "All staff groups")
    available = {p: float(v) for p, v in available.select("period", "fte_days_available").iter_rows()}
    if episodes:
        lost = _lost(facts(tmp, "absence_facts", "absence_episodes", episodes, SIX_MONTHS))
        for period, days in lost.items():
            assert days <= available.get(period, 0.0) + 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(_fte, _dates, st.integers(0, 90), st.sampled_from(["S10", "S11", "S13"])),
        min_size=2,
        max_size=10,
    ),
    st.randoms(),
)
def test_results_do_not_depend_on_row_order(tmp_path_factory, spells, rnd):
    episodes = [
        episode(f, s.isoformat(), (s + dt.timedelta(days=n)).isoformat(), reason=r, person=f"p{i}")
        for i, (f, s, n, r) in enumerate(spells)
    ]
    shuffled = episodes[:]
    rnd.shuffle(shuffled)
    a = facts(tmp_path_factory.mktemp("a"), "absence_facts", "absence_episodes", episodes, SIX_MONTHS)
    b = facts(tmp_path_factory.mktemp("b"), "absence_facts", "absence_episodes", shuffled, SIX_MONTHS)
    assert a.sort(pl.all()).equals(b.sort(pl.all()))


def _expected_workforce(spells: list[dict], period: str) -> dict[str, tuple[float, int, int]]:
    """The method in plain Python: per staff group and for the org, (FTE days, heads, leavers), where a
    person with several posts is one head and a leaver if any post ends in the month."""
    first, last = month_bounds(period)
    people: dict[tuple[str, str], list[float | bool]] = {}
    for spell in monthly_rows(spells, period):
        start, end = max(spell["start_date"], first), min(spell["end_date"] or last, last)
        days = spell["fte"] * ((end - start).days + 1)
        for group in (spell["staff_group"], "All staff groups"):
            person = people.setdefault((group, spell["employee_key"]), [0.0, False])
            person[0] += days
            person[1] = person[1] or spell["end_date"] is not None
    out: dict[str, tuple[float, int, int]] = {}
    for (group, _), (days, left) in people.items():
        total, heads, leavers = out.get(group, (0.0, 0, 0))
        out[group] = (total + days, heads + 1, leavers + int(left))
    return out


_groups = st.sampled_from(["Nurses & health visitors", "Managers"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["p1", "p2", "p3", "p4"]), _groups, _fte, _dates, st.integers(0, 200)),
        min_size=1,
        max_size=10,
    )
)
def test_workforce_facts_count_each_person_once_however_many_posts(tmp_path_factory, posts):
    # Few people and two groups, so people often hold several posts, in one group or in both.
    spells = [
        post(f, s.isoformat(), (s + dt.timedelta(days=n)).isoformat() if n < 150 else None, person=p, group=g)
        for p, g, f, s, n in posts
    ]
    expected = {
        (period, group): values
        for period in SIX_MONTHS
        for group, values in _expected_workforce(spells, period).items()
    }
    # With the ingest's several-posts flag, and without it (partitions written before it existed).
    for flagged in (True, False):
        tmp = tmp_path_factory.mktemp("wf")
        out = facts(tmp, "workforce_facts", "staff_in_post", spells, SIX_MONTHS, flagged=flagged)
        got = {
            (period, group): (float(days), heads, leavers)
            for period, group, days, heads, leavers in out.select(
                "period", "staff_group", "fte_days_available", "headcount", "leavers"
            ).iter_rows()
        }
        assert got.keys() == expected.keys()
        for cell, (days, heads, leavers) in expected.items():
            assert got[cell][1:] == (heads, leavers), (flagged, cell)
            assert abs(got[cell][0] - days) < 1e-9, (flagged, cell)

"""Keeps `make first-tick` from rotting: two months, so one run per month is two runs against one."""

from benchmarks.first_tick import main


def test_the_first_tick_benchmark_launches_both_sides(tmp_path):
    results = main(["--smoke", "--root", str(tmp_path), "--concurrent", "2"])
    assert results["months"] == 2
    assert results["before"]["runs"] == 2 and results["after"]["runs"] == 1
    for side in ("before", "after"):
        assert results[side]["wall_seconds"] > 0 and results[side]["peak_rss_mib"] > 0
    # Each run's output goes to its own file rather than a pipe, which a long run would fill and block.
    assert len(list((tmp_path / "first_tick" / "before" / "run_logs").glob("run_*.log"))) == 2
    assert len(list((tmp_path / "first_tick" / "after" / "run_logs").glob("run_*.log"))) == 1

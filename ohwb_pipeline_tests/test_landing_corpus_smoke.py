"""Keeps `make faults`' hostile-landing measurement from rotting (tiny floods; the figures mean nothing)."""

from benchmarks.landing_corpus import main


def test_the_corpus_benchmark_runs_and_accounts_for_every_entry(tmp_path):
    report = main(["--scale", "0.01", "--root", str(tmp_path)])
    assert report["kinds"] >= 40
    assert report["entries_not_in_log"] == []
    assert report["good_trusts_unchanged"] is True
    assert report["hostile"]["peak_rss_mib"] > 0

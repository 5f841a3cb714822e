"""Keeps the benchmark harness from rotting: every case at a tiny size (the figures mean nothing)."""

import json

from benchmarks.run import main


def test_the_benchmark_harness_runs_every_case(tmp_path):
    results = main(["--smoke", "--root", str(tmp_path / "bench"), "--out", str(tmp_path / "latest.json")])
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["pandas_peer"]["identical_output"] is True
    for case in ("scan_floor", "pipeline_compute", "pandas_peer"):
        assert results[case]["median_s"] > 0
    assert set(saved["backfill"]) == {"12m", "36m"}
    assert saved["backfill"]["12m"]["per_month_runs"]["seconds"] > 0
    assert saved["cli_one_month"]["peak_rss_mib"] > 0
    assert abs(sum(saved["pipeline_compute"]["stage_share"].values()) - 1) < 1e-9
    assert [row["size_factor"] for row in saved["scaling"]] == [0.004], "the one-month case's row"

"""Keeps the fault-injection harness (`make faults`) from rotting: two kill -9 trials, the rest tiny."""

import json

from benchmarks.faults import MUST_BE_ZERO, main


def test_the_fault_harness_kills_twice_and_counts_no_damage(tmp_path, capsys):
    out = tmp_path / "faults.json"
    results = main(
        [
            "--kills", "2",
            "--disk-full-runs", "1",
            "--reader-seconds", "1",
            "--replace-writes", "20",
            "--calibration-runs", "1",
            "--root", str(tmp_path / "work"),
            "--out", str(out),
        ]
    )  # fmt: skip
    printed = capsys.readouterr().out

    assert results["kills"]["trials"] == 2
    assert results["kills"]["delivered"] == 2, results["notes"]
    assert results["counts"] == dict.fromkeys(MUST_BE_ZERO, 0), results["notes"]
    assert results["ok"] is True
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in printed.splitlines()
        if line.startswith("| ")
    }
    count_rows = [
        value for label, value in rows.items() if any(label.startswith(m) for m in MUST_BE_ZERO.values())
    ]
    assert len(count_rows) == len(MUST_BE_ZERO)
    assert set(count_rows) == {"0"}
    assert rows["kills delivered (after the commit returned)"].startswith("2 ")
    assert json.loads(out.read_text())["counts"] == results["counts"]

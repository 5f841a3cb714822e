"""With OHWB_ENV=production nothing runs without a secret key of at least 32 bytes."""

import os
import subprocess
import sys

import pytest

from ohwb_pipeline.core.resources import DEV_PSEUDO_KEY

CASES = {
    "missing key": None,
    "the development key": DEV_PSEUDO_KEY,
    "a short key": "x" * 31,
}


def _run(tmp_path, key: str | None, *command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "OHWB_PSEUDO_KEY"}
    env |= {"OHWB_ENV": "production", "OHWB_DATA_DIR": str(tmp_path / "data")}
    env.pop("DAGSTER_HOME", None)
    if key is not None:
        env["OHWB_PSEUDO_KEY"] = key
    return subprocess.run(
        [sys.executable, *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("case", list(CASES))
def test_production_refuses_a_bad_key_and_writes_nothing(tmp_path, case):
    demo = _run(tmp_path, CASES[case], "-m", "ohwb_pipeline.cli", "demo")
    assert demo.returncode != 0
    assert "OHWB_ENV=production" in demo.stderr and "nothing was run or written" in demo.stderr
    assert not (tmp_path / "data").exists()
    load = _run(tmp_path, CASES[case], "-c", LOAD_AND_LIST_DOMAINS)
    assert load.returncode != 0 and "ProductionSettingsError" in load.stderr
    assert load.stdout.split() == ["domains:"], "refused before any domain is imported"
    assert not (tmp_path / "data").exists()


# Loads the definitions as the daemon and webserver do; at exit, even after an error, lists the domain
# packages imported by then.
LOAD_AND_LIST_DOMAINS = """
import atexit, sys
domains = {"ohwb_pipeline." + d for d in ("absence", "survey", "roi", "report", "funnel")}
atexit.register(lambda: print("domains:", *sorted(domains & set(sys.modules))))
import ohwb_pipeline.definitions
"""


def test_production_accepts_a_long_secret_key(tmp_path):
    load = _run(tmp_path, "k" * 32, "-c", "import ohwb_pipeline.definitions")
    assert load.returncode == 0, load.stderr

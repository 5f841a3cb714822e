"""How the suite's modules are handed to pytest-xdist's workers, so that two workers finish together.

xdist's `loadscope` hands out one module at a time, by default the modules with the most tests first,
which left the slowest modules (one test each, a minute or more) to the end on one worker while the
other sat idle. Here the slow modules go first and the rest fill in around them.
"""

# Modules (or packages) of about 20 s or more each, slowest first, from `pytest --durations=30` on 2 cores
# (2026-12-07, 435 s in all). The live daemon test mostly waits for sensor ticks, so it goes early, where
# the other worker's CPU work overlaps it. A module missing from the list only loses its place in the
# queue, never a test.
SLOW_FIRST = (
    "ohwb_pipeline_tests/realdata/",
    "ohwb_pipeline_tests/deploy/test_live_daemon.py",
    "ohwb_pipeline_tests/test_benchmark_smoke.py",
    "ohwb_pipeline_tests/test_demo_console.py",
    "ohwb_pipeline_tests/roi/test_roi_recovery.py",
    "ohwb_pipeline_tests/roi/test_case_studies.py",
    "ohwb_pipeline_tests/test_docs_commands.py",
    "ohwb_pipeline_tests/test_first_tick_smoke.py",
    "ohwb_pipeline_tests/test_faults_smoke.py",
    "ohwb_pipeline_tests/deploy/test_serve.py",
    "ohwb_pipeline_tests/test_roi_calibration_smoke.py",
    "ohwb_pipeline_tests/test_landing_corpus_smoke.py",
)

# The real-data modules share one session fixture (the 30 real months as one run, about 20 s): kept on
# one worker, it is built once instead of once per worker.
ONE_WORKER_PACKAGES = ("ohwb_pipeline_tests/realdata/",)


def queue_rank(nodeid: str) -> int:
    """A test's place in the queue: its module's place in SLOW_FIRST, the others after them all."""
    return next((i for i, prefix in enumerate(SLOW_FIRST) if nodeid.startswith(prefix)), len(SLOW_FIRST))


def work_unit(nodeid: str) -> str | None:
    """The package a test is kept with on one worker, or None for xdist's own unit (its module)."""
    return next((p.rstrip("/") for p in ONE_WORKER_PACKAGES if nodeid.startswith(p)), None)

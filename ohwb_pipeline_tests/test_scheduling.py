"""The suite's own queue: slow modules first, the real-data package on one worker."""

from ohwb_pipeline_tests.scheduling import SLOW_FIRST, queue_rank, work_unit


def test_slow_modules_go_first_in_their_listed_order_and_the_rest_after():
    assert queue_rank("ohwb_pipeline_tests/realdata/test_backtest.py::test_x") == 0
    assert queue_rank("ohwb_pipeline_tests/deploy/test_live_daemon.py::test_y") == 1
    assert queue_rank("ohwb_pipeline_tests/funnel/test_limits.py::test_z") == len(SLOW_FIRST)


def test_the_real_data_modules_share_one_work_unit_and_others_keep_their_module():
    assert work_unit("ohwb_pipeline_tests/realdata/test_backtest.py::a") == "ohwb_pipeline_tests/realdata"
    assert work_unit("ohwb_pipeline_tests/realdata/test_changes.py::b") == "ohwb_pipeline_tests/realdata"
    assert work_unit("ohwb_pipeline_tests/absence/test_checks.py::c") is None


def test_every_listed_module_exists():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    assert all((root / prefix).exists() for prefix in SLOW_FIRST)

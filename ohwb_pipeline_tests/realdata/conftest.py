import pytest

from ohwb_pipeline_tests.realdata.helpers import REAL_FIRST, REAL_LAST, real_root, run_range


@pytest.fixture(scope="session")
def real_span(tmp_path_factory):
    """Every shipped real month (January 2023 to June 2025), materialised as one ranged run."""
    root = real_root(tmp_path_factory.mktemp("real_span"))
    result = run_range(root, REAL_FIRST, REAL_LAST)
    assert result.success
    return root, result

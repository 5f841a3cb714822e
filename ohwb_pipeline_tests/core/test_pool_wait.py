"""A run whose step waits for a pool slot sleeps between Dagster's claim checks (core/pool_wait.py)."""

import threading
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

from ohwb_pipeline.core import pool_wait

REPO = Path(__file__).resolve().parents[2]
POOL = "ohwb/test_pool"


def test_the_fix_is_for_the_pinned_dagster_whose_own_check_never_waits():
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"dagster=={pool_wait.FIXED_FOR}" in pins, "Dagster moved: see whether it still busy-waits"
    assert dg.__version__ == pool_wait.FIXED_FOR
    due_in_5s = SimpleNamespace(_pending_claims={"step"}, _pending_timeouts={"step": time.time() + 5})
    assert pool_wait.DAGSTERS_OWN(due_in_5s) <= 0, "Dagster waits by itself now: drop core/pool_wait.py"
    assert 4 < pool_wait.seconds_to_next_claim_check(due_in_5s) <= 5
    overdue = SimpleNamespace(_pending_claims={"step"}, _pending_timeouts={"step": time.time() - 1})
    assert pool_wait.seconds_to_next_claim_check(overdue) == 0
    assert (
        pool_wait.seconds_to_next_claim_check(SimpleNamespace(_pending_claims=set(), _pending_timeouts={}))
        == 0
    )


def test_a_step_blocked_on_a_full_pool_checks_a_few_times_then_runs_when_the_slot_frees(monkeypatch):
    assert (
        InstanceConcurrencyContext.interval_to_next_pending_claim_check
        is pool_wait.seconds_to_next_claim_check
    )
    claims = []
    dagsters_claim = InstanceConcurrencyContext.claim

    def counted(self, *args, **kwargs):
        claims.append(time.monotonic())
        return dagsters_claim(self, *args, **kwargs)

    monkeypatch.setattr(InstanceConcurrencyContext, "claim", counted)

    @dg.asset(pool=POOL)
    def waits_for_the_pool() -> None:
        return None

    with dg.instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as instance:
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(POOL)
        assert storage.claim_concurrency_slot(POOL, "another-run", "its-step").is_claimed
        results = []
        run = threading.Thread(
            target=lambda: results.append(dg.materialize([waits_for_the_pool], instance=instance))
        )
        run.start()
        time.sleep(3)
        blocked_checks = len(claims)
        storage.free_concurrency_slot_for_step("another-run", "its-step")
        run.join(timeout=60)
    # Dagster re-checks after 1 s, then a little longer each time: two or three checks in 3 s. Spinning,
    # the loop called claim() tens of thousands of times.
    assert 1 <= blocked_checks <= 10, blocked_checks
    assert results and results[0].success

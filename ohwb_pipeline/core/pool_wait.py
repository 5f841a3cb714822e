"""A step waiting for a pool slot sleeps until Dagster's next claim check, instead of spinning a core.

Dagster 1.13.27's `InstanceConcurrencyContext.interval_to_next_pending_claim_check` returns
`min([0, *intervals])`, which is never above 0, so `ActiveExecution.sleep_til_ready` never sleeps: a run
whose step waits for a slot of a pool at its limit (`ohwb/*`, default limit 1) loops at 100% of a core
until the slot frees. Dagster does compute its back-off (a first re-check after 1 s, growing to 15 s) and
keeps it in `_pending_timeouts`; only the sleep is lost. Measured with the first-tick smoke size
(`python -m benchmarks.first_tick --smoke`, two one-month runs at once): 41.7 CPU-s without this, 10.5
with it (docs/operations.md, "Concurrency").

Applied only at the pinned Dagster version; `ohwb_pipeline_tests/core/test_pool_wait.py` fails when the
pin moves, so that an upgrade checks whether Dagster fixed it (and this file can go).
"""

import time

import dagster
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext

FIXED_FOR = "1.13.27"
# Kept for the test that shows the busy wait is still there at the pinned version.
DAGSTERS_OWN = InstanceConcurrencyContext.interval_to_next_pending_claim_check


def seconds_to_next_claim_check(context: InstanceConcurrencyContext) -> float:
    """Until the earliest pending claim may be tried again; 0 when none is pending or one is due."""
    pending = [
        context._pending_timeouts[key] for key in context._pending_claims if key in context._pending_timeouts
    ]
    if not pending:
        return 0.0
    return max(0.0, min(pending) - time.time())


def apply() -> bool:
    """Install the sleep at the pinned version; at any other version leave Dagster as it is."""
    if dagster.__version__ != FIXED_FOR:
        return False
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = seconds_to_next_claim_check
    return True

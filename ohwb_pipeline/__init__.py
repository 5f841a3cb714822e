"""NHS Occupational Health and Wellbeing metrics pipeline."""

import warnings

# The pipeline uses two Dagster APIs marked beta on purpose (single-run backfill policies, and
# TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True)); their warnings repeat on every
# definitions load and say nothing a user can act on. Only those two categories are silenced.
from dagster import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

# Every process that loads the pipeline (run workers, `dagster job execute`, the code server) gets the
# pool-wait sleep: without it a run whose step waits for a pool slot spins a core (core/pool_wait.py).
from ohwb_pipeline.core import pool_wait  # noqa: E402

pool_wait.apply()

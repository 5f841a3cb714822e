"""NHS Occupational Health and Wellbeing metrics pipeline."""

import warnings

# The pipeline uses two Dagster APIs marked beta on purpose (single-run backfill policies, and
# TimeWindowPartitionMapping(allow_nonexistent_upstream_partitions=True)); their warnings repeat on every
# definitions load and say nothing a user can act on. Only those two categories are silenced.
from dagster import BetaWarning, PreviewWarning

warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)

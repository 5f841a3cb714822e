"""Partitions are defined once here and imported everywhere else."""

import dagster as dg

ABSENCE_START = "2021-04-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=ABSENCE_START, end_offset=0)
yearly_survey_partitions = dg.TimeWindowPartitionsDefinition(
    start="2021-01-01", cron_schedule="0 0 1 1 *", fmt="%Y-%m-%d", end_offset=0
)

single_run = dg.BackfillPolicy.single_run()

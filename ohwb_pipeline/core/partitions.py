"""Partitions are defined once here and imported everywhere else."""

import dagster as dg

ABSENCE_START = "2021-04-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=ABSENCE_START, end_offset=0)
# Keys read as years ("2024"): the survey year, fielded in its autumn.
yearly_survey_partitions = dg.TimeWindowPartitionsDefinition(
    start="2021", cron_schedule="0 0 1 1 *", fmt="%Y", end_offset=0
)

single_run = dg.BackfillPolicy.single_run()


def months_in_window(window: dg.TimeWindow) -> list[str]:
    """`YYYY-MM` for every month in a partition time window (one for a run, many for a backfill)."""
    months, current = [], window.start.replace(day=1)
    while current < window.end:
        months.append(current.strftime("%Y-%m"))
        current = current.replace(year=current.year + current.month // 12, month=current.month % 12 + 1)
    return months


def shift_month(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def years_in_window(window: dg.TimeWindow) -> list[str]:
    """`YYYY` for every survey year in a partition time window."""
    return [str(year) for year in range(window.start.year, window.end.year)]

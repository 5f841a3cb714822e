"""The `absence_monthly` job and its monthly schedule (the landing sensor is in landing_sensor.py)."""

import dagster as dg

absence_monthly = dg.define_asset_job(
    "absence_monthly",
    selection=dg.AssetSelection.assets(
        "organisations",
        "icbs",
        "absence_reasons",
        "staff_groups",
        "expected_submitters",
        "staff_group_aliases",
        "organisation_changes",
        "aggregation_rules",
    )
    | dg.AssetSelection.groups("absence"),
    description="One month (or a range, as one run) from landing CSVs to the published absence tables",
    # The queued coordinator (deploy/dagster.yaml) starts one run per `ohwb/writes` value at a time.
    tags={"ohwb/writes": "absence"},
    # Steps run one after another in one process: each step already uses every core through DuckDB and
    # polars, and a subprocess per step costs about 4 s of start-up (measured: 6 s against 31 s for a
    # two-month run of two trusts with `dagster job execute`).
    executor_def=dg.in_process_executor,
)

# On the 15th, trusts have submitted the previous month: run it.
absence_monthly_schedule = dg.build_schedule_from_partitioned_job(
    absence_monthly,
    day_of_month=15,
    hour_of_day=6,
    name="absence_monthly_schedule",
    description="On the 15th of each month at 06:00 UTC, runs absence_monthly for the previous month "
    "(trusts have submitted by then). Off until turned on in the UI (Automation), so a demo or a test "
    "never starts runs on its own; a deployment turns it on once.",
)

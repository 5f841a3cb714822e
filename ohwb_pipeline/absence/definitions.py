import dagster as dg

from ohwb_pipeline.absence.assets import absence_assets
from ohwb_pipeline.absence.automation import absence_monthly, absence_monthly_schedule
from ohwb_pipeline.absence.funnel_publication import funnel_assets
from ohwb_pipeline.absence.published import published_assets
from ohwb_pipeline.absence.publisher_assets import publisher_assets
from ohwb_pipeline.absence.status import org_month_status


def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[*absence_assets, *publisher_assets, org_month_status, *published_assets, *funnel_assets],
        jobs=[absence_monthly],
        schedules=[absence_monthly_schedule],
    )

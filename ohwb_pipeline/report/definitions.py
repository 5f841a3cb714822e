import dagster as dg

from ohwb_pipeline.core.resources import sensor_interval_from_env
from ohwb_pipeline.report.assets import monthly_report, report_monthly

# On by default, unlike the schedules and the landing sensor: it only ever writes the latest month's
# report after that month's tables were republished, so it cannot start heavy work on its own.
report_after_publication = dg.AutomationConditionSensorDefinition(
    "report_after_publication",
    target=[monthly_report],
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=sensor_interval_from_env(),
    description="Writes published/report/ohwb_report_<latest month>.html after that month's absence tables "
    "are republished (monthly_report's eager condition). On by default; it runs while the Dagster daemon "
    "runs (make ui, or a deployment's daemon).",
)


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[monthly_report], jobs=[report_monthly], sensors=[report_after_publication])

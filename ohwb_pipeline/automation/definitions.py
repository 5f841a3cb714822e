import dagster as dg

from ohwb_pipeline.automation.landing_sensor import landing_sensor


def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[landing_sensor])

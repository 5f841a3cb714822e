import dagster as dg

from ohwb_pipeline.report.assets import monthly_report, report_monthly


def defs() -> dg.Definitions:
    return dg.Definitions(assets=[monthly_report], jobs=[report_monthly])

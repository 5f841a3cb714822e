import dagster as dg

from ohwb_pipeline.publish.assets import published_assets


def defs() -> dg.Definitions:
    return dg.Definitions(assets=published_assets)

"""Where a month's report lives and which sections it has: what the definitions, `ohwb demo` and
`ohwb real` need without importing the renderer (altair and vl-convert, about 0.6 s a process)."""

from pathlib import Path

from ohwb_pipeline.core.lake import Lake

REPORT_DIR = "report"
SECTIONS = ["england", "funnel", "league", "icbs", "reasons", "survey", "roi", "quality"]


def report_path(lake: Lake, period: str) -> Path:
    return lake.published / REPORT_DIR / f"ohwb_report_{period}.html"

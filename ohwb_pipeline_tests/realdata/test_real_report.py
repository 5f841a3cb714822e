"""The monthly report on the latest real month: 42 ICBs and about 280 organisations, labelled real."""

import re

import polars as pl
import pytest

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.realdata.shipped import OGL_LINE
from ohwb_pipeline.report.render import write_report
from ohwb_pipeline_tests.conftest import read_table
from ohwb_pipeline_tests.realdata.helpers import REAL_LAST


@pytest.fixture(scope="module")
def page(real_span):
    root, _ = real_span
    return write_report(Lake(root), REAL_LAST).read_text(encoding="utf-8")


def test_real_figures_are_labelled_real_with_the_licence(page):
    assert "<title>OHWB monthly report June 2025 (real data)</title>" in page
    masthead, footer = page.split("</header>")[0], page.split('<footer class="provenance"')[1]
    assert "REAL DATA: NHS England&#39;s published NHS Sickness Absence Rates" in masthead
    assert "REAL DATA" in footer and OGL_LINE in footer
    assert "SYNTHETIC" not in page


def test_the_league_table_names_every_icb_whole_and_as_everywhere_else(page, real_span):
    root, _ = real_span
    league = page.split('id="league-table"')[1].split("</table>")[0]
    rows = re.findall(r'<td data-col="icb">(.*?) \((Q[A-Z0-9]{2})\)</td>', league)
    assert len(rows) == 42
    ics = read_table(root / "published/ics_indicators").filter(
        (pl.col("period") == REAL_LAST) & (pl.col("level") == "icb")
    )
    names = dict(ics.select("area_code", "area_name").unique().iter_rows())
    for name, code in rows:
        assert name.replace("&#39;", "'") == names[code]
    assert "INTEGRATED CARE BOARD" not in page.upper().replace("INTEGRATED CARE BOARDS", "")


def test_no_empty_chart_frames(page):
    # Every figure holds a chart; the reasons chart ends where the national file does, and says so.
    assert not re.search(r'<figure class="chart"[^>]*>\s*<figcaption>', page)
    assert "No reasons are published for 2025-06; the chart ends at 2023-12." in page
    small = page.split('<figure class="chart" data-section="icbs">')[1].split("</figure>")[0]
    # One x axis per ICB cell, none under the empty cells of the last row (42 in 5 columns leave 3).
    assert small.count(">Jan 23</text>") == 42


def test_quarantine_and_withheld_are_in_words(page):
    assert "less_than_or_equal_to" not in page and "in_reference_" not in page
    assert "None: every row of this month" in page


def test_the_real_funnels_are_labelled_real_and_drawn(page, real_span):
    root, _ = real_span
    funnels = read_table(root / "published/funnel_indicators").filter(pl.col("period") == REAL_LAST)
    assert set(funnels["source"]) == {"nhs_published_rates"}, "real figures are labelled real"
    rate = funnels.filter(pl.col("level") == "organisation", pl.col("indicator") == "sickness_absence_rate")
    # The worked example of docs/funnel.md: 279 organisations, phi 171.1, 1 high and 23 low beyond 99.8%.
    assert rate.height == 279 and round(rate["phi"][0], 1) == 171.1
    assert (rate["outlier"] == "high: beyond 99.8%").sum() == 1
    assert (rate["outlier"] == "low: beyond 99.8%").sum() == 23
    section = page.split('<section id="funnel"')[1].split("</section>")[0]
    assert ">Mersey Care</text>" in section and "Mersey Care (RW4)" in section

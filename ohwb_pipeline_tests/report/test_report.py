"""The monthly HTML report, end to end: absence, survey and ROI published, then the report asset."""

import re
from html.parser import HTMLParser

import dagster as dg
import polars as pl
import pytest

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.core.resources import OhwbSettings
from ohwb_pipeline.report.data import NothingPublished
from ohwb_pipeline.report.paths import SECTIONS, report_path
from ohwb_pipeline.report.render import gbp, pct, pp, write_report
from ohwb_pipeline_tests.conftest import range_tags, read_table, synth_into
from ohwb_pipeline_tests.roi.helpers import write_register

FIRST, LAST = "2023-04", "2024-06"
ORGS = ["RJ1", "RJ2", "RJZ", "RN7"]
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "wbr"}


def _run(root, job: str, **kwargs) -> dg.ExecuteInProcessResult:
    from ohwb_pipeline.definitions import defs

    resources = {"settings": OhwbSettings(data_dir=str(root))}
    result = defs.resolve_job_def(job).execute_in_process(resources=resources, **kwargs)
    assert result.success, job
    return result


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    synth_into(root, orgs=ORGS, first_month=FIRST, last_month=LAST, faults=3)
    write_register(
        root,
        ["RJ1-MSK,RJ1,,MSK physiotherapy,msk,S11;S12,2024-04,,120000,reported,,,,,,,,,test register"],
    )
    (root / "config").mkdir(exist_ok=True)
    (root / "config/spc_targets.csv").write_text("indicator,area_code,target\nsickness_absence_rate,,4.3\n")
    _run(root, "absence_monthly", tags=range_tags(FIRST, LAST))
    _run(root, "survey_yearly", partition_key="2023")
    _run(root, "roi_refresh")
    result = _run(root, "report_monthly", partition_key=f"{LAST}-01")
    return root, result, report_path(Lake(root), LAST).read_text(encoding="utf-8")


class _Tree(HTMLParser):
    """Checks that every element closes in order, and collects the attributes of each start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def test_the_asset_writes_the_month_and_records_where(reported):
    root, result, page = reported
    materialization = result.asset_materializations_for_node("monthly_report")[0]
    assert materialization.metadata["path"].value == str(report_path(Lake(root), LAST))
    assert materialization.metadata["reports_written"].value == 1
    assert page.startswith("<!DOCTYPE html>")


def test_the_html_parses_and_every_element_closes(reported):
    _, _, page = reported
    tree = _Tree()
    tree.feed(page)
    tree.close()
    assert tree.errors == [] and tree.stack == []


def test_it_loads_nothing_from_anywhere(reported):
    _, _, page = reported
    assert "http://" not in page and "https://" not in page
    tree = _Tree()
    tree.feed(page)
    for tag, attrs in tree.starts:
        assert tag not in {"script", "link", "img", "iframe"}, tag
        assert "src" not in attrs, (tag, attrs)
        assert not attrs.get("href", "#").lstrip("#") or attrs["href"].startswith("#"), attrs
    assert "@import" not in page and "url(" not in page


def test_one_chart_per_promised_section(reported):
    _, _, page = reported
    for section in SECTIONS:
        figures = re.findall(rf'<figure class="chart" data-section="{section}">\s*<svg', page)
        assert len(figures) == 1, section
    assert len(re.findall(r'<figure class="chart"', page)) == len(SECTIONS)


def test_league_table_numbers_are_the_published_parquet(reported):
    root, _, page = reported
    ics = read_table(root / "published/ics_indicators").filter(
        pl.col("period") == LAST, pl.col("level") == "icb", pl.col("indicator") == "sickness_absence_rate"
    )
    table = page[page.index('id="league-table"') : page.index("</table>", page.index('id="league-table"'))]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], flags=re.S)
    assert len(rows) == ics.height > 0
    published = {r["area_code"]: r for r in ics.iter_rows(named=True)}
    formats = {"rate": pct, "rolling_12m": pct, "change_on_last_year": pp}
    columns = {
        "rate": "value",
        "rolling_12m": "rolling_12m_value",
        "change_on_last_year": "change_on_last_year",
    }
    for row in rows:
        code = re.search(r'data-col="icb">[^<]*\((\w+)\)</td>', row).group(1)
        cells = dict(re.findall(r'data-col="(\w+)" data-value="([^"]*)">', row))
        shown = dict(re.findall(r'data-col="(\w+)" data-value="[^"]*">([^<]*)</td>', row))
        for col, source in columns.items():
            expected = published[code][source]
            assert cells[col] == ("" if expected is None else repr(expected)), (code, col)
            assert shown[col] == formats[col](expected), (code, col)
        assert float(cells["coverage"]) == published[code]["coverage_percent"]
        assert cells["rank"] == repr(published[code]["rank_among_icbs"])
    assert 'data-icon="consistent_' in table or 'data-icon="inconsistent"' in table, (
        "a target gives assurance"
    )


def test_numbers_carry_separators_and_units():
    assert pct(4.56789) == "4.57%"
    assert pp(-0.234) == "-0.23 pp"
    assert gbp(1234567.4) == "£1,234,567"


def test_a_month_without_a_publication_is_refused_clearly(reported):
    root, _, _ = reported
    with pytest.raises(NothingPublished, match="2019-01"):
        write_report(Lake(root), "2019-01")


def test_a_publication_of_the_latest_month_requests_its_report():
    from ohwb_pipeline.absence.published import TABLES
    from ohwb_pipeline.core.partitions import monthly_partitions
    from ohwb_pipeline.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    latest = monthly_partitions.get_last_partition_key()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert first.get_num_requested(dg.AssetKey("monthly_report")) == 0, "nothing published, no report"
    # The absence tables and funnel_indicators: absence_monthly publishes both, the funnel right after.
    for table in [*TABLES, "funnel_indicators"]:
        instance.report_runless_asset_event(dg.AssetMaterialization(table, partition=latest))
    second = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    requested = second.get_requested_partitions(dg.AssetKey("monthly_report"))
    assert requested == {latest}, "the survey and ROI tables, yearly and unpartitioned, do not hold it back"


def test_synthetic_figures_are_labelled_synthetic(reported):
    _, _, page = reported
    assert "<title>OHWB monthly report June 2024 (synthetic data)</title>" in page
    masthead, footer = page.split("</header>")[0], page.split('<footer class="provenance"')[1]
    for part in (masthead, footer):
        assert "SYNTHETIC DATA: made by this project&#39;s generator, not real NHS figures" in part
    assert "Open Government Licence" not in page, "no real figure, no attribution"


def test_quarantine_problems_are_in_words_not_rule_names(reported):
    _, _, page = reported
    quality = page.split('data-section="quality"', 1)[1]
    rows = re.findall(
        r"<tr><td>(absence_episodes|staff_in_post)</td><td>([^<]*)</td><td>([^<]*)</td>", quality
    )
    assert rows, "the synthetic month has injected bad rows"
    rule_name = re.compile(r"^[a-z_]+(\(.*\))?$")
    for _, _, problem in rows:
        assert " " in problem and not rule_name.match(problem), problem

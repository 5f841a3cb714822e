"""Render `published/report/ohwb_report_<YYYY-MM>.html`: one self-contained file (inline SVG and CSS)."""

import html
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import polars as pl

from ohwb_pipeline.core.lake import Lake
from ohwb_pipeline.report import charts
from ohwb_pipeline.report.data import ReportData, load
from ohwb_pipeline.report.funnel_section import funnel_parts
from ohwb_pipeline.report.paths import report_path

TEMPLATE = Path(__file__).with_name("template.html.j2")
ICON_COLOURS = {"improvement": "#00b0f0", "concern": "#e46c0a", "neutral": "#490092", "common": "#a6a6a6"}
ASSURANCE = {
    "consistent_pass": ("P", "#00b0f0", "passes the target consistently"),
    "consistent_fail": ("F", "#e46c0a", "fails the target consistently"),
    "inconsistent": ("?", "#a6a6a6", "may pass or fail the target"),
}


@dataclass
class Section:
    id: str
    title: str
    svg: str
    caption: str
    notes: list[str] = field(default_factory=list)
    table_html: str = ""
    css: str = ""


def write_report(lake: Lake, period: str, now: datetime | None = None) -> Path:
    """Render the month's report and put it in place whole (a reader never opens half a file)."""
    data = load(lake, period)
    page = render(data, _commit_id(lake), now or datetime.now(UTC))
    target = report_path(lake, period)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


def render(data: ReportData, commit: str, now: datetime) -> str:
    month = datetime.strptime(data.period, "%Y-%m").strftime("%B %Y")
    england = data.england_spc.filter(pl.col("period") == data.period)
    sections = [
        _england(data),
        Section("funnel", **funnel_parts(data.funnels, data.period)),
        _league(data),
        _icbs(data),
        _reasons(data),
        _survey(data),
        _roi(data),
        _quality(data),
    ]
    row = england.row(0, named=True) if england.height else {}
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
    return template.render(
        month_label=month,
        generated=now.strftime("%d %B %Y %H:%M UTC"),
        commit=f"commit {commit}" if commit else "no commit recorded",
        scope=f"{data.england['orgs_expected']:,} organisations expected to report this month.",
        label=data.label,
        england={
            **_england_headline(data),
            "icon_html": _variation_icon(row["point_icon"]) if row else "",
            "cause": _cause_text(row),
        },
        sections=sections,
    )


def _cause_text(row: dict) -> str:
    if not row:
        return "no SPC point this month"
    if row["point_type"] == "common_cause":
        return "no special cause this month"
    return f"{row['special_cause_type']} ({row['point_type'].replace('_', ' ')})"


def _commit_id(lake: Lake) -> str:
    if not lake.manifest_path.exists():
        return ""
    return json.loads(lake.manifest_path.read_text()).get("last_commit", {}).get("commit_id", "")


def _england_headline(data: ReportData) -> dict:
    row = data.england
    return {
        "value": pct(row["value"]),
        "change": f"{pp(row['change_on_last_year'])} on a year earlier",
        "rolling": pct(row["rolling_12m_value"]),
        "included": f"{row['orgs_included']:,} of {row['orgs_expected']:,}",
        "coverage": pct(row["coverage_percent"], 1),
        "publisher": (
            f"NHS England's own: {pct(data.publisher_england)}" if data.publisher_england is not None else ""
        ),
    }


def _england(data: ReportData) -> Section:
    points = data.england_spc.height
    notes = [
        f"{points:,} months of published history. Centre line: mean; dashed: process limits "
        "(mean +- 2.66 x mean moving range)."
    ]
    if points < 12:
        notes.append("Fewer than 12 points: the limits are provisional.")
    return Section(
        "england",
        "England: sickness absence rate (SPC)",
        charts.england_spc(data.england_spc),
        "FTE days lost as % of FTE days available, all expected organisations with complete data, by month.",
        notes,
    )


def _league(data: ReportData) -> Section:
    england = data.england_spc.filter(pl.col("period") == data.period)
    rate = england["value"][0] if england.height else None
    rows = []
    for r in data.league.iter_rows(named=True):
        rows.append(
            "<tr>"
            + _td(r["rank_among_icbs"], str(r["rank_among_icbs"] or "–"), "rank")
            + f'<td data-col="icb">{html.escape(charts.short_name(r["area_name"]))} '
            + f"({html.escape(r['area_code'])})</td>"
            + _flag_td(r["funnel_rate"], "funnel_rate")
            + _td(r["value"], pct(r["value"]), "rate")
            + _td(r["ratio_value"], "–" if r["ratio_value"] is None else f"{r['ratio_value']:.2f}", "ratio")
            + _flag_td(r["funnel_ratio"], "funnel_ratio")
            + _td(r["rolling_12m_value"], pct(r["rolling_12m_value"]), "rolling_12m")
            + _td(r["change_on_last_year"], pp(r["change_on_last_year"]), "change_on_last_year")
            + _td(
                r["coverage_percent"],
                f"{pct(r['coverage_percent'], 1)} ({r['orgs_included']:,}/{r['orgs_expected']:,})",
                "coverage",
            )
            + f'<td data-col="variation">{_variation_icon(r["variation_icon"])}</td>'
            + f'<td data-col="assurance">{_assurance_icon(r["assurance"])}</td>'
            + "</tr>"
        )
    table = (
        '<table class="league" id="league-table"><thead><tr><th class="num">Rank</th><th>ICB</th>'
        "<th>Funnel: rate</th>"
        '<th class="num">Rate</th><th class="num">Staff-mix ratio</th><th>Funnel: ratio</th>'
        '<th class="num">Rolling 12m</th>'
        '<th class="num">Change on a year</th>'
        '<th class="num">Coverage (orgs)</th><th>Variation</th><th>Assurance</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )
    return Section(
        "league",
        f"ICB league table, {data.period}",
        charts.league_dots(data.league, rate or 0.0),
        f"Rate this month by ICB; dashed line: England ({pct(rate)}). The table is sorted by the funnel "
        "flag on the rate, then the rate: a rank alone cannot say whether an ICB differs from the rest or "
        "is noise. Rank 1 = lowest absence.",
        [
            "Coverage: share of expected organisations' FTE days available with complete data. Icons: the "
            "month's "
            "SPC point (variation) and, with a target, assurance."
        ],
        table,
    )


def _icbs(data: ReportData) -> Section:
    return Section(
        "icbs",
        "Sickness absence rate by ICB (SPC small multiples)",
        charts.icb_small_multiples(data.icb_spc),
        "Each ICB on its own scale, with its own mean and process limits.",
        css="long",
    )


def _reasons(data: ReportData) -> Section:
    mix = data.reason_mix
    title = "Reason mix over time (England)"
    if mix.is_empty():
        return Section(
            "reasons",
            title,
            "<p>No reasons are published up to this month: NHS England's published rates give none, and "
            "its national by-reason file does not cover these months.</p>",
            "",
        )
    latest = mix.filter(pl.col("period") == data.period)
    notes = []
    if latest.height:
        notes.append(
            ", ".join(f"{r['reason']}: {pct(r['rate_percent'])}" for r in latest.iter_rows(named=True))
            + f" of FTE days available in {data.period}."
        )
    else:
        notes.append(f"No reasons are published for {data.period}; the chart ends at {mix['period'].max()}.")
    if (mix["source"] != "organisations").any():
        months = mix.filter(pl.col("source") != "organisations")["period"]
        notes.append(
            f"{months.min()} to {months.max()}: NHS England's national totals (by reason and staff group "
            "file), not the organisations' own figures."
        )
    return Section(
        "reasons",
        title,
        charts.reason_mix(mix.drop("source")),
        "FTE days lost by reason as % of FTE days available, stacked: the top edge is the total rate.",
        notes,
    )


def _survey(data: ReportData) -> Section:
    card = data.scorecard
    if card.is_empty():
        return Section(
            "survey", "Staff survey wellbeing scorecard", "<p>No survey year is published.</p>", ""
        )
    year = card["financial_year"][0]
    rows = "".join(
        "<tr>"
        + f"<td>{html.escape(r['area_name'])}</td>"
        + "".join(_td(r[m], pct(r[m], 1), m) for m in charts.SCORECARD_MEASURES)
        + "</tr>"
        for r in card.sort("level", "area_name").iter_rows(named=True)
    )
    headers = "".join(
        f'<th class="num">{html.escape(label)}</th>' for label in charts.SCORECARD_MEASURES.values()
    )
    table = f"<table><thead><tr><th>Area</th>{headers}</tr></thead><tbody>{rows}</tbody></table>"
    return Section(
        "survey",
        f"Staff survey wellbeing scorecard, {year}",
        charts.scorecard(card),
        "Survey % pooled over respondents (latest survey year); absence over the financial year after it. "
        "Dashed line: England.",
        [],
        table,
    )


def _roi(data: ReportData) -> Section:
    roi = data.roi
    if roi.is_empty():
        return Section("roi", "Return on investment", "<p>No ROI is published.</p>", "")
    rows = "".join(
        "<tr>"
        + f"<td>{html.escape(r['name'])} ({html.escape(r['intervention_id'])})</td>"
        + f"<td>{html.escape(r['verdict'])}</td>"
        + _td(r["effect_percent"], pct(r["effect_percent"], 1), "effect")
        + f'<td class="num">{_range(r["effect_percent_ci_low"], r["effect_percent_ci_high"], pct)}</td>'
        + _td(r["p_value"], "–" if r["p_value"] is None else f"{r['p_value']:.3f}", "p")
        + _td(r["mde_percent"], pct(r["mde_percent"], 1), "mde")
        + _td(r["absence_days_avoided"], number(r["absence_days_avoided"], " FTE days"), "days_avoided")
        + _td(r["cost_gbp"], gbp(r["cost_gbp"]), "cost")
        + _td(r["roi_ratio_central"], ratio(r["roi_ratio_central"]), "roi")
        + f'<td class="num">{_range(r["roi_ratio_ci_low"], r["roi_ratio_ci_high"], ratio)}</td>'
        + _td(r["reported_roi"], ratio(r["reported_roi"]), "reported_roi")
        + "</tr>"
        for r in roi.sort("effect_percent", descending=True, nulls_last=True).iter_rows(named=True)
    )
    table = (
        "<table><thead><tr><th>Intervention</th><th>Verdict</th><th class='num'>Effect</th>"
        "<th class='num'>95% interval</th><th class='num'>p</th><th class='num'>Detectable (MDE)</th>"
        "<th class='num'>Absence days avoided</th><th class='num'>Cost</th><th class='num'>ROI (central)</th>"
        "<th class='num'>ROI 95% interval</th><th class='num'>Case study's own ROI</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    return Section(
        "roi",
        f"Return on investment, {roi['financial_year'][0]} (difference-in-differences)",
        charts.roi_forest(roi),
        "Diamond: the effect (fall in target-reason absence as % of what was expected without the service); "
        "bar: its 95% interval from placebo inference. Dashed: no effect.",
        [
            "Inconclusive means the effect cannot be told apart from the month-to-month noise of trusts like "
            "this one: the 'Detectable' column is the smallest effect it could have shown. An interval is "
            "missing when there are too few untreated units to compare with (fewer than 20)."
        ],
        table,
    )


def _range(low: float | None, high: float | None, fmt) -> str:
    return (
        "unknown" if low is None or high is None else f"{html.escape(fmt(low))} to {html.escape(fmt(high))}"
    )


def _quality(data: ReportData) -> Section:
    counts = pl.concat(
        [
            data.withheld.group_by("data_status")
            .len("rows")
            .select(
                pl.col("data_status").alias("label"), "rows", pl.lit("Withheld organisations").alias("kind")
            ),
            data.quarantine.select(
                pl.format("{} {}: {}", "extract", "column", "problem").alias("label"),
                "rows",
                pl.lit("Quarantined rows").alias("kind"),
            ),
            data.suppression.select(
                pl.col("table").alias("label"),
                pl.col("suppressed").alias("rows"),
                pl.lit("Suppressed cells").alias("kind"),
            ),
        ],
        how="vertical_relaxed",
    ).with_columns(pl.col("rows").cast(pl.Int64))
    withheld = "".join(
        f"<tr class='withheld'><td>{html.escape(r['icb_code'])}</td><td>{html.escape(r['org_code'])}</td>"
        f"<td>{html.escape(r['org_name'])}</td><td>{html.escape(r['data_status'].replace('_', ' '))}</td>"
        f"<td>{html.escape(r['last_seen_in_publication'] or '–')}</td></tr>"
        for r in data.withheld.iter_rows(named=True)
    )
    withheld_table = "<h3>Organisations withheld this month</h3>" + (
        "<table><thead><tr><th>ICB</th><th>Code</th><th>Name</th><th>Status</th>"
        "<th>Last in the publication</th></tr></thead>"
        f"<tbody>{withheld}</tbody></table>"
        if withheld
        else "<p>None: every expected organisation's figures were complete.</p>"
    )
    quarantine = "".join(
        f"<tr><td>{html.escape(r['extract'])}</td><td>{html.escape(r['column'] or '')}</td>"
        f"<td>{html.escape(r['problem'])}</td><td class='num'>{r['rows']:,}</td></tr>"
        for r in data.quarantine.iter_rows(named=True)
    )
    suppression = "".join(
        f"<tr><td>{html.escape(r['table'])}</td><td>{html.escape(r['rule'])}</td>"
        f"<td class='num'>{r['suppressed']:,}</td><td class='num'>{r['cells']:,}</td></tr>"
        for r in data.suppression.iter_rows(named=True)
    )
    tables = (
        withheld_table
        + "<h3>Quarantined rows by problem</h3>"
        + (
            "<table><thead><tr><th>Extract</th><th>Column</th><th>Problem</th>"
            + f"<th class='num'>Rows</th></tr></thead><tbody>{quarantine}</tbody></table>"
            if quarantine
            else "<p>None: every row of this month's files passed its checks.</p>"
        )
        + "<h3>Suppressed cells</h3><table><thead><tr><th>Table</th><th>Rule</th>"
        + "<th class='num'>Suppressed</th><th class='num'>Cells</th></tr></thead>"
        + f"<tbody>{suppression}</tbody></table>"
    )
    counts = counts.filter(pl.col("rows") > 0)
    return Section(
        "quality",
        f"Data quality, {data.period}",
        charts.data_quality(counts) if counts.height else "",
        "Withheld organisations by reason, quarantined rows by the problem found, suppressed cells by table."
        if counts.height
        else "",
        [
            f"Coverage: {data.england['orgs_included']:,} of {data.england['orgs_expected']:,} expected "
            f"organisations ({pct(data.england['coverage_percent'], 1)} of FTE days available)."
        ],
        tables,
    )


def _flag_td(flag: str | None, column: str) -> str:
    beyond = " beyond" if flag and "99.8%" in flag else ""
    return f'<td class="flag{beyond}" data-col="{column}">{html.escape(flag or "–")}</td>'


def _td(raw: object, text: str, column: str) -> str:
    value = "" if raw is None else repr(raw)
    return f'<td class="num" data-col="{column}" data-value="{html.escape(value)}">{html.escape(text)}</td>'


def _variation_icon(name: str | None) -> str:
    if not name:
        return "–"
    kind, _, side = name.partition("_")
    colour = ICON_COLOURS["common" if name == "common_cause" else kind]
    letter = {"high": "H", "low": "L"}.get(side, "~")
    label = name.replace("_", " ")
    return (
        f'<span class="icon" data-icon="{name}"><svg viewBox="0 0 20 20" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f"<circle cx='10' cy='10' r='8.5' fill='white' stroke='{colour}' stroke-width='2.5'/>"
        f"<text x='10' y='14' text-anchor='middle' font-size='11' font-weight='bold' fill='{colour}'>"
        f"{letter}</text>"
        f"</svg>{label}</span>"
    )


def _assurance_icon(name: str | None) -> str:
    if not name:
        return '<span class="icon">no target</span>'
    letter, colour, label = ASSURANCE[name]
    return (
        f'<span class="icon" data-icon="{name}"><svg viewBox="0 0 20 20" role="img" aria-label="{label}">'
        f"<title>{label}</title><circle cx='10' cy='10' r='9' fill='{colour}'/>"
        f"<text x='10' y='14' text-anchor='middle' font-size='11' font-weight='bold' fill='white'>"
        f"{letter}</text>"
        f"</svg>{name.replace('_', ' ')}</span>"
    )


def pct(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:,.{places}f}%"


def pp(value: float | None) -> str:
    return "–" if value is None else f"{value:+,.2f} pp"


def number(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.0f}{unit}"


def gbp(value: float | None) -> str:
    return "–" if value is None else f"£{value:,.0f}"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}:1"

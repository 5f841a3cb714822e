"""The report's funnel section: the chart, one sentence on how to read it, phi and tau2 per funnel, and
the areas beyond 99.8% by name (the same short names as on the chart)."""

import html

import polars as pl

from ohwb_pipeline.absence.funnel_indicators import RATE, RATIO
from ohwb_pipeline.report.funnel_chart import LEVELS, OUTLIERS, PANELS, area_label, funnel_figure

TITLE = "Funnel plots: which organisations and ICBs really differ"
HOW_TO_READ = (
    "A funnel plot shows each area's value against its size: the limits narrow as the size grows, so an "
    "area outside the 99.8% limits is further from the national value than chance and the usual "
    "between-area spread (overdispersion) would put it, while one inside is not distinguishable from it."
)


def funnel_parts(funnels: pl.DataFrame, period: str) -> dict:
    """Title, svg, caption, notes and table for render.Section."""
    shown = funnels.filter(pl.col("indicator").is_in(list(PANELS))) if funnels.height else funnels
    if shown.is_empty():
        return {
            "title": TITLE,
            "svg": f"<p>No funnel plots are published for {html.escape(period)}.</p>",
            "caption": "",
        }
    notes = [HOW_TO_READ, *_dispersion_notes(shown)]
    caption = (
        f"{period}. Solid lines: 99.8% limits; dashed: 95%; black: the national value (the pooled rate, or "
        "1 for the ratio). Limits adjusted for overdispersion (additive random effects, FunnelPlotR's "
        "method; docs/funnel.md). Labelled: beyond 99.8%. The ratio compares each area with its own staff "
        "mix at national staff-group rates: above 1 is more absence than that mix would have."
    )
    return {
        "title": TITLE,
        "svg": funnel_figure(shown),
        "caption": caption,
        "notes": notes,
        "table_html": _outlier_table(shown),
    }


def _dispersion_notes(shown: pl.DataFrame) -> list[str]:
    notes = []
    for indicator, label in PANELS.items():
        parts = []
        for level, name in LEVELS.items():
            rows = shown.filter(pl.col("level") == level, pl.col("indicator") == indicator)
            if rows.is_empty():
                continue
            first = rows.row(0, named=True)
            high = rows.filter(pl.col("outlier") == OUTLIERS[0]).height
            low = rows.filter(pl.col("outlier") == OUTLIERS[1]).height
            if first["phi"] is None:
                parts.append(f"{name.lower()}: {first['adjustment']}")
                continue
            parts.append(
                f"{name.lower()} ({rows.height}): phi {first['phi']:,.1f}, tau² {first['tau2']:.3g}, "
                f"{high} high and {low} low beyond 99.8%"
            )
        if parts:
            notes.append(f"{label.split(' (')[0]}: " + "; ".join(parts) + ".")
    return notes


def _outlier_table(shown: pl.DataFrame) -> str:
    outliers = shown.filter(pl.col("outlier").is_in(OUTLIERS)).sort(
        pl.col("indicator").replace_strict({RATE: 0, RATIO: 1}, default=2),
        pl.col("level").replace_strict({"organisation": 0, "icb": 1}, default=2),
        pl.col("outlier"),
        pl.col("value"),
        descending=[False, False, False, True],
    )
    if outliers.is_empty():
        return "<p>No organisation or ICB is beyond the 99.8% limits this month.</p>"
    rows = "".join(
        "<tr>"
        + f"<td>{'Rate' if r['indicator'] == RATE else 'Staff-mix ratio'}</td>"
        + f"<td>{html.escape(LEVELS[r['level']][:-1])}</td>"
        + f'<td data-col="area">{html.escape(area_label(r["level"], r["area_name"], r["area_code"]))} '
        + f"({html.escape(r['area_code'])})</td>"
        + f'<td class="num" data-col="value">{_fmt(r["value"], r["indicator"])}</td>'
        + f'<td class="num">{_fmt(r["lower_998_adjusted"], r["indicator"])} to '
        + f"{_fmt(r['upper_998_adjusted'], r['indicator'])}</td>"
        + f'<td class="num">{r["z_adjusted"]:+.2f}</td>' * (r["z_adjusted"] is not None)
        + '<td class="num">–</td>' * (r["z_adjusted"] is None)
        + f'<td class="flag beyond" data-col="outlier">{html.escape(r["outlier"])}</td>'
        + "</tr>"
        for r in outliers.iter_rows(named=True)
    )
    # Folded: the chart already names them, and on real months they are about 60 rows.
    return (
        f"<details><summary>The {outliers.height} areas beyond the 99.8% limits, by indicator and level"
        '</summary><table id="funnel-outliers"><thead><tr><th>Indicator</th>'
        "<th>Level</th><th>Area</th><th class='num'>Value</th><th class='num'>99.8% limits (adjusted)</th>"
        f"<th class='num'>Adjusted z</th><th>Flag</th></tr></thead><tbody>{rows}</tbody></table></details>"
    )


def _fmt(value: float | None, indicator: str) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if indicator == RATIO else f"{value:.2f}%"

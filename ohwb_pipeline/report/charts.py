"""The report's charts: altair specifications rendered to inline SVG by vl-convert (no script, no
network, prints as vectors). Colours are NHSRplotthedots' defaults (`ptd_spc_colours`)."""

import re
import textwrap

import altair as alt
import polars as pl
import vl_convert as vlc

POINT_COLOURS = {
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
}
POINT_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: neutral (high)",
    "special_cause_neutral_low": "Special cause: neutral (low)",
}
# Funnel flags: high is worse for absence, so orange as a concern; low blue (funnel_chart.py agrees).
FUNNEL_COLOURS = {
    "high: beyond 99.8%": "#e46c0a",
    "high: beyond 95%": "#f4b183",
    "within limits": "#a6a6a6",
    "low: beyond 95%": "#8fd3f0",
    "low: beyond 99.8%": "#00b0f0",
    "not assessed": "#768692",
}
FONT = "Arial, Helvetica, sans-serif"
WIDE = 1040
HEADER_CHARS = 30  # a small multiple is 150 px wide: about 30 characters of 10 px Arial


def short_name(name: str) -> str:
    """'NHS KENT AND MEDWAY INTEGRATED CARE BOARD' -> 'Kent and Medway': the chart labels fit."""
    short = re.sub(r"^NHS\s+|\s+INTEGRATED CARE BOARD$", "", name.strip(), flags=re.IGNORECASE)
    if short.isupper():
        small = {"And", "Of", "The", "On", "Upon", "In"}
        words = re.split(r"([ -])", short.title())
        short = "".join(w.lower() if i and w in small else w for i, w in enumerate(words))
    return short


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Inline SVG for an HTML page: the namespace declarations go (HTML needs none), so the page holds
    no `http://` string at all and a test can prove it loads nothing."""
    themed = chart.configure(font=FONT).configure_view(stroke=None)
    svg = vlc.vegalite_to_svg(themed.to_json(validate=False))
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)


def _spc_frame(series: pl.DataFrame) -> pl.DataFrame:
    return series.select(
        (pl.col("period") + "-01").alias("month"),
        pl.col("area_name").map_elements(short_name, return_dtype=pl.Utf8),
        "value",
        "mean",
        "lpl",
        "upl",
        pl.col("point_type").replace_strict(POINT_LABELS).alias("point"),
        "special_cause_type",
    )


def _spc_layers(width: int, height: int, y_title: str) -> list[alt.Chart]:
    colour = alt.Color(
        "point:N",
        scale=alt.Scale(domain=list(POINT_LABELS.values()), range=list(POINT_COLOURS.values())),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=8))
    base = alt.Chart().encode(x=x).properties(width=width, height=height)
    line = base.mark_line(color="#a6a6a6").encode(
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    )
    mean = base.mark_line(color="#000000", strokeWidth=1).encode(y="mean:Q")
    limits = [
        base.mark_line(color="#a6a6a6", strokeDash=[4, 3], strokeWidth=1).encode(y=f"{c}:Q")
        for c in ("lpl", "upl")
    ]
    points = base.mark_circle(size=40, opacity=1).encode(
        y="value:Q",
        color=colour,
        tooltip=["month:T", alt.Tooltip("value:Q", format=",.2f"), "special_cause_type:N"],
    )
    return [line, mean, *limits, points]


def england_spc(series: pl.DataFrame) -> str:
    data = alt.Data(values=_spc_frame(series).to_dicts())
    return to_svg(alt.layer(*_spc_layers(WIDE, 260, "Sickness absence rate (%)"), data=data))


def wrapped(name: str, width: int = HEADER_CHARS) -> str:
    """A name broken into lines of at most `width` characters at spaces, joined by '|' for the header's
    labelExpr: long ICB names ('Bath and North East Somerset, Swindon and Wiltshire') are shown whole."""
    return "|".join(textwrap.wrap(name, width)) or name


def icb_small_multiples(series: pl.DataFrame) -> str:
    frame = _spc_frame(series).with_columns(pl.col("area_name").map_elements(wrapped, return_dtype=pl.Utf8))
    header = alt.Header(labelFontSize=10, labelLimit=0, labelExpr="split(datum.label, '|')")
    chart = (
        alt.layer(*_spc_layers(150, 80, "%"), data=alt.Data(values=frame.to_dicts()))
        .facet(facet=alt.Facet("area_name:N", title=None, header=header), columns=5)
        .resolve_scale(y="independent")
        # Each cell has its own x axis: a shared one would draw empty axis frames under the last row's
        # empty cells (42 ICBs in 5 columns leave 3).
        .resolve_axis(x="independent")
    )
    return to_svg(chart)


def league_dots(league: pl.DataFrame, england_rate: float) -> str:
    """A dot per ICB on a scale that need not start at 0 (bars would have to), England as a rule; the
    dot's colour is the ICB's funnel flag, so the chart says which differences are more than noise."""
    flag = pl.col("funnel_rate") if "funnel_rate" in league.columns else pl.lit(None, dtype=pl.Utf8)
    data = (
        league.filter(pl.col("value").is_not_null())
        .select(
            pl.col("area_name").map_elements(short_name, return_dtype=pl.Utf8),
            "value",
            flag.fill_null("not assessed").alias("funnel"),
        )
        .to_dicts()
    )
    dots = (
        alt.Chart(alt.Data(values=data))
        .mark_circle(size=90, opacity=1)
        .encode(
            color=alt.Color(
                "funnel:N",
                title="Funnel flag",
                scale=alt.Scale(domain=list(FUNNEL_COLOURS), range=list(FUNNEL_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            x=alt.X("value:Q", title="Sickness absence rate this month (%)", scale=alt.Scale(zero=False)),
            y=alt.Y("area_name:N", sort="x", title=None, axis=alt.Axis(labelLimit=320)),
            tooltip=["area_name:N", alt.Tooltip("value:Q", format=",.2f"), "funnel:N"],
        )
        .properties(width=WIDE - 340, height=max(20 * len(data), 40))
    )
    england = (
        alt.Chart(alt.Data(values=[{"england": england_rate}]))
        .mark_rule(color="#000000", strokeDash=[4, 3])
        .encode(x="england:Q")
    )
    return to_svg(alt.layer(dots, england))


def reason_mix(mix: pl.DataFrame) -> str:
    data = mix.with_columns((pl.col("period") + "-01").alias("month")).to_dicts()
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_area()
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=8)),
            y=alt.Y("rate_percent:Q", stack="zero", title="FTE days lost, % of available"),
            color=alt.Color(
                "reason:N",
                scale=alt.Scale(range=["#005eb8", "#41b6e6", "#d9d9d9"]),
                sort=["Mental health (S10)", "Musculoskeletal (S11, S12)", "All other reasons"],
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("reason:N"),
            tooltip=["month:T", "reason:N", alt.Tooltip("rate_percent:Q", format=",.2f")],
        )
        .properties(width=WIDE, height=220)
    )
    return to_svg(chart)


SCORECARD_MEASURES = {
    "work_stress_pct": "Unwell from work stress (q11c, %)",
    "msk_from_work_pct": "MSK problems from work (q11b, %)",
    "thinking_of_leaving_pct": "Often think of leaving (q26a, %)",
    "sickness_absence_rate": "Sickness absence rate (%)",
}


def scorecard(card: pl.DataFrame) -> str:
    card = card.with_columns(pl.col("area_name").map_elements(short_name, return_dtype=pl.Utf8))
    long = card.select("level", "area_name", *SCORECARD_MEASURES).unpivot(
        index=["level", "area_name"], variable_name="measure", value_name="value"
    )
    long = long.with_columns(pl.col("measure").replace_strict(SCORECARD_MEASURES)).filter(
        pl.col("value").is_not_null()
    )
    icbs = (
        alt.Chart()
        .mark_circle(size=60, color="#005eb8")
        .encode(
            x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False)),
            y=alt.Y("area_name:N", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=["area_name:N", alt.Tooltip("value:Q", format=",.1f")],
        )
        .transform_filter("datum.level == 'icb'")
    )
    england = (
        alt.Chart()
        .mark_rule(color="#000000", strokeDash=[4, 3])
        .encode(x="value:Q")
        .transform_filter("datum.level == 'england'")
    )
    chart = (
        alt.layer(icbs, england, data=alt.Data(values=long.to_dicts()))
        .properties(width=200, height=max(16 * card.filter(pl.col("level") == "icb").height, 40))
        .facet(column=alt.Column("measure:N", title=None, sort=list(SCORECARD_MEASURES.values())))
        .resolve_scale(x="independent", y="shared")
    )
    return to_svg(chart)


VERDICT_COLOURS = {"saving_detected": "#00b0f0", "harm_detected": "#e46c0a", "inconclusive": "#768692"}


def roi_forest(roi: pl.DataFrame) -> str:
    """Each intervention's effect (fall in target-reason absence, % of expected) with its 95% interval."""
    ok = roi.filter(pl.col("status") == "ok").select(
        pl.format("{} ({})", pl.col("name").str.slice(0, 48), pl.col("intervention_id")).alias(
            "intervention"
        ),
        "effect_percent",
        "effect_percent_ci_low",
        "effect_percent_ci_high",
        "verdict",
    )
    data = alt.Data(values=ok.to_dicts())
    y = alt.Y(
        "intervention:N",
        title=None,
        sort=alt.EncodingSortField("effect_percent", order="descending"),
        axis=alt.Axis(labelLimit=420),
    )
    intervals = (
        alt.Chart(data)
        .mark_rule(color="#768692", strokeWidth=2)
        .encode(
            x=alt.X(
                "effect_percent_ci_low:Q", title="Fall in target-reason absence, % of expected (95% interval)"
            ),
            x2="effect_percent_ci_high:Q",
            y=y,
        )
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=80, shape="diamond")
        .encode(
            x="effect_percent:Q",
            y=y,
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values())),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["intervention:N", alt.Tooltip("effect_percent:Q", format=",.1f"), "verdict:N"],
        )
    )
    zero = (
        alt.Chart(alt.Data(values=[{"x": 0.0}])).mark_rule(color="#000000", strokeDash=[4, 3]).encode(x="x:Q")
    )
    chart = alt.layer(intervals, points, zero).properties(width=WIDE - 460, height=max(22 * ok.height, 40))
    return to_svg(chart)


def data_quality(status_counts: pl.DataFrame) -> str:
    """`status_counts`: check or status label, rows, kind."""
    chart = (
        alt.Chart(alt.Data(values=status_counts.to_dicts()))
        .mark_bar(color="#768692")
        .encode(
            x=alt.X("rows:Q", title="rows or organisations this month"),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
            row=alt.Row("kind:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
            tooltip=["label:N", "rows:Q"],
        )
        .properties(width=WIDE - 520, height=alt.Step(18))
        .resolve_scale(x="independent", y="independent")
    )
    return to_svg(chart)

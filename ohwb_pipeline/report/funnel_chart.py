"""The report's funnel plots: value against denominator, the adjusted 95% and 99.8% limits, the national
value, and every area beyond 99.8% labelled with its short name.

Vega-Lite does not move labels apart, so they are placed here: the scales have fixed domains (no
"nice" rounding), which makes each point's pixel position known, and a label that would overlap one
already placed moves up or down to the nearest free line, with a leader line back to its point."""

import math
import re

import altair as alt
import polars as pl

from ohwb_pipeline.absence.funnel_indicators import RATE, RATIO, limit_lines
from ohwb_pipeline.funnel.method import FLAGS
from ohwb_pipeline.report.charts import FUNNEL_COLOURS, WIDE, short_name, to_svg

FLAG_COLOURS = {k: v for k, v in FUNNEL_COLOURS.items() if k in FLAGS}
OUTLIERS = (FLAGS[0], FLAGS[4])
LINE_HEIGHT = 12
CHAR_WIDTH = 5.6  # 10 px Arial, average
_TRUST = re.compile(r"\s+(NHS\s+)?(Foundation\s+)?Trust$", re.IGNORECASE)


PANELS = {RATE: "Sickness absence rate (%)", RATIO: "Staff-mix-standardised ratio"}
LEVELS = {"organisation": "Organisations", "icb": "ICBs"}


def funnel_figure(funnels: pl.DataFrame) -> str:
    """The month's funnels in one SVG: each organisation funnel across the full width (about 280 points
    and 30 labels need it), then the ICB funnels side by side."""

    def panel(level: str, indicator: str, width: int, height: int) -> alt.LayerChart | None:
        part = funnels.filter(pl.col("level") == level, pl.col("indicator") == indicator)
        if part.is_empty():
            return None
        title = f"{LEVELS[level]}: {PANELS[indicator].split(' (')[0].lower()}"
        return funnel_panel(part, title, PANELS[indicator], width, height)

    rows = [panel("organisation", i, WIDE - 80, 420) for i in PANELS]
    icbs = [c for c in (panel("icb", i, WIDE // 2 - 90, 300) for i in PANELS) if c is not None]
    charts = [c for c in rows if c is not None] + ([alt.hconcat(*icbs, spacing=60)] if icbs else [])
    return to_svg(alt.vconcat(*charts, spacing=30).resolve_scale(color="shared"))


def org_short_name(name: str) -> str:
    """'MERSEY CARE NHS FOUNDATION TRUST' -> 'Mersey Care'; 'NHS ENGLAND' stays 'NHS England' (an
    organisation's "NHS" is part of its name, unlike an ICB's)."""
    cased = name.strip()
    if cased.isupper():
        words = re.split(r"([ -])", cased)
        cased = "".join(_word(w, first=i == 0) for i, w in enumerate(words))
    cased = _TRUST.sub("", cased).strip() or cased
    # An ICB listed as an organisation: its short name as elsewhere in the report, marked ICB.
    return re.sub(r"^NHS\s+(.+\sICB)$", r"\1", cased)


_ACRONYMS = {"NHS", "ICB", "CIC", "CSU", "UK", "NHSBT"}
_SMALL = {"AND", "OF", "THE", "ON", "UPON", "IN", "FOR"}


def _word(word: str, first: bool) -> str:
    if word in _ACRONYMS:
        return word
    if word in _SMALL and not first:
        return word.lower()
    return word[:1] + word[1:].lower()  # GUY'S -> Guy's (str.title would give Guy'S)


def area_label(level: str, name: str | None, code: str) -> str:
    if not name:
        return code
    return short_name(name) if level == "icb" else org_short_name(name)


def funnel_panel(rows: pl.DataFrame, title: str, y_title: str, width: int, height: int) -> alt.LayerChart:
    """One funnel: `rows` are one level, indicator and month of `funnel_indicators`."""
    rows = rows.with_columns(
        pl.struct("level", "area_name", "area_code")
        .map_elements(lambda r: area_label(r["level"], r["area_name"], r["area_code"]), return_dtype=pl.Utf8)
        .alias("label")
    )
    scored = rows["phi"].is_not_null().any()
    lines = limit_lines(rows) if scored else pl.DataFrame()
    x_dom = _padded_log(rows["denominator"])
    y_dom = _y_domain(rows)
    x = alt.X(
        "denominator:Q",
        title=_x_title(rows["indicator"][0]),
        scale=alt.Scale(type="log", domain=list(x_dom), nice=False),
        axis=alt.Axis(format="~s", grid=False, values=_log_ticks(x_dom)),
    )
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=list(y_dom), nice=False, zero=False))
    layers: list[alt.Chart] = []
    if scored:
        long = lines.unpivot(index="denominator", variable_name="limit", value_name="value").with_columns(
            pl.col("limit").str.contains("998").alias("outer")
        )
        for outer, dash in ((True, []), (False, [4, 3])):
            part = long.filter(pl.col("outer") == outer)
            layers.append(
                alt.Chart(alt.Data(values=part.to_dicts()))
                .mark_line(color="#425563", strokeWidth=1, strokeDash=dash, clip=True)
                .encode(x=x, y=y, detail="limit:N")
            )
        national = float(rows["national_value"].drop_nulls()[0])
        layers.append(
            alt.Chart(alt.Data(values=[{"value": national}]))
            .mark_rule(color="#000000", strokeWidth=1)
            .encode(y=alt.Y("value:Q", scale=alt.Scale(domain=list(y_dom), nice=False)))
        )
    colour = alt.Color(
        "outlier:N",
        scale=alt.Scale(domain=[*FLAG_COLOURS, "not assessed"], range=[*FLAG_COLOURS.values(), "#768692"]),
        legend=alt.Legend(title=None, orient="bottom", columns=3),
    )
    points = rows.select("label", "area_code", "denominator", "value", "outlier").to_dicts()
    layers.append(
        alt.Chart(alt.Data(values=points))
        .mark_circle(size=36, opacity=0.9)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=["label:N", "area_code:N", alt.Tooltip("value:Q", format=",.2f"), "outlier:N"],
        )
    )
    layers.extend(_labels(rows.filter(pl.col("outlier").is_in(OUTLIERS)), x_dom, y_dom, width, height, x, y))
    return alt.layer(*layers).properties(title=title, width=width, height=height)


def _x_title(indicator: str) -> str:
    if indicator == "staff_mix_ratio":
        return "Expected FTE days lost (log scale)"
    if indicator.startswith("survey_"):
        return "Valid answers (log scale)"
    return "FTE days available (log scale)"


def _log_ticks(domain: tuple[float, float]) -> list[float]:
    """1, 2, 5 x 10^k inside the domain: a log axis's own ticks (every 1-9) crowd their labels."""
    ticks = [m * 10.0**k for k in range(0, 10) for m in (1, 2, 5)]
    return [t for t in ticks if domain[0] <= t <= domain[1]]


def _padded_log(values: pl.Series) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    return low / 1.25, high * 1.25


def _y_domain(rows: pl.DataFrame) -> tuple[float, float]:
    values = rows["value"].drop_nulls()
    national = rows["national_value"].drop_nulls()
    candidates = [*values.to_list(), *national.to_list()[:1]]
    # The limits at the largest denominator (the funnel's narrow end) stay in view.
    big = rows.filter(pl.col("denominator") == rows["denominator"].max())
    for column in ("lower_998_adjusted", "upper_998_adjusted"):
        candidates.extend(big[column].drop_nulls().to_list())
    low, high = min(candidates), max(candidates)
    pad = (high - low) * 0.08 or max(abs(high) * 0.1, 0.1)
    return max(low - pad, 0.0), high + pad


def _labels(outliers, x_dom, y_dom, width, height, x, y) -> list[alt.Chart]:
    """Text beside each outlier, moved to a free line when it would overlap, with a leader line."""
    if outliers.is_empty():
        return []
    lx0, lx1 = math.log(x_dom[0]), math.log(x_dom[1])

    def px(d: float) -> float:
        return width * (math.log(d) - lx0) / (lx1 - lx0)

    def py(v: float) -> float:
        return height * (y_dom[1] - v) / (y_dom[1] - y_dom[0])

    placed: list[tuple[float, float, float, float]] = []
    rows = []
    # Extremes first: they are the ones a reader looks for.
    ordered = outliers.sort(pl.col("z_adjusted").abs(), descending=True, nulls_last=False)
    for r in ordered.iter_rows(named=True):
        x0, y0 = px(r["denominator"]), py(r["value"])
        text_width = CHAR_WIDTH * len(r["label"])
        # Right of the point unless that runs off the plot and the left side does not.
        right = x0 + 8 + text_width <= width or x0 - 8 - text_width < 0
        left_edge = x0 + 8 if right else x0 - 8 - text_width
        label_y = _free_line(placed, left_edge, text_width, y0, height)
        placed.append(
            (left_edge, left_edge + text_width, label_y - LINE_HEIGHT / 2, label_y + LINE_HEIGHT / 2)
        )
        value_at = y_dom[1] - label_y / height * (y_dom[1] - y_dom[0])
        rows.append({**r, "label_value": value_at, "right": right, "moved": abs(label_y - y0) > 1})
    data = pl.DataFrame(rows).select("label", "denominator", "value", "label_value", "right", "moved")
    label_y = alt.Y("label_value:Q", scale=alt.Scale(domain=list(y_dom), nice=False))
    charts = []
    for right in (True, False):
        part = data.filter(pl.col("right") == right)
        if part.is_empty():
            continue
        charts.append(
            alt.Chart(alt.Data(values=part.to_dicts()))
            .mark_text(
                align="left" if right else "right", dx=8 if right else -8, fontSize=10, color="#212b32"
            )
            .encode(x=x, y=label_y, text="label:N")
        )
    moved = data.filter(pl.col("moved"))
    if moved.height:
        charts.insert(
            0,
            alt.Chart(alt.Data(values=moved.to_dicts()))
            .mark_rule(color="#a6a6a6", strokeWidth=0.6)
            .encode(x=x, y=y, y2="label_value:Q"),
        )
    return charts


def _free_line(placed, left: float, text_width: float, y0: float, height: float) -> float:
    """The nearest y to `y0` (within the plot) where a label of this width overlaps no placed one."""
    half = LINE_HEIGHT / 2
    for step in range(int(height / 3)):
        for sign in (1, -1) if step else (1,):
            y = y0 + sign * step * 3
            if not half <= y <= height - half:
                continue
            clash = any(
                left < b_right and b_left < left + text_width and y - half < b_bottom and b_top < y + half
                for b_left, b_right, b_top, b_bottom in placed
            )
            if not clash:
                return y
    return min(max(y0, half), height - half)

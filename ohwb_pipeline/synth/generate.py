"""`ohwb synth`: deterministic synthetic landing extracts for any set of trusts and months."""

import calendar
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ohwb_pipeline.synth import calibration as cal
from ohwb_pipeline.synth.episodes import draw_episodes, drop_overlaps
from ohwb_pipeline.synth.faults import EPISODE_FAULTS, STAFF_FAULTS, SURVEY_FAULTS, inject
from ohwb_pipeline.synth.population import org_rng, simulate_staff, staff_mix, trust_headcounts
from ohwb_pipeline.synth.scenarios import Scenario, boost_rates, thin_episodes
from ohwb_pipeline.synth.survey import question_model, respondents

log = logging.getLogger("ohwb.synth")
# Bump when the same settings would generate different files, so cached data is regenerated.
GENERATOR_VERSION = 6
SYNTHETIC_MARKER = ".synthetic"


@dataclass
class SynthConfig:
    out: Path
    first_month: str
    last_month: str
    reference_dir: Path
    orgs: list[str] | None = None
    icbs: list[str] | None = None
    size_factor: float = 1.0
    size_overrides: dict[str, float] = field(default_factory=dict)
    seed: int = 20210401
    scenarios: list[Scenario] = field(default_factory=list)
    faults: int = 0
    burn_in_months: int = 12
    survey: bool = True
    trust_wander_sd: float = cal.TRUST_AR1_SIGMA  # 0 turns the trust-level AR(1) noise off (tests)


@dataclass
class SynthSummary:
    months: list[str]
    orgs: list[str]
    staff_rows: int = 0
    episode_rows: int = 0
    survey_rows: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def month_starts(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(f"{first}-01"), dt.date.fromisoformat(f"{last}-01")
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    months = []
    while start <= end:
        months.append(start)
        start = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return months


def select_orgs(organisations: pl.DataFrame, orgs: list[str] | None, icbs: list[str] | None) -> pl.DataFrame:
    if orgs:
        unknown = sorted(set(orgs) - set(organisations["org_code"]))
        if unknown:
            raise ValueError(f"unknown org codes (not in organisations.csv): {', '.join(unknown)}")
        return organisations.filter(pl.col("org_code").is_in(orgs))
    if icbs:
        chosen = organisations.filter(pl.col("icb_code").is_in(icbs))
        unknown = sorted(set(icbs) - set(chosen["icb_code"]))
        if unknown:
            raise ValueError(f"no trusts have these host ICB codes: {', '.join(unknown)}")
        return chosen
    return organisations


def generate(cfg: SynthConfig) -> SynthSummary:
    began = time.perf_counter()
    ref = cfg.reference_dir
    organisations = pl.read_csv(ref / "organisations.csv", infer_schema=False)
    groups = pl.read_csv(ref / "staff_groups.csv", infer_schema=False)["staff_group"].to_list()
    reasons, shares, seasonal = cal.reason_profile(ref)
    chosen = select_orgs(organisations, cfg.orgs, cfg.icbs)
    known = set(organisations["org_code"])
    for scenario in cfg.scenarios:
        if scenario.org_code not in known:
            raise ValueError(f"scenario names unknown org {scenario.org_code}")
        if set(scenario.reason_codes) - set(reasons):
            raise ValueError(
                f"scenario for {scenario.org_code} names unknown reasons {scenario.reason_codes}"
            )

    out_months = month_starts(cfg.first_month, cfg.last_month)
    first_sim = out_months[0]
    for _ in range(cfg.burn_in_months):
        first_sim = (first_sim - dt.timedelta(days=1)).replace(day=1)
    sim_months = month_starts(first_sim.strftime("%Y-%m"), cfg.last_month)
    day0 = sim_months[0]
    bounds = np.array(
        [(m - day0).days for m in sim_months]
        + [(out_months[-1] - day0).days + calendar.monthrange(out_months[-1].year, out_months[-1].month)[1]]
    )
    mean_days = np.array([cal.MEAN_EPISODE_DAYS[r] for r in reasons], dtype=float)
    group_mult = np.array([cal.GROUP_ABSENCE[g] for g in groups])
    group_mult = group_mult / sum(cal.ACUTE_MIX[g] * cal.GROUP_ABSENCE[g] for g in groups)
    base = np.stack(
        [
            cal.BASE_ABSENCE_RATE
            * cal.OVERLAP_COMPENSATION
            * cal.YEAR_LEVEL.get(m.year, 1.0)
            * shares
            * seasonal[:, m.month - 1]
            / mean_days
            for m in sim_months
        ]
    )  # month x reason

    sizes = trust_headcounts(organisations, cfg.seed)
    staff_parts, episode_parts = [], []
    # The staff survey is fielded in the autumn: a year is surveyed when its October is generated.
    survey_days = {m.year: (m - day0).days + 14 for m in out_months if m.month == 10 and cfg.survey}
    survey_models = {year: question_model(ref, year) for year in survey_days}
    survey_parts: dict[int, list[pl.DataFrame]] = {year: [] for year in survey_days}
    for org_code, org_name in chosen.select("org_code", "org_name").iter_rows():
        rng = org_rng(cfg.seed, org_code, 1)
        headcount = max(10, round(sizes[org_code] * cfg.size_overrides.get(org_code, cfg.size_factor)))
        staff = simulate_staff(rng, headcount, staff_mix(org_name), groups, int(bounds[-1]))
        trust_level = org_rng(cfg.seed, org_code, 2).lognormal(0.0, cal.TRUST_SPREAD_SIGMA)
        wander = cal.trust_wander(org_rng(cfg.seed, org_code, 3), len(sim_months), cfg.trust_wander_sd)
        rates = base[None, :, :] * group_mult[:, None, None] * trust_level * wander[None, :, None]
        mine = [s for s in cfg.scenarios if s.org_code == org_code]
        for scenario in mine:
            boost_rates(rates, reasons, sim_months, scenario)
        episodes = draw_episodes(rng, staff, rates, bounds, mean_days)
        for i, scenario in enumerate(mine):
            start_day = (scenario.start - day0).days
            episodes = thin_episodes(
                org_rng(cfg.seed, org_code, 10 + i), episodes, reasons, start_day, scenario, bounds
            )
        episodes = drop_overlaps(episodes)
        staff_parts.append(_staff_frame(org_code, staff, groups))
        for year, day in survey_days.items():
            in_post = (staff["start"] <= day) & (staff["leave"] >= day)
            survey_parts[year].append(
                respondents(
                    org_rng(cfg.seed, org_code, 100 + year),
                    org_code,
                    np.array(groups)[staff["group"][in_post]],
                    survey_models[year],
                    trust_level,
                )
            )
        episode_parts.append(_episode_frame(org_code, staff, episodes, groups, reasons))

    staff_all = pl.concat(staff_parts)
    episodes_all = pl.concat(episode_parts)
    summary = SynthSummary([m.strftime("%Y-%m") for m in out_months], chosen["org_code"].to_list())
    fault_rng = np.random.default_rng([cfg.seed, 99])
    for month in out_months:
        lo, hi = (
            (month - day0).days,
            (month - day0).days + calendar.monthrange(month.year, month.month)[1] - 1,
        )
        period = month.strftime("%Y-%m")
        staff_month = _month_rows(staff_all, lo, hi, day0)
        episode_month = _month_rows(episodes_all, lo, hi, day0)
        summary.staff_rows += _write_month(
            staff_month,
            cfg.out / "staff_in_post" / period,
            cfg,
            STAFF_FAULTS,
            fault_rng,
            month,
            summary.faults,
            summary.orgs,
        )
        summary.episode_rows += _write_month(
            episode_month,
            cfg.out / "absence" / period,
            cfg,
            EPISODE_FAULTS,
            fault_rng,
            month,
            summary.faults,
            summary.orgs,
        )
        log.info("synth %s: %d staff rows, %d episodes", period, staff_month.height, episode_month.height)
    survey_fault_rng = np.random.default_rng([cfg.seed, 98])
    for year, parts in survey_parts.items():
        folder = cfg.out / "survey" / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        files = {org: part for org, part in zip(chosen["org_code"], parts, strict=True)}
        if cfg.faults:
            counts = inject(files, cfg.faults, SURVEY_FAULTS, survey_fault_rng, dt.date(year, 10, 1))
            for kind, count in counts.items():
                summary.faults[f"survey_{kind}"] = summary.faults.get(f"survey_{kind}", 0) + count
        for org, part in files.items():
            part.write_csv(folder / f"{org}.csv")
            summary.survey_rows += part.height
    # Every output says its figures are synthetic (report, summary): this marker is how they know.
    (cfg.out / SYNTHETIC_MARKER).write_text(
        f"landing data made by ohwb_pipeline.synth (generator {GENERATOR_VERSION}): synthetic, "
        "not real NHS data\n"
    )
    summary.seconds = time.perf_counter() - began
    return summary


def _staff_frame(org: str, staff: dict[str, np.ndarray], groups: list[str]) -> pl.DataFrame:
    n = len(staff["start"])
    return pl.DataFrame(
        {
            "org_code": [org] * n,
            "person": np.arange(n),
            "staff_group": np.array(groups)[staff["group"]],
            "fte": staff["fte"],
            "start": staff["start"],
            "end": staff["leave"],
        }
    )


def _episode_frame(org: str, staff, episodes, groups: list[str], reasons: list[str]) -> pl.DataFrame:
    person = episodes["person"]
    return pl.DataFrame(
        {
            "org_code": [org] * len(person),
            "person": person,
            "staff_group": np.array(groups)[staff["group"][person]],
            "fte": staff["fte"][person],
            "reason_code": np.array(reasons)[episodes["reason"]],
            "start": episodes["start"],
            "end": episodes["end"],
        }
    )


def _month_rows(frame: pl.DataFrame, lo: int, hi: int, day0: dt.date) -> pl.DataFrame:
    """Rows overlapping [lo, hi]; an end after the month is not yet known, so it is left empty."""
    rows = frame.filter((pl.col("start") <= hi) & (pl.col("end") >= lo))
    as_date = lambda c: pl.lit(day0) + pl.duration(days=pl.col(c))  # noqa: E731
    return rows.select(
        "org_code",
        pl.format("{}{}", "org_code", pl.col("person").cast(pl.Utf8).str.zfill(7)).alias("employee_id"),
        "staff_group",
        pl.col("fte").round(2),
        *(["reason_code"] if "reason_code" in rows.columns else []),
        as_date("start").alias("start_date"),
        pl.when(pl.col("end") <= hi).then(as_date("end")).otherwise(None).alias("end_date"),
    )


def _write_month(
    frame: pl.DataFrame, folder: Path, cfg: SynthConfig, kinds: list[str], rng, month, faults, orgs: list[str]
) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    parts = {
        org: f for (org,), f in frame.partition_by("org_code", as_dict=True, maintain_order=True).items()
    }
    # A trust with nothing to report still submits its file, with the header only: an absent file
    # means "not received", which the pipeline withholds.
    parts |= {org: frame.clear() for org in orgs if org not in parts}
    if cfg.faults:
        parts = {org: f.with_columns(pl.all().cast(pl.Utf8)) for org, f in parts.items()}
        for kind, count in inject(parts, cfg.faults, kinds, rng, month).items():
            faults[kind] = faults.get(kind, 0) + count
    rows = 0
    for org, part in parts.items():
        part.write_csv(folder / f"{org}.csv")
        rows += part.height
    return rows

"""Sickness absence episodes drawn as a Poisson process over each trust's staff in post."""

import numpy as np

from ohwb_pipeline.synth import calibration as cal


def person_days(staff: dict[str, np.ndarray], n_groups: int, bounds: np.ndarray) -> np.ndarray:
    """Days in post per (staff group, month); `bounds` are month start days plus the final end day."""
    first = np.maximum(staff["start"][:, None], bounds[None, :-1])
    last = np.minimum(staff["leave"][:, None], bounds[None, 1:] - 1)
    days = np.clip(last - first + 1, 0, None)
    out = np.zeros((n_groups, len(bounds) - 1))
    np.add.at(out, staff["group"], days)
    return out


def draw_episodes(
    rng: np.random.Generator,
    staff: dict[str, np.ndarray],
    rates: np.ndarray,
    bounds: np.ndarray,
    mean_days: np.ndarray,
) -> dict[str, np.ndarray]:
    """`rates[g, m, r]` are episode starts per person-day; returns person, reason, start and end day."""
    n_groups = rates.shape[0]
    expected = rates * person_days(staff, n_groups, bounds)[:, :, None]
    counts = rng.poisson(expected)
    g_idx, m_idx, r_idx = np.nonzero(counts)
    reps = counts[g_idx, m_idx, r_idx]
    group = np.repeat(g_idx, reps)
    month = np.repeat(m_idx, reps)
    reason = np.repeat(r_idx, reps)
    day = bounds[month] + (rng.random(len(month)) * (bounds[month + 1] - bounds[month])).astype(np.int64)
    person = _pick_people(rng, staff, group, day)
    keep = person >= 0
    person, reason, day = person[keep], reason[keep], day[keep]
    mu = np.log(mean_days[reason]) - cal.EPISODE_SIGMA**2 / 2
    length = np.clip(np.rint(rng.lognormal(mu, cal.EPISODE_SIGMA)), 1, cal.MAX_EPISODE_DAYS).astype(np.int64)
    end = np.minimum(day + length - 1, staff["leave"][person])
    return {"person": person, "reason": reason, "start": day, "end": end}


def _pick_people(rng: np.random.Generator, staff: dict[str, np.ndarray], group: np.ndarray, day: np.ndarray):
    """A random member of `group` in post on `day`, by rejection sampling (most draws are in post)."""
    order = np.argsort(staff["group"], kind="stable")
    offsets = np.searchsorted(staff["group"][order], np.arange(staff["group"].max() + 2))
    size = offsets[group + 1] - offsets[group]
    person = np.full(len(group), -1)
    todo = np.flatnonzero(size > 0)
    for _ in range(30):
        if len(todo) == 0:
            break
        pick = order[offsets[group[todo]] + (rng.random(len(todo)) * size[todo]).astype(np.int64)]
        ok = (staff["start"][pick] <= day[todo]) & (staff["leave"][pick] >= day[todo])
        person[todo[ok]] = pick[ok]
        todo = todo[~ok]
    return person


def drop_overlaps(episodes: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A person cannot start a new episode while still off: later overlapping draws are dropped."""
    order = np.lexsort((episodes["start"], episodes["person"]))
    ep = {k: v[order] for k, v in episodes.items()}
    keep = np.ones(len(ep["person"]), dtype=bool)
    while True:
        idx = np.flatnonzero(keep)
        same = ep["person"][idx[1:]] == ep["person"][idx[:-1]]
        clash = same & (ep["start"][idx[1:]] <= ep["end"][idx[:-1]])
        if not clash.any():
            return {k: v[keep] for k, v in ep.items()}
        # Drop only the first of each run of clashes per pass, then re-check against the survivors.
        first = clash & ~np.concatenate([[False], clash[:-1]])
        keep[idx[1:][first]] = False

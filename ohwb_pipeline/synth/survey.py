"""Synthetic NHS Staff Survey responses: about 45% of each trust's staff in post in October answer.

Answers follow a latent-threshold model: cut points come from the national shares of each answer
(`national_survey_distribution.csv` where it has the question, documented assumptions otherwise), and
each trust shifts its staff's latent score by its absence level, so trusts with more absence report
more stress and burnout and less positive action on health and wellbeing.
"""

from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

# National shares by answer code (1..n) for questions the reference file does not cover (assumptions).
ASSUMED_SHARES = {
    "q11b": [0.30, 0.70],  # MSK problems from work: yes / no
    "q11c": [0.45, 0.55],  # unwell from work-related stress
    "q11d": [0.56, 0.44],  # presenteeism
    "q25c": [0.06, 0.12, 0.24, 0.40, 0.18],  # would recommend as a place to work
    "q26a": [0.15, 0.30, 0.25, 0.20, 0.10],  # often think about leaving
}
RESPONSE_RATE = 0.45
BLANK_RATE = 0.03
TRUST_EFFECT = 1.0  # latent shift per unit of log(trust absence level)


def question_model(reference_dir: Path, year: int) -> list[tuple[str, np.ndarray, bool]]:
    """(question id, answer-code shares, whether the 'bad' answers are the high codes) per question."""
    questions = pl.read_csv(reference_dir / "survey_questions.csv", infer_schema=False)
    scales = pl.read_csv(reference_dir / "survey_scales.csv", infer_schema=False)
    national = pl.read_csv(reference_dir / "national_survey_distribution.csv", infer_schema=False)
    calibration_year = str(min(max(year, 2021), 2024))
    model = []
    for q in questions.iter_rows(named=True):
        labels = scales.filter(pl.col("scale") == q["scale"]).sort(pl.col("code").cast(pl.Int32))["label"]
        known = national.filter(pl.col("question_id") == q["question_id"], pl.col("year") == calibration_year)
        if known.height:
            by_label = dict(
                known.select("response_label", pl.col("national_share").cast(pl.Float64)).iter_rows()
            )
            shares = np.array([by_label[label] for label in labels])
        else:
            shares = np.array(ASSUMED_SHARES[q["question_id"]], dtype=float)
        indicator_high = max(int(c) for c in q["indicator_codes"].split(";")) == len(labels)
        bad_high = indicator_high != (q["higher_is_better"].lower() == "true")
        model.append((q["question_id"], shares / shares.sum(), bad_high))
    return model


def answer_codes(
    rng: np.random.Generator, n: int, shares: np.ndarray, shift: float, bad_high: bool
) -> np.ndarray:
    """Codes 1..k from a latent normal score; a positive shift moves answers towards the bad end."""
    cuts = np.array([NormalDist().inv_cdf(p) for p in np.cumsum(shares)[:-1]])
    latent = rng.standard_normal(n) + (shift if bad_high else -shift)
    return np.searchsorted(cuts, latent) + 1


def respondents(
    rng: np.random.Generator,
    org_code: str,
    staff_groups: np.ndarray,
    model: list[tuple[str, np.ndarray, bool]],
    trust_level: float,
) -> pl.DataFrame:
    """One trust's survey file: a random ~45% of the staff in post, with a random respondent id."""
    chosen = staff_groups[rng.random(len(staff_groups)) < RESPONSE_RATE]
    n = len(chosen)
    shift = TRUST_EFFECT * np.log(trust_level)
    ids = rng.choice(10**7, size=n, replace=False)
    columns = {
        "org_code": [org_code] * n,
        "respondent_id": [f"SR{i:07d}" for i in ids],
        "staff_group": chosen,
    }
    for question_id, shares, bad_high in model:
        codes = pl.Series(answer_codes(rng, n, shares, shift, bad_high)).cast(pl.Utf8)
        columns[question_id] = codes.scatter(np.flatnonzero(rng.random(n) < BLANK_RATE), None)
    return pl.DataFrame(columns, schema={k: pl.Utf8 for k in columns})

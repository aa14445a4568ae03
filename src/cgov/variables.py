"""Analysis variables: one definition of every centred, rescaled or derived variable the book uses.

Chapters, the simulator, ``cgov report`` and the tests import these instead of retyping ``(age - 47) / 10``.
Each function takes a column (pandas Series or numpy array) or a frame with the codebook's column names
and returns the derived variable; term labels for model tables are built from :mod:`cgov.codebook`.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cgov.codebook import COMMUNITIES, RESIDENTS, WORKERS

#: Reference values (centres) and units of the rescaled predictors. The simulator generates its data
#: around the same values, so a coefficient's intercept refers to a typical respondent.
AGE_CENTRE, AGE_UNIT = 47, 10                 # years: (age − 47) / 10, "per 10 years"
PAY_CENTRE, PAY_UNIT = 5500, 1000             # yuan per month: (pay − 5 500) / 1 000
HOURS_CENTRE, HOURS_UNIT = 48, 10             # hours per week: (hours − 48) / 10
COMPLAINTS_CENTRE, COMPLAINTS_UNIT = 20, 10   # complaints per 1 000 households: (c − 20) / 10
BELONGING_MIDPOINT = 3                        # the scale's middle answer 说不清
#: Answers at or above this code count as satisfied / trusting (比较满意, 非常满意; 比较信任, 完全信任).
AGREE_FROM = 4
#: The six belonging items, in codebook order.
BELONGING_ITEMS = [v.name for v in RESIDENTS.variables if v.name.startswith("belong_")]
#: Age groups of the report's breakdowns: bin edges (years) and labels.
AGE_BINS, AGE_LABELS = [17, 34, 49, 64, 200], ["18–34 岁", "35–49 岁", "50–64 岁", "65 岁及以上"]
#: Fewer groups than this and cluster-robust standard errors are unreliable (usually too small): the common
#: lower bound, at which ``cgov report`` warns. Chapter 12 plans evaluations with a more conservative 40.
MIN_CLUSTERS = 30
#: The participation (vote) model of chapter 04 and of ``cgov report``.
VOTE_FORMULA = "vote ~ party + belonging + age10 + owner_commodity"


def age10(age):
    """Age in decades, centred at 47: ``(age − 47) / 10``."""
    return (age - AGE_CENTRE) / AGE_UNIT


def pay_k(pay):
    """Monthly pay in thousands of yuan, centred at 5 500 yuan: ``(pay − 5500) / 1000``."""
    return (pay - PAY_CENTRE) / PAY_UNIT


def hours10(hours):
    """Weekly working hours in tens, centred at 48 hours: ``(hours − 48) / 10``."""
    return (hours - HOURS_CENTRE) / HOURS_UNIT


def complaints10(complaints):
    """2017 complaints per 1 000 households in tens, centred at 20: ``(complaints − 20) / 10``."""
    return (complaints - COMPLAINTS_CENTRE) / COMPLAINTS_UNIT


def belonging(frame: pd.DataFrame) -> pd.Series:
    """The belonging score: mean of the six items ``belong_1`` … ``belong_6`` (1–5)."""
    return frame[BELONGING_ITEMS].astype(float).mean(axis=1)


def belonging_centred(frame: pd.DataFrame) -> pd.Series:
    """The belonging score centred at the scale midpoint 3 (the ``belonging`` term of the vote model)."""
    return belonging(frame) - BELONGING_MIDPOINT


def belonging_dimensions() -> dict[str, list[str]]:
    """The belonging items by dimension, from the codebook labels ("归属感 1（认同感）" → 认同感)."""
    out: dict[str, list[str]] = {}
    for name in BELONGING_ITEMS:
        out.setdefault(re.search(r"（(.+)）", RESIDENTS[name].label)[1], []).append(name)
    return out


def agrees(answers) -> pd.Series:
    """1–5 ratings as 0/1: satisfied or trusting (code ≥ 4)."""
    return answers >= AGREE_FROM


def age_group(age: pd.Series) -> pd.Series:
    """Age in the report's four groups (labels :data:`AGE_LABELS`)."""
    return pd.cut(age.astype(float), AGE_BINS, labels=AGE_LABELS).astype(str)


def owner_commodity(housing, community_type):
    """1 for owners living in a 商品房 community, else 0 (ownership matters there only, chapter 04)."""
    return ((np.asarray(housing) == "自有住房") & (np.asarray(community_type) == "商品房")).astype(int)


def vote_design(residents: pd.DataFrame, community_type=None) -> pd.DataFrame:
    """The variables of the vote model of chapter 04, one row per resident.

    ``vote``, ``party`` (0/1), ``belonging`` (centred at 3), ``age10``, ``community_id`` (for clustering) and,
    when ``community_type`` (one value per resident) is given, ``owner_commodity``.
    """
    design = pd.DataFrame({"vote": residents["voted"].astype(int), "party": residents["party_member"].astype(int),
                           "belonging": belonging_centred(residents),
                           "age10": age10(residents["age"].astype(float)),
                           "community_id": residents["community_id"].astype(str)}, index=residents.index)
    if community_type is not None:
        design["owner_commodity"] = owner_commodity(residents["housing"], community_type)
    return design


def vote_formula(with_community_type: bool = True) -> str:
    """The vote model's formula; without the community file there is no ``owner_commodity`` term."""
    return VOTE_FORMULA if with_community_type else VOTE_FORMULA.replace(" + owner_commodity", "")


def _answer(table, variable: str, code: str) -> str:
    return dict(table[variable].answers)[code]


def term_labels() -> dict[str, str]:
    """Chinese labels of model terms, built from the codebook labels and the centring above."""
    return {
        "Intercept": "截距",
        "party": f"{RESIDENTS['party_member'].label}（党员＝1）",
        "belonging": f"归属感均分（每 1 分，以 {BELONGING_MIDPOINT} 分为中心）",
        "age10": f"{RESIDENTS['age'].label}（每 {AGE_UNIT} 岁，以 {AGE_CENTRE} 岁为中心）",
        "owner_commodity": f"{_answer(RESIDENTS, 'housing', '自有住房')} × "
                           f"{_answer(COMMUNITIES, 'community_type', '商品房')}",
        "pay_k": f"{WORKERS['monthly_pay'].label}（每 {PAY_UNIT:,} 元，以 {PAY_CENTRE:,} 元为中心）",
        "hours10": f"{WORKERS['weekly_hours'].label}（每 {HOURS_UNIT} 小时，以 {HOURS_CENTRE} 小时为中心）",
        "complaints10": f"{COMMUNITIES['baseline_complaints'].label}（每千户每 {COMPLAINTS_UNIT} 件，"
                        f"以 {COMPLAINTS_CENTRE} 件为中心）",
    }


def term_label(term: str) -> str:
    """The Chinese label of a model term or codebook variable; the name itself if unknown."""
    labels = term_labels()
    if term in labels:
        return labels[term]
    for table in (RESIDENTS, COMMUNITIES, WORKERS):
        if term in table.columns:
            return table[term].label
    return term

"""The book's diagnostic indicators of one survey, as tidy result tables with small cells suppressed.

Every statistic is computed as the book's chapters compute it — α, the participation logit and the
multilevel logit by :mod:`cgov.models`, the ICC of continuous outcomes by the ANOVA estimator of
chapter 03 — so the report gives the same numbers as the book on the same data.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import PerfectSeparationError

from cgov import models, variables as V
from cgov.codebook import COMMUNITIES, RESIDENTS
from cgov.report.privacy import suppress

#: Above this many respondents the multilevel logit is too slow (minutes at 100 000) and the ICC of
#: voting comes from the one-way ANOVA (method-of-moments) estimator on the 0/1 scale instead.
MAX_MIXED = 5000
ITEMS = V.BELONGING_ITEMS
#: Community outcomes: column -> Chinese label.
OUTCOMES = {"voted": "选举投票率", "active": "活动参与率", "activities": "平均活动次数", "belonging": "归属感均分",
            "satisfied": "满意率", "trusting": "信任率"}
#: Community characteristics from the community file correlated with the outcomes.
TRAITS = [v.name for v in COMMUNITIES.variables if v.type in ("integer", "number") and v.name != "shuangbaodao_year"]
_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError, PerfectSeparationError)


@dataclass
class Result:
    """One result table: file stem, Chinese title, the table, and a note on how it was computed."""

    name: str
    title: str
    frame: pd.DataFrame
    note: str = ""


def dimensions() -> dict[str, list[str]]:
    """The belonging scale and its dimensions from the codebook labels ("归属感 1（认同感）")."""
    return {f"归属感量表（{len(ITEMS)} 题）": ITEMS, **V.belonging_dimensions()}


def respondents(survey: pd.DataFrame, communities: pd.DataFrame | None) -> pd.DataFrame:
    """Per respondent: the outcomes as floats (shares are 0/1) and the breakdown variables as labels."""
    frame = pd.DataFrame({
        "community_id": survey["community_id"].astype(str),
        "voted": survey["voted"].astype(float), "active": (survey["activities"] > 0).astype(float),
        "activities": survey["activities"].astype(float),
        "belonging": V.belonging(survey),
        "satisfaction": survey["satisfaction"].astype(float), "trust_rc": survey["trust_rc"].astype(float),
        "satisfied": V.agrees(survey["satisfaction"]).astype(float), "trusting": V.agrees(survey["trust_rc"]).astype(float),
        "性别": survey["sex"].astype(str),
        "年龄组": V.age_group(survey["age"]),
        "住房产权": survey["housing"].astype(str),
        "党员身份": np.where(survey["party_member"].astype(bool), "党员", "非党员"),
    })
    if communities is not None:
        types = communities.set_index(communities["community_id"].astype(str))["community_type"].astype(str)
        frame["社区类型"] = frame["community_id"].map(types)
    return frame


def _rates(groups) -> pd.DataFrame:
    return groups.agg(n=("voted", "size"), **{k: (k, "mean") for k in OUTCOMES})


def compute(survey: pd.DataFrame, communities: pd.DataFrame | None, min_cell: int) -> list[Result]:
    """All result tables of the report, in reading order."""
    people = respondents(survey, communities)
    per_community = _rates(people.groupby("community_id", sort=True)).reset_index()
    results = [
        Result("overall", "总体指标", _overall(people, per_community)),
        Result("by_group", "分组指标", _by_group(people, min_cell),
               f"每组少于 {min_cell} 人的格子不显示；一组中只隐藏一个格子时，同组人数最少的另一格也隐藏。"),
        Result("participation_logit", "选举投票的 logit 模型", *_logit(survey, people)),
        Result("belonging_reliability", "归属感量表及其信度", _reliability(survey)),
        Result("belonging_distribution", "归属感得分分布", _distribution(people["belonging"].mul(2).round().div(2),
                                                                  "score", min_cell)),
        Result("ratings_distribution", "满意度与信任的回答分布", _ratings(people, min_cell)),
        Result("icc", "社区间差异：组内相关系数 ICC", *_icc(people)),
        Result("communities", "各社区指标", _communities(per_community, communities, min_cell),
               f"受访者少于 {min_cell} 人的社区不显示其指标。"),
    ]
    if communities is not None:
        shown = results[-1].frame[~results[-1].frame["suppressed"]]
        results.append(Result("community_correlations", "社区特征与社区指标的相关", _correlations(shown),
                              "Pearson 相关系数，以社区为单位（受访者过少而不显示的社区不计入）。"))
    return results


def _overall(people: pd.DataFrame, per_community: pd.DataFrame) -> pd.DataFrame:
    rows = [("受访者人数", len(people)), ("社区数", people["community_id"].nunique()),
            ("每社区受访者（最少）", per_community["n"].min()), ("每社区受访者（中位数）", per_community["n"].median()),
            ("每社区受访者（最多）", per_community["n"].max())]
    rows += [(label, people[column].mean()) for column, label in OUTCOMES.items()]
    rows += [("满意度均分（1–5）", people["satisfaction"].mean()), ("信任均分（1–5）", people["trust_rc"].mean())]
    return pd.DataFrame(rows, columns=["indicator", "value"]).assign(n=len(people))


def _by_group(people: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    keys = [k for k in ("性别", "年龄组", "住房产权", "党员身份", "社区类型") if k in people.columns]
    parts = [_rates(people.groupby(k, sort=True)).rename_axis("group").reset_index().assign(breakdown=k)
             for k in keys]
    frame = pd.concat(parts, ignore_index=True)
    return suppress(frame[["breakdown", "group", "n", *OUTCOMES]], min_cell, within="breakdown")


def _logit(survey: pd.DataFrame, people: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The participation model of chapter 04 (without the owner × 商品房 term when there is no community file)."""
    with_type = "社区类型" in people
    design = V.vote_design(survey, people["社区类型"] if with_type else None)
    formula = V.vote_formula(with_type)
    note = f"模型 {formula}（第 4 章的模型），标准误按社区聚类（cgov.models.logit）。"
    try:
        return models.logit(design, formula, cluster="community_id"), note
    except _FAILURES as exc:
        return pd.DataFrame(columns=models.TIDY_COLUMNS), f"无法估计 (could not be estimated): {exc}"


def _reliability(survey: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for scale, items in dimensions().items():
        score = survey[items].astype(float).mean(axis=1)
        try:
            alpha = models.cronbach_alpha(survey[items])
        except _FAILURES:
            alpha = np.nan
        rows.append({"scale": scale, "items": "、".join(items), "alpha": alpha, "mean": score.mean(),
                     "sd": score.std(ddof=1), "n": len(score)})
    return pd.DataFrame(rows)


def _distribution(values: pd.Series, name: str, min_cell: int) -> pd.DataFrame:
    counts = values.value_counts().sort_index()
    frame = pd.DataFrame({name: counts.index, "n": counts.to_numpy(), "share": counts.to_numpy() / len(values)})
    return suppress(frame, min_cell, keys=[name])


def _ratings(people: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    answers = {v.name: dict(v.answers) for v in RESIDENTS.variables if v.name in ("satisfaction", "trust_rc")}
    parts = []
    for column, labels in answers.items():
        part = _distribution(people[column].astype(int), "code", min_cell)
        parts.append(part.assign(question=column, answer=part["code"].map(labels)))
    return pd.concat(parts, ignore_index=True)[["question", "code", "answer", "n", "share", "suppressed"]]


def _icc(people: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    rows = []
    for column, label in {**{k: OUTCOMES[k] for k in ("belonging", "activities")},
                          "satisfaction": "满意度（1–5）", "trust_rc": "信任（1–5）", "voted": "选举投票"}.items():
        anova = column != "voted" or len(people) > MAX_MIXED
        how = ("单因素方差分析 ICC(1)" + ("，0/1 尺度" if column == "voted" else "") if anova
               else "多层 logit，潜变量尺度（cgov.models.mixed_logit）")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                icc = (models.anova_icc(people[column], people["community_id"]) if anova else
                       models.mixed_logit(people, "voted ~ 1", "community_id").set_index("term").loc["ICC", "estimate"])
        except _FAILURES:
            icc = np.nan
        rows.append({"outcome": column, "label": label, "icc": float(icc), "estimator": how, "n": len(people),
                     "communities": people["community_id"].nunique()})
    note = (f"连续变量用单因素方差分析估计量（与第 3 章相同）；投票在受访者不多于 {MAX_MIXED} 人时用第 4 章的多层 "
            "logit（潜变量尺度），更多时多层模型太慢，改用方差分析估计量（0/1 尺度，数值较小，不可直接比较）。")
    return pd.DataFrame(rows), note


def _communities(per_community: pd.DataFrame, communities: pd.DataFrame | None, min_cell: int) -> pd.DataFrame:
    frame = suppress(per_community, min_cell)
    if communities is None:
        return frame
    traits = communities[["community_id", "community_type", *TRAITS]].assign(
        community_id=communities["community_id"].astype(str))
    return frame.merge(traits, on="community_id", how="left")


def _correlations(shown: pd.DataFrame) -> pd.DataFrame:
    rows = [{"trait": trait, "outcome": outcome, "r": shown[trait].astype(float).corr(shown[outcome]),
             "communities": int(shown[[trait, outcome]].dropna().shape[0])}
            for trait in TRAITS for outcome in OUTCOMES]
    return pd.DataFrame(rows)

"""The book's diagnostic indicators of one survey, as tidy result tables with small cells suppressed.

Every statistic is computed as the book's chapters compute it — α, the participation logit and the
multilevel logit by :mod:`cgov.models`, the ICC of continuous outcomes by the ANOVA estimator of
chapter 03 — so the report gives the same numbers as the book on the same data. The input is the
release set of :func:`cgov.report.privacy.release` (no community of fewer than k respondents). A
statistic that cannot be computed gets a ``reason`` in words (Chinese, with English), never a raw error.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
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
#: Fewest communities for a correlation across communities (and its Fisher interval).
MIN_CORRELATION = 5
#: A coefficient this far out on the logit scale (or a standard error this large) means the model did not converge.
_DIVERGED = 15.0
_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError, PerfectSeparationError)
BREAKDOWNS = ("性别", "年龄组", "住房产权", "党员身份", "社区类型")


@dataclass
class Result:
    """One result table: file stem, Chinese title, the table, one plain sentence on how to read it, a note on
    how it was computed, and a warning a reader must not miss."""

    name: str
    title: str
    frame: pd.DataFrame
    how: str = ""
    note: str = ""
    warning: str = ""


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


def few_communities(n: int) -> str:
    """The warning for clustered inference on fewer than :data:`cgov.variables.MIN_CLUSTERS` communities."""
    if n >= V.MIN_CLUSTERS:
        return ""
    return (f"只有 {n} 个社区，社区太少（少于 {V.MIN_CLUSTERS} 个）：按社区聚类的标准误通常偏小，区间和 p 值应看得更保守，"
            f"社区之间的差异也估计得很不精确 (only {n} communities: clustered standard errors are unreliable)。")


def compute(survey: pd.DataFrame, communities: pd.DataFrame | None, min_cell: int) -> list[Result]:
    """All result tables of the report, in reading order, from the released respondents ``survey``."""
    people = respondents(survey, communities)
    per_community = _rates(people.groupby("community_id", sort=True)).reset_index()
    n_communities = len(per_community)
    results = [
        Result("overall", "总体指标", _overall(people, per_community),
               "这张表描述纳入报告的全部受访者：比率是回答“是”（或 4、5 分）的人占受访者的百分比，均分是 1–5 分的平均。"),
        Result("by_group", "分组指标", _by_group(people, min_cell),
               "比较同一分组变量的各组（例如男与女）谁的投票率、参与率或满意率更高；人数少的组，差几个百分点可能只是偶然。",
               f"每组少于 {min_cell} 人的格子不显示；同一分组中被隐藏的人数合计少于 {min_cell} 人时，再隐藏人数最少的另一格。"),
        _logit(survey, people, n_communities),
        _reliability(survey),
        Result("belonging_distribution", "归属感得分分布",
               _distribution(people["belonging"].mul(2).round().div(2), "score", min_cell),
               "柱子越靠右归属感越强：看受访者主要集中在哪个分数段，有多少人低于中间值 3 分。"),
        Result("ratings_distribution", "满意度与信任的回答分布", _ratings(people, min_cell),
               "看选择 4、5 分（比较满意、非常满意；比较信任、完全信任）的人占多少，以及有多少人选择 1、2 分。"),
        _icc(people, n_communities),
        Result("communities", "各社区指标", _communities(people, per_community, communities, min_cell),
               "各社区的投票率和归属感均分都带有 95% 区间：两个社区的区间重叠时，不能说谁高谁低，不宜据此给社区排名。",
               f"只列受访者不少于 {min_cell} 人的社区；投票率的区间为 Wilson 区间，归属感均分的区间为 t 区间。",
               "每个社区的受访者不多，社区之间的差别有很大一部分是抽样误差；这张表不是排行榜。"),
    ]
    if communities is not None:
        results.append(_correlations(results[-1].frame))
    return results


def _overall(people: pd.DataFrame, per_community: pd.DataFrame) -> pd.DataFrame:
    rows = [("受访者人数", len(people), "人"), ("社区数", len(per_community), "个"),
            ("每社区受访者（最少）", per_community["n"].min(), "人"),
            ("每社区受访者（中位数）", per_community["n"].median(), "人"),
            ("每社区受访者（最多）", per_community["n"].max(), "人")]
    units = {"activities": "次", "belonging": "分（1–5）"}
    rows += [(label, people[column].mean(), units.get(column, "比例")) for column, label in OUTCOMES.items()]
    rows += [("满意度均分（1–5）", people["satisfaction"].mean(), "分（1–5）"),
             ("信任均分（1–5）", people["trust_rc"].mean(), "分（1–5）")]
    return pd.DataFrame(rows, columns=["indicator", "value", "unit"]).assign(n=len(people))


def _by_group(people: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    keys = [k for k in BREAKDOWNS if k in people.columns]
    parts = [_rates(people.groupby(k, sort=True)).rename_axis("group").reset_index().assign(breakdown=k)
             for k in keys]
    frame = pd.concat(parts, ignore_index=True)
    return suppress(frame[["breakdown", "group", "n", *OUTCOMES]], min_cell, within="breakdown")


def _logit_undefined(design: pd.DataFrame, formula: str) -> str:
    """Why the vote model cannot be estimated on these data, in words; "" if it can be tried."""
    if design["vote"].min() == 1:
        return "所有受访者都投了票，无法估计哪些因素与投票有关 (all respondents voted: the model cannot be estimated)"
    if design["vote"].max() == 0:
        return "没有受访者投票，无法估计哪些因素与投票有关 (no respondent voted: the model cannot be estimated)"
    for term in formula.split("~")[1].replace(" ", "").split("+"):
        if design[term].nunique() < 2:
            return (f"所有受访者的“{V.term_label(term)}”都相同，无法估计它与投票的关系 "
                    f"({term} does not vary: the model cannot be estimated)")
    return ""


def _logit_failure(exc: Exception) -> str:
    if isinstance(exc, PerfectSeparationError):
        return ("某一组受访者全部投票或全部未投票（完全分离），受访者太少，模型无法估计 "
                "(perfect separation: too few respondents for this model)")
    if isinstance(exc, np.linalg.LinAlgError):
        return ("自变量之间完全相关（例如所有党员都住自有住房），模型无法区分它们的作用 "
                "(the predictors are collinear: the model cannot be estimated)")
    return "数据不足以估计这个模型 (the data cannot support this model)"


def _logit(survey: pd.DataFrame, people: pd.DataFrame, n_communities: int) -> Result:
    """The participation model of chapter 04 (without the owner × 商品房 term when there is no community file)."""
    with_type = "社区类型" in people
    design = V.vote_design(survey, people["社区类型"] if with_type else None)
    formula = V.vote_formula(with_type)
    terms = "、".join(V.term_label(t) for t in formula.split("~")[1].replace(" ", "").split("+"))
    cluster = "community_id" if n_communities > 1 else None
    note = (f"因变量是上次居委会选举是否投票，自变量为{terms}（第 4 章的模型，cgov.models.logit）；"
            + ("标准误按社区聚类。" if cluster else "只有 1 个社区，标准误没有按社区聚类。"))
    how = ("优势比大于 1 表示具有该特征的人更可能投票，小于 1 表示更不可能；区间不含 1、p 值小于 0.05 时这种关联"
           "在统计上较为可靠，但关联不等于因果。")
    reason = _logit_undefined(design, formula)
    table = pd.DataFrame(columns=[*models.TIDY_COLUMNS, "exp_estimate", "exp_conf_low", "exp_conf_high"])
    if not reason:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = models.logit(design, formula, cluster=cluster)
            if not np.isfinite(table[["estimate", "std_error"]].to_numpy(float)).all() or \
                    table[["estimate", "std_error"]].abs().to_numpy().max() > _DIVERGED:
                raise PerfectSeparationError("diverged")
        except _FAILURES as exc:
            reason = _logit_failure(exc)
            table = table.iloc[0:0]
    table = table.assign(term_label=table["term"].map(V.term_label), reason=reason)
    table = table[["term", "term_label", *[c for c in table.columns if c not in ("term", "term_label")]]]
    events = min(int(design["vote"].sum()), int((1 - design["vote"]).sum()))
    warning = few_communities(n_communities) if cluster else ""
    if not reason and events < 10 * (len(table) - 1):
        warning += ("投票（或未投票）的人太少（不到每个自变量 10 人），估计值不稳定 "
                    "(fewer than 10 events per predictor: unstable estimates)。")
    return Result("participation_logit", "哪些居民更可能投票：第 4 章的 logit 模型", table, how,
                  note + (f"无法估计：{reason}" if reason else ""), warning)


def _reliability(survey: pd.DataFrame) -> Result:
    rows = []
    for scale, items in dimensions().items():
        score = survey[items].astype(float).mean(axis=1)
        alpha, reason = np.nan, ""
        if (survey[items].astype(float).nunique() < 2).any():
            reason = "至少一道题所有人的回答都相同（没有差异），α 无法计算 (an item does not vary: alpha is undefined)"
        else:
            try:
                alpha = models.cronbach_alpha(survey[items])
            except _FAILURES:
                reason = "回答没有差异或太少，α 无法计算 (too little variation: alpha is undefined)"
        rows.append({"scale": scale, "items": "第 " + "、".join(i.rsplit("_", 1)[1] for i in items) + " 题",
                     "alpha": alpha, "mean": score.mean(), "sd": score.std(ddof=1), "n": len(score), "reason": reason})
    return Result("belonging_reliability", "归属感量表及其信度", pd.DataFrame(rows),
                  "α 在 0.7 以上，说明这几道题测的是同一件事，可以合成一个均分；α 低时不宜用均分代表归属感。",
                  "Cronbach α（cgov.models.cronbach_alpha）；均分为各题的平均（1–5 分）。")


def _distribution(values: pd.Series, name: str, min_cell: int) -> pd.DataFrame:
    counts = values.value_counts().sort_index()
    frame = pd.DataFrame({name: counts.index, "n": counts.to_numpy(), "share": counts.to_numpy() / len(values)})
    return suppress(frame, min_cell, keys=[name])


def _ratings(people: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    parts = []
    for column in ("satisfaction", "trust_rc"):
        labels = dict(RESIDENTS[column].answers)
        part = _distribution(people[column].astype(int), "code", min_cell)
        parts.append(part.assign(question=column, item=RESIDENTS[column].label, answer=part["code"].map(labels)))
    return pd.concat(parts, ignore_index=True)[["question", "item", "code", "answer", "n", "share", "suppressed"]]


def _icc_reason(values: pd.Series, n_communities: int) -> str:
    if n_communities < 2:
        return ("只有 1 个社区，无法估计社区之间的差异，因此不计算 ICC "
                "(only one community: differences between communities cannot be estimated)")
    if values.nunique() < 2:
        return "所有受访者的回答都相同，没有差异可以分解 (answers do not vary: the ICC is undefined)"
    return ""


def _icc(people: pd.DataFrame, n_communities: int) -> Result:
    rows = []
    for column, label in {**{k: OUTCOMES[k] for k in ("belonging", "activities")},
                          "satisfaction": "满意度（1–5）", "trust_rc": "信任（1–5）", "voted": "选举投票"}.items():
        anova = column != "voted" or len(people) > MAX_MIXED
        how = ("单因素方差分析 ICC(1)" + ("，0/1 尺度" if column == "voted" else "") if anova
               else "多层 logit，潜变量尺度（cgov.models.mixed_logit）")
        icc, reason = np.nan, _icc_reason(people[column], n_communities)
        if not reason:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    icc = (models.anova_icc(people[column], people["community_id"]) if anova else
                           models.mixed_logit(people, "voted ~ 1", "community_id").set_index("term").loc["ICC",
                                                                                                      "estimate"])
            except _FAILURES:
                reason = "模型无法估计 (the model could not be estimated)"
        rows.append({"outcome": column, "label": label, "icc": float(icc), "estimator": how, "n": len(people),
                     "communities": n_communities, "reason": reason})
    note = (f"连续变量用单因素方差分析估计量（与第 3 章相同）；投票在受访者不多于 {MAX_MIXED} 人时用第 4 章的多层 "
            "logit（潜变量尺度），更多时多层模型太慢，改用方差分析估计量（0/1 尺度，数值较小，不可直接比较）。")
    how = ("ICC 是居民之间的差异中来自“住在不同社区”的比例：接近 0 说明差异主要在社区内部，越大说明社区之间差别越明显，"
           "在社区层面想办法越有针对性。")
    return Result("icc", "社区之间差别有多大：组内相关系数（ICC）", pd.DataFrame(rows), how, note,
                  few_communities(n_communities) if n_communities > 1 else "")


def _mean_interval(groups, column: str) -> pd.DataFrame:
    """95% t-interval of the mean of ``column`` per group."""
    agg = groups[column].agg(["mean", "std", "size"])
    half = stats.t.ppf(0.975, np.maximum(agg["size"] - 1, 1)) * agg["std"] / np.sqrt(agg["size"])
    return pd.DataFrame({f"{column}_low": agg["mean"] - half, f"{column}_high": agg["mean"] + half})


def _communities(people: pd.DataFrame, per_community: pd.DataFrame, communities: pd.DataFrame | None,
                 min_cell: int) -> pd.DataFrame:
    groups = people.groupby("community_id", sort=True)
    voters = groups["voted"].sum().to_numpy()
    low, high = proportion_confint(voters, per_community["n"].to_numpy(), method="wilson")
    intervals = _mean_interval(groups, "belonging").reset_index(drop=True)
    frame = per_community.assign(voted_low=low, voted_high=high, **intervals)
    columns = ["community_id", "n", "voted", "voted_low", "voted_high", "belonging", "belonging_low", "belonging_high",
               *[c for c in OUTCOMES if c not in ("voted", "belonging")]]
    frame = suppress(frame[columns], min_cell, keys=["community_id"])
    if communities is None:
        return frame
    traits = communities[["community_id", "community_type", *TRAITS]].assign(
        community_id=communities["community_id"].astype(str))
    return frame.merge(traits, on="community_id", how="left")


def _fisher_interval(r: float, n: int) -> tuple[float, float]:
    if not np.isfinite(r) or n <= 3:
        return np.nan, np.nan
    z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1 / np.sqrt(n - 3)
    return float(np.tanh(z - 1.959964 * se)), float(np.tanh(z + 1.959964 * se))


def _correlations(per_community: pd.DataFrame) -> Result:
    shown = per_community[~per_community["suppressed"]]
    rows = []
    for trait in TRAITS:
        for outcome, label in OUTCOMES.items():
            pair = shown[[trait, outcome]].astype(float).dropna()
            r, reason = np.nan, ""
            if len(pair) < MIN_CORRELATION:
                reason = (f"只有 {len(pair)} 个社区，少于 {MIN_CORRELATION} 个，不计算相关 "
                          f"(fewer than {MIN_CORRELATION} communities)")
            elif pair[trait].nunique() < 2 or pair[outcome].nunique() < 2:
                reason = "各社区的取值都相同，相关系数无法计算 (no variation across communities)"
            else:
                r = pair[trait].corr(pair[outcome])
            low, high = _fisher_interval(r, len(pair))
            rows.append({"trait": trait, "trait_label": COMMUNITIES[trait].label, "outcome": outcome,
                         "outcome_label": label, "r": r, "conf_low": low, "conf_high": high,
                         "communities": len(pair), "reason": reason})
    warning = ("相关不等于因果：党组织嵌入、共建等措施常常先进入问题多的社区（选择），相关可能反映“哪里问题多就先去哪里”，"
               "而不是措施的效果；只含报告中的社区。")
    return Result("community_correlations", "社区特征与社区指标的相关", pd.DataFrame(rows),
                  "相关系数在 −1 到 1 之间：正值表示社区特征越高、指标往往越高；区间越宽越不确定，区间包含 0 时看不出关联。",
                  "Pearson 相关系数，以社区为单位；95% 区间用 Fisher z 变换。", warning)

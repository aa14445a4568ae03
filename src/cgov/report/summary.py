"""The summary at the top of the report: what the survey shows (from the released tables only, so every
number respects suppression) and what it cannot show."""
from __future__ import annotations

import pandas as pd

from cgov import variables as V
from cgov.report.indicators import Result
from cgov.report.privacy import Release
from cgov.report.render import HIDDEN, number

SHOWS, CANNOT = "本次调查能说明什么", "本次调查不能说明什么"


def _value(overall: pd.DataFrame, indicator: str) -> str:
    row = overall.set_index("indicator").loc[indicator]
    return number(row["value"], "value", row["unit"])


def _party_gap(by_group: pd.DataFrame) -> str:
    party = by_group[by_group["breakdown"] == "党员身份"].set_index("group")
    if {"党员", "非党员"} <= set(party.index) and not party["suppressed"].any():
        return (f"党员的选举投票率为 {number(party.loc['党员', 'voted'], 'voted')}，非党员为 "
                f"{number(party.loc['非党员', 'voted'], 'voted')}。")
    return ""


def _odds(logit: pd.DataFrame) -> str:
    if "party" not in set(logit["term"]):
        return ""
    row = logit.set_index("term").loc["party"]
    return (f"在年龄、归属感等条件相同时，党员投票的优势比为 {number(row['exp_estimate'], 'r')}（95% 区间 "
            f"{number(row['exp_conf_low'], 'r')} – {number(row['exp_conf_high'], 'r')}）。")


def summary(results: dict[str, Result], released: Release) -> dict[str, list[str]]:
    """Two short lists: what the released tables show, and what this survey cannot show."""
    overall = results["overall"].frame
    reliability = results["belonging_reliability"].frame.iloc[0]
    shows = [
        f"纳入报告的 {released.survey.shape[0]:,} 名受访者来自 {released.communities} 个社区。",
        f"上次居委会选举的投票率为 {_value(overall, '选举投票率')}，过去一年参加过社区活动的占 "
        f"{_value(overall, '活动参与率')}；对社区服务满意的占 {_value(overall, '满意率')}，信任居委会的占 "
        f"{_value(overall, '信任率')}。",
        f"归属感均分为 {_value(overall, '归属感均分')} 分（1–5 分，3 分为“说不清”）"
        + (f"，六道题的信度 α 为 {number(reliability['alpha'], 'alpha')}。" if pd.notna(reliability["alpha"]) else "。"),
        _party_gap(results["by_group"].frame) + _odds(results["participation_logit"].frame),
    ]
    cannot = [
        "这些数字只描述受访者；能否代表社区的全体居民，取决于受访者是怎样抽取的。",
        "分组比较、相关和模型只说明关联，不说明因果：例如党组织嵌入常常先进入问题多的社区，"
        "不能把社区之间的差别当作某项工作的效果。",
        "每个社区的受访者不多，社区之间的高低有很大一部分是抽样误差，各社区指标不能当作排行榜。",
    ]
    if released.communities < V.MIN_CLUSTERS:
        cannot.append(f"只有 {released.communities} 个社区（少于 {V.MIN_CLUSTERS} 个），社区层面的结论和按社区聚类的区间都很不确定。")
    if released.left_out:
        cannot.append(f"有 {released.left_out} 名受访者（{released.left_out_communities} 个社区）所在社区的受访者少于 "
                      f"{released.k} 人；为防止从报告中认出他们，这些受访者不计入任何表格，总数也不包括他们。")
    cannot.append(f"表中的 “{HIDDEN}” 表示该格子的人数少于 {released.k} 人，为保护受访者而不显示；同一分组中被隐藏的人数"
                  f"合计少于 {released.k} 人时，还会多隐藏一格，使任何两张表相减都推算不出少于 {released.k} 人的数字。"
                  "“无法计算”的格子在“说明”一栏写明原因。")
    return {SHOWS: [line for line in shows if line], CANNOT: cannot}

"""The report page: one self-contained offline HTML file (figures inline as base64 PNG, in the book's style
and CJK font), written for street and community staff: percentages, Chinese labels, p < 0.001, one plain
sentence under each section, hidden cells as “—” (explained once, at the top)."""
from __future__ import annotations

import base64
import html
import io
import math

import pandas as pd

import cgov
from cgov import variables as V
from cgov.report.indicators import OUTCOMES, Result

#: The mark of a cell hidden to protect respondents.
HIDDEN = "—"
#: Column headings of the HTML tables (the CSV files keep the English names).
HEADINGS = {**OUTCOMES, "indicator": "指标", "value": "取值", "unit": "单位", "n": "人数", "breakdown": "分组变量",
            "group": "组别", "term_label": "项", "exp_estimate": "优势比", "p_value": "p 值", "scale": "量表或维度",
            "items": "题目", "alpha": "Cronbach α", "mean": "均分", "sd": "标准差", "score": "得分（取整到 0.5）",
            "share": "占比", "item": "题目", "code": "编码", "answer": "回答", "label": "指标", "icc": "ICC",
            "estimator": "估计方法", "communities": "社区数", "community_id": "社区编号", "community_type": "社区类型",
            "trait_label": "社区特征", "outcome_label": "社区指标", "r": "相关系数", "reason": "说明",
            "interval": "95% 区间", "voted_interval": "投票率 95% 区间", "belonging_interval": "归属感均分 95% 区间"}
#: Columns holding shares (0–1), shown as percentages.
SHARES = {"voted", "active", "satisfied", "trusting", "share", "voted_low", "voted_high"}
#: Columns of the CSV files not shown in the HTML tables (codes, technical estimates, flags).
TECHNICAL = {"suppressed", "term", "estimate", "std_error", "conf_low", "conf_high", "model", "exp_conf_low",
             "exp_conf_high", "question", "outcome", "trait", "voted_low", "voted_high", "belonging_low",
             "belonging_high"}
CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.2rem .5rem}
td{text-align:right}th{background:#f3f3f3}.banner{border:2px solid #b35900;background:#fff4e5;padding:.5rem 1rem}
.warning{border-left:4px solid #b35900;padding-left:.6rem}.how{font-weight:500}
.note{color:#555;font-size:.9rem}img{max-width:100%}.scroll{max-height:30rem;overflow:auto}
#summary{background:#f5f8fb;border:1px solid #c9d6e3;padding:.3rem 1rem}"""


def figure_png(fig) -> str:
    """A matplotlib figure as an ``<img>`` with a base64 PNG data URI; closes the figure."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return f'<img alt="{html.escape(fig.get_label())}" src="data:image/png;base64,' \
           f'{base64.b64encode(buffer.getvalue()).decode()}">'


def figures(results: dict[str, Result]) -> dict[str, str]:
    """The report's figures, drawn only from the (suppressed) result tables, by result name."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cgov.setup()
    out = {}
    groups = results["by_group"].frame.dropna(subset=["n"])
    if len(groups):
        fig, axes = plt.subplots(1, 2, figsize=(8, 0.3 * len(groups) + 1.5), sharey=True,
                                 label="分组的投票率与活动参与率")
        labels = groups["breakdown"] + "：" + groups["group"].astype(str)
        for ax, column in zip(axes, ("voted", "active")):
            ax.barh(labels, groups[column] * 100)
            ax.set(title=OUTCOMES[column], xlabel="%", xlim=(0, 100))
        axes[0].invert_yaxis()
        out["by_group"] = figure_png(fig)
    dist = results["belonging_distribution"].frame.dropna(subset=["n"])
    fig, ax = plt.subplots(figsize=(7, 3.5), label="归属感得分分布")
    ax.bar(dist["score"], dist["share"] * 100, width=0.4)
    ax.set(xlabel="归属感得分（六题均分，取整到 0.5）", ylabel="受访者占比（%）")
    out["belonging_distribution"] = figure_png(fig)
    ratings = results["ratings_distribution"].frame
    fig, ax = plt.subplots(figsize=(7, 3.5), label="满意度与信任的回答分布")
    for offset, (_, part) in zip((-0.2, 0.2), ratings.groupby("question", sort=False)):
        shown = part.dropna(subset=["n"])   # a hidden cell is left out, not drawn as 0
        ax.bar(shown["code"] + offset, shown["share"] * 100, width=0.4, label=part["item"].iloc[0])
    ax.set(xlabel="回答（1＝最低，5＝最高；隐藏的格子不画）", ylabel="受访者占比（%）", xticks=range(1, 6))
    ax.legend()
    out["ratings_distribution"] = figure_png(fig)
    com = results["communities"].frame.dropna(subset=["n"]).sort_values("belonging")
    fig, ax = plt.subplots(figsize=(7, 3.5), label="各社区的归属感均分及其 95% 区间（从低到高）")
    ax.errorbar(range(len(com)), com["belonging"], yerr=[com["belonging"] - com["belonging_low"],
                                                         com["belonging_high"] - com["belonging"]],
                fmt="o", markersize=3, elinewidth=0.8)
    ax.set(xlabel="社区（按归属感均分排序；竖线为 95% 区间，重叠的社区不能排先后）", ylabel="归属感均分（1–5）")
    out["communities"] = figure_png(fig)
    return out


def p_value(p: float) -> str:
    """A p-value as read by non-statisticians: "< 0.001" below one in a thousand, else three decimals."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def number(value, column: str, unit: str = "") -> str:
    """One cell as text: shares in %, p-values, counts with separators, other numbers to three decimals."""
    if isinstance(value, str):
        return value
    if column in SHARES or unit == "比例":
        return f"{100 * value:.1f}%"
    if column == "p_value":
        return p_value(value)
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _cell(value, column: str, hidden: bool, unit: str = "", reason: str = "") -> str:
    if column == "unit" and value == "比例":
        return ""   # the value already carries its %
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        if hidden:
            return HIDDEN
        return "无法计算" if reason else ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return number(value, column, unit)


def _with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs of interval columns as one "low – high" column (odds ratios, correlations, community rates)."""
    out = frame.copy()
    pairs = {"interval": ("exp_conf_low", "exp_conf_high") if "exp_estimate" in out else ("conf_low", "conf_high"),
             "voted_interval": ("voted_low", "voted_high"), "belonging_interval": ("belonging_low", "belonging_high")}
    for name, (low, high) in pairs.items():
        if low in out and high in out:
            hidden = out["suppressed"] if "suppressed" in out else pd.Series(False, index=out.index)
            out[name] = [HIDDEN if h else "" if pd.isna(a) or pd.isna(b) else f"{number(a, low)} – {number(b, high)}"
                         for a, b, h in zip(out[low], out[high], hidden)]
            anchor = {"voted_interval": "voted", "belonging_interval": "belonging",
                      "interval": "exp_estimate" if "exp_estimate" in out else "r"}.get(name)
            if anchor in out:   # place the interval right after its estimate
                columns = [c for c in out.columns if c != name]
                columns.insert(columns.index(anchor) + 1, name)
                out = out[columns]
    return out


def table_html(frame: pd.DataFrame) -> str:
    """A result table in HTML: Chinese headings, shares in %, p-values as "< 0.001", hidden cells as “—”."""
    hidden = frame["suppressed"] if "suppressed" in frame else pd.Series(False, index=frame.index)
    shown = _with_intervals(frame)
    columns = [c for c in shown.columns if c not in TECHNICAL and not (c == "reason" and not shown[c].astype(bool).any())]
    head = "".join(f"<th>{html.escape(HEADINGS.get(c, V.term_label(c)))}</th>" for c in columns)
    rows = []
    for i, row in shown.iterrows():
        unit, reason = str(row.get("unit", "")), str(row.get("reason", "") or "")
        cells = [_cell(row[c], c, bool(hidden[i]), unit if c == "value" else "", reason) for c in columns]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    body = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="scroll">{body}</div>' if len(shown) > 25 else body


def _paragraphs(lines: list[str], css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return "".join(f"<p{attribute}>{html.escape(line)}</p>" for line in lines if line)


def page(title: str, intro: list[str], summary: dict[str, list[str]], results: list[Result],
         pictures: dict[str, str], banner: str = "") -> str:
    """The whole report page: no scripts, no links or requests outside the page itself."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if banner:
        parts.append(f'<p class="banner">{html.escape(banner)}</p>')
    parts.append('<section id="summary"><h2>摘要</h2>')
    for heading, lines in summary.items():
        parts.append(f"<h3>{html.escape(heading)}</h3><ul>"
                     + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
    parts.append("</section>")
    parts.append(_paragraphs(intro, "note"))
    for result in results:
        parts.append(f'<h2 id="{result.name}">{html.escape(result.title)}</h2>')
        parts.append(_paragraphs([result.how], "how"))
        parts.append(_paragraphs([result.warning], "warning"))
        parts.append(pictures.get(result.name, ""))
        if len(result.frame):
            parts.append(table_html(result.frame))
        parts.append(_paragraphs([result.note], "note"))
        parts.append(f'<p class="note">表格文件 (CSV)：tables/{result.name}.csv</p>')
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(p for p in parts if p) + "</body></html>\n")

"""Write the report: one self-contained offline HTML page (figures inline as base64 PNG, in the book's
style and CJK font) and the result tables as CSV, built in a temporary folder and renamed into place."""
from __future__ import annotations

import base64
import html
import io

import pandas as pd

import cgov
from cgov.report.indicators import OUTCOMES, Result

#: Column headings of the HTML tables (the CSV files keep the English names).
HEADINGS = {**OUTCOMES, "indicator": "指标", "value": "取值", "n": "人数", "breakdown": "分组变量", "group": "组别",
            "suppressed": "已隐藏", "term": "项", "estimate": "估计值", "std_error": "标准误", "conf_low": "95% 下限",
            "conf_high": "95% 上限", "p_value": "p 值", "model": "模型", "exp_estimate": "优势比",
            "exp_conf_low": "优势比 95% 下限", "exp_conf_high": "优势比 95% 上限", "scale": "量表或维度",
            "items": "题目", "alpha": "Cronbach α", "mean": "均值", "sd": "标准差", "score": "得分（取整到 0.5）",
            "share": "占比", "question": "题目", "code": "编码", "answer": "回答", "outcome": "变量", "label": "含义",
            "icc": "ICC", "estimator": "估计方法", "communities": "社区数", "community_id": "社区编号",
            "community_type": "社区类型", "trait": "社区特征", "r": "相关系数"}
SHARES = {"voted", "active", "satisfied", "trusting", "share"}
CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.2rem .5rem}
td{text-align:right}th{background:#f3f3f3}.banner{border:2px solid #b35900;background:#fff4e5;padding:.5rem 1rem}
.note{color:#555;font-size:.9rem}img{max-width:100%}.scroll{max-height:30rem;overflow:auto}"""


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
    fig, axes = plt.subplots(1, 2, figsize=(8, 0.3 * len(groups) + 1.5), sharey=True, label="分组的投票率与活动参与率")
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
    for offset, (question, part) in zip((-0.2, 0.2), ratings.groupby("question", sort=False)):
        ax.bar(part["code"] + offset, part["share"].fillna(0) * 100, width=0.4,
               label={"satisfaction": "对社区服务的满意度", "trust_rc": "对居委会的信任"}[question])
    ax.set(xlabel="回答（1＝最低，5＝最高）", ylabel="受访者占比（%）", xticks=range(1, 6))
    ax.legend()
    out["ratings_distribution"] = figure_png(fig)
    com = results["communities"].frame.dropna(subset=["n"]).sort_values("belonging")
    fig, ax = plt.subplots(figsize=(7, 3.5), label="各社区的归属感均分（从低到高）")
    ax.plot(range(len(com)), com["belonging"], "o", markersize=3)
    ax.set(xlabel="社区（按归属感均分排序）", ylabel="归属感均分（1–5）")
    out["communities"] = figure_png(fig)
    return out


def table_html(frame: pd.DataFrame) -> str:
    """A result table in HTML with Chinese headings, shares in %, hidden cells as “—”."""
    shown = frame.drop(columns=["suppressed"], errors="ignore").copy()
    for column in shown.columns:
        if column in SHARES:
            shown[column] = shown[column].map(lambda v: "—" if pd.isna(v) else f"{100 * v:.1f}%")
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "—" if pd.isna(v) else f"{v:,.3f}".rstrip("0").rstrip("."))
    shown.columns = [HEADINGS.get(c, c) for c in shown.columns]
    body = shown.to_html(index=False, na_rep="—", border=0, escape=True)
    return f'<div class="scroll">{body}</div>' if len(shown) > 25 else body


def page(title: str, intro: list[str], results: list[Result], pictures: dict[str, str], banner: str = "") -> str:
    """The whole report page: no scripts, no links or requests outside the page itself."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if banner:
        parts.append(f'<p class="banner">{html.escape(banner)}</p>')
    parts += [f"<p>{html.escape(line)}</p>" for line in intro]
    for result in results:
        parts.append(f'<h2 id="{result.name}">{html.escape(result.title)}</h2>')
        parts.append(pictures.get(result.name, ""))
        parts.append(table_html(result.frame))
        if result.note:
            parts.append(f'<p class="note">{html.escape(result.note)}</p>')
        parts.append(f'<p class="note">表格文件 (CSV)：tables/{result.name}.csv</p>')
    return ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")

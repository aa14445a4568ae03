"""The questionnaire appendix and the parameter table, rendered from the codebook and the parameters."""
from __future__ import annotations

import pandas as pd

from cgov.sim import codebook
from cgov.sim.parameters import PARAMETERS

_TYPES = {"integer": "整数", "number": "数值", "boolean": "是/否", "string": "文字/类别", "date": "日期"}


def _answers(var: codebook.Var) -> str:
    if var.answers:
        return "；".join(f"{code}＝{label}" for code, label in var.answers)
    return var.unit


def section_tables(section: str) -> list[tuple[codebook.Table, pd.DataFrame]]:
    """For one questionnaire (居民问卷, 社区问卷, 社区工作者问卷): each table and its item list."""
    out = []
    for table in codebook.TABLES:
        if table.section != section:
            continue
        counters = {"Q": 0, "记录": 0}
        rows = []
        for v in table.variables:
            prefix = "Q" if v.kind == "question" else "记录"
            counters[prefix] += 1
            rows.append({"题号": f"{prefix}{counters[prefix]}", "题目或记录内容": v.question,
                         "选项或单位": _answers(v), "变量名": f"`{v.name}`", "类型": _TYPES[v.type]})
        out.append((table, pd.DataFrame(rows)))
    return out


def parameters_table() -> pd.DataFrame:
    """Every true parameter with its value, scale and source."""
    return pd.DataFrame([{"参数": f"`{name}`", "取值": f"{p.value:.4g}", "含义与单位": p.scale,
                          "来源": "教学设定 (chosen for teaching)" if p.source == "chosen for teaching" else p.source}
                         for name, p in PARAMETERS.items()])

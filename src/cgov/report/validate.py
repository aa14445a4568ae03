"""Read a survey file and check it against the book's codebook, collecting every problem at once.

Accepted: CSV in UTF-8, UTF-8 with BOM or GBK (GB18030), or an Excel .xlsx workbook (first sheet),
with the header in line 1. Answers may be given as codes or as the codebook's answer labels
("2" or "不太同意", "true" or "是"). Row numbers are file lines, the header being line 1.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from cgov.errors import DataError
from cgov.report import privacy
from cgov.sim.codebook import Table, Var

#: Problems listed one by one per column and kind; further ones are counted in one line.
MAX_LISTED = 5
#: Columns that may be absent from a real survey (the simulated files carry them).
OPTIONAL_COLUMNS = ("is_simulated",)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TYPE_ZH = {"integer": "整数", "number": "数值", "boolean": "是/否", "date": "日期（YYYY-MM-DD）", "string": "文字"}
_BOOLEAN = {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False}


class SurveyInvalid(DataError):
    """All the problems found in one input, each a :class:`DataError`; printed one per line."""

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        super().__init__(problems[0].path, f"共 {len(problems)} 处问题 ({len(problems)} problems)")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def read_cells(path: Path) -> pd.DataFrame:
    """The file's cells as stripped strings (blank = ""), index = file line − 2; raise DataError if unreadable."""
    if not path.is_file():
        raise DataError(path, "文件不存在 (file not found)")
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04":
        frame = _read_xlsx(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise DataError(path, "不是有效的 .xlsx 工作簿；旧式 .xls 请另存为 .xlsx 或 CSV (not a valid .xlsx workbook)")
    else:
        frame = _read_csv(path, _decode(path, raw))
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").astype(str).apply(lambda col: col.str.strip())
    frame = frame[(frame != "").any(axis=1)]
    if frame.empty:
        raise DataError(path, "只有表头，没有数据行 (no data rows below the header)", row=2)
    return frame


def _decode(path: Path, raw: bytes) -> str:
    if not raw.strip():
        raise DataError(path, "文件是空的 (the file is empty)")
    bad = _CONTROL.search(raw)  # no byte of UTF-8 or GBK text is a control character other than tab and newline
    if bad:
        raise DataError(path, "含有控制字符，不是文本 CSV 文件 (contains control characters: not a text CSV file)",
                        row=raw.count(b"\n", 0, bad.start()) + 1)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(path, "既不是 UTF-8 也不是 GBK 编码的文本 CSV 文件 (neither UTF-8 nor GBK text: not a CSV file)")


def _read_csv(path: Path, text: str) -> pd.DataFrame:
    header = next(csv.reader(io.StringIO(text)), [])
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(path, f"表头中列名重复 (repeated column names): {', '.join(repeated)}", row=1)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise DataError(path, "CSV 格式错误，某行的列数与表头不一致或引号不配对 (malformed CSV: wrong number of "
                              "fields or unbalanced quotes)", row=int(line[1]) if line else None) from None


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many types on a damaged workbook
        raise DataError(path, f"无法读取 Excel 工作簿 (cannot read the workbook): {type(exc).__name__}") from None
    names = [str(c) for c in frame.columns]
    if any(re.fullmatch(r".+\.\d+", n) and n.rsplit(".", 1)[0] in names for n in names):
        raise DataError(path, "表头中列名重复 (repeated column names)", row=1)
    return frame


def validate(path: Path, cells: pd.DataFrame, table: Table, drop=()) -> pd.DataFrame:
    """Typed columns of ``table`` from ``cells``; raise :class:`SurveyInvalid` listing every problem."""
    problems: list[DataError] = []
    for name in drop:
        if name not in cells.columns:
            problems.append(DataError(path, f"没有名为 “{name}” 的列，无法用 --drop 去掉 (no such column to drop)"))
    cells = cells.drop(columns=[c for c in drop if c in cells.columns])
    known = {v.name: v for v in table.variables}
    for column in cells.columns:
        what = privacy.identifying_name(column)
        if what:
            problems.append(DataError(path, f"列名表明它可能含有可识别个人的信息：{what}；请删除该列，或用 "
                                            f"--drop {column} 在生成报告时去掉 (identifying column: remove it "
                                            f"or pass --drop)", row=1, column=column))
        elif column not in known:
            problems.append(DataError(path, f"不是编码表中的变量；请改成编码表中的列名，或用 --drop {column} 去掉 "
                                            f"(not a codebook variable: rename it or pass --drop)", row=1,
                                      column=column))
    for column in cells.columns:
        found = privacy.identifying_content(cells[column])
        if found:
            what, position = found
            problems.append(DataError(path, f"内容像是{what}，可以识别个人；请删除这些内容或用 --drop {column} 去掉 "
                                            f"(cells look like personal identifiers)", row=int(cells.index[position]) + 2,
                                      column=column))
    missing = [v.name for v in table.variables
               if v.name not in cells.columns and v.required and v.name not in OPTIONAL_COLUMNS]
    for name in missing:
        problems.append(DataError(path, f"缺少必需的列（{known[name].label}）(required column missing)", row=1,
                                  column=name))
    typed = {}
    for var in table.variables:
        if var.name in cells.columns:
            typed[var.name], found = _convert(path, cells[var.name], var)
            problems += found
    frame = pd.DataFrame(typed, index=cells.index)
    for key in table.primary_key:
        if key in frame.columns:
            problems += _listed(path, key, frame[key].duplicated(keep=False) & frame[key].notna(),
                                frame[key], "编号 “{}” 重复出现 (duplicated identifier)")
    if problems:
        raise SurveyInvalid(problems)
    return frame


def _convert(path: Path, text: pd.Series, var: Var) -> tuple[pd.Series, list[DataError]]:
    """One column converted to its codebook type, and the problems of its cells."""
    blank = text == ""
    problems = _listed(path, var.name, blank, text, "必填值为空 (required value is empty)") if var.required else []
    present = text.where(~blank)
    if var.answers:
        labels = {label: str(code) for code, label in var.answers}
        present = present.map(lambda v: labels.get(v, v), na_action="ignore")
    if var.type in ("integer", "number"):
        values = pd.to_numeric(present, errors="coerce")
        bad = present.notna() & (values.isna() | ((values % 1 != 0) if var.type == "integer" else False))
        values = values.mask(bad).astype("Int64" if var.type == "integer" else "Float64")
    elif var.type == "boolean":
        values = present.map(lambda v: _BOOLEAN.get(v.lower()), na_action="ignore").astype("boolean")
        bad = present.notna() & values.isna()
    elif var.type == "date":
        values = pd.to_datetime(present, format="%Y-%m-%d", errors="coerce")
        bad = present.notna() & values.isna()
    else:
        values, bad = present.astype("string"), pd.Series(False, index=text.index)
    problems += _listed(path, var.name, bad, text, f"值 “{{}}” 不是{_TYPE_ZH[var.type]} (not a valid {var.type})")
    if var.minimum is not None:
        problems += _listed(path, var.name, (values < var.minimum).fillna(False), text,
                            f"值 {{}} 小于最小值 {var.minimum:g} (below the minimum {var.minimum:g})")
    if var.maximum is not None:
        problems += _listed(path, var.name, (values > var.maximum).fillna(False), text,
                            f"值 {{}} 大于最大值 {var.maximum:g} (above the maximum {var.maximum:g})")
    if var.answers and var.type == "string":
        allowed = [code for code, _ in var.answers]
        problems += _listed(path, var.name, values.notna() & ~values.isin(allowed), text,
                            f"值 “{{}}” 不是允许的编码 {'、'.join(allowed)} (not an allowed code)")
    return values, problems


def _listed(path: Path, column: str, mask: pd.Series, text: pd.Series, message: str) -> list[DataError]:
    """One DataError per flagged cell, the first MAX_LISTED of them, then one line counting the rest."""
    mask = mask.astype(bool)
    if not mask.any():
        return []
    rows = mask[mask].index
    out = [DataError(path, message.format(text[i]), row=int(i) + 2, column=column) for i in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        out.append(DataError(path, f"同类问题另有 {len(rows) - MAX_LISTED} 行 ({len(rows) - MAX_LISTED} more rows "
                                   f"with the same problem)", column=column))
    return out

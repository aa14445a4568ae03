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

from cgov.codebook import Table, Var, YES_NO
from cgov.errors import DataError
from cgov.report import privacy
from cgov.schema import MAX_LISTED, Collector, Problems as SurveyInvalid, stripped, typed_frame

#: Columns a survey may carry beyond the codebook: a file of the book's simulated data says so in this one.
OPTIONAL_COLUMNS = {"is_simulated": Var("is_simulated", "boolean", "是否模拟数据", "本行是否模拟数据", YES_NO,
                                        kind="record")}
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

__all__ = ["MAX_LISTED", "Collector", "SurveyInvalid", "read_cells", "validate"]


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
    frame = stripped(frame)
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
    problems = Collector(path)
    for name in drop:
        if name not in cells.columns:
            problems.add(f"没有名为 “{name}” 的列，无法用 --drop 去掉 (no such column to drop)")
    cells = cells.drop(columns=[c for c in drop if c in cells.columns])
    known = {v.name: v for v in table.variables}
    for column in cells.columns:
        what = privacy.identifying_name(column)
        if what:
            problems.add(f"列名表明它可能含有可识别个人的信息：{what}；请删除该列，或用 --drop {column} 在生成报告时"
                         f"去掉 (identifying column: remove it or pass --drop)", row=1, column=column)
        elif column not in known and column not in OPTIONAL_COLUMNS:
            problems.add(f"不是编码表中的变量；请改成编码表中的列名，或用 --drop {column} 去掉 "
                         f"(not a codebook variable: rename it or pass --drop)", row=1, column=column)
    for column in cells.columns:
        found = privacy.identifying_content(cells[column])
        if found:
            what, position = found
            problems.add(f"内容像是{what}，可以识别个人；请删除这些内容或用 --drop {column} 去掉 "
                         f"(cells look like personal identifiers)", row=int(cells.index[position]) + 2, column=column)
    for var in table.variables:
        if var.name not in cells.columns and var.required:
            problems.add(f"缺少必需的列（{var.label}）(required column missing)", row=1, column=var.name)
    fields = table.fields() + [OPTIONAL_COLUMNS[c].field() for c in OPTIONAL_COLUMNS if c in cells.columns]
    frame = typed_frame(cells, fields, problems, table.primary_key)
    problems.raise_if_any()
    return frame

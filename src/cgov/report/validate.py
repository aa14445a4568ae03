"""Read a survey file and check it against the book's codebook, collecting every problem at once.

Accepted: CSV in UTF-8, UTF-8 with BOM or GBK (GB18030), or an Excel .xlsx workbook (first sheet),
with the header in line 1. Answers may be given as codes or as the codebook's answer labels
("2" or "不太同意", "true" or "是"). Row numbers are file lines, the header being line 1.
"""
from __future__ import annotations

import codecs
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
    frame = _without_blank_headers(path, stripped(frame))
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame[(frame != "").any(axis=1)]
    if frame.empty:
        raise DataError(path, "只有表头，没有数据行 (no data rows below the header)", row=2)
    return frame


def _decode(path: Path, raw: bytes) -> str:
    if not raw.removeprefix(codecs.BOM_UTF8).strip():
        raise DataError(path, "文件是空的 (the file is empty)")
    if _utf16(raw):
        raise DataError(path, "文件是 UTF-16 编码（Excel 的“Unicode 文本”），本工具只读 UTF-8 或 GBK 编码的 CSV；"
                              "请在 Excel 中另存为“CSV UTF-8（逗号分隔）” (UTF-16 text is not supported: save the "
                              "sheet as CSV UTF-8)")
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


def _utf16(raw: bytes) -> bool:
    """UTF-16 text: a UTF-16 byte-order mark, or ASCII text with every other byte zero."""
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return True
    head = raw[:2000]
    return len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4


def _read_csv(path: Path, text: str) -> pd.DataFrame:
    header = next(csv.reader(io.StringIO(text)), [])
    names = [h.strip() for h in header if h.strip()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(path, f"表头中列名重复 (repeated column names): {', '.join(repeated)}", row=1)
    reader = csv.reader(io.StringIO(text))
    try:
        long = next((reader.line_num for row in reader
                     if len(row) > len(header) and any(cell.strip() for cell in row[len(header):])), None)
    except csv.Error:
        long = None  # an unbalanced quote: reported below
    if long:
        raise DataError(path, f"这一行的列数多于表头的 {len(header)} 列（表头中是否少了逗号？）(more fields than the "
                              f"header's {len(header)}: is a comma missing in the header?)", row=long)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False,
                           index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        opened = _unclosed_quote(text)
        if opened:
            raise DataError(path, "引号不配对：这一行开始的带引号的内容没有结束引号 (unbalanced quote: the quoted "
                                  "field starting in this line is never closed)", row=opened) from None
        line = re.search(r"line (\d+)", str(exc))
        raise DataError(path, "CSV 格式错误，某行的列数与表头不一致 (malformed CSV: wrong number of fields)",
                        row=int(line[1]) if line else None) from None


def _unclosed_quote(text: str) -> int | None:
    """File line where a quoted field opens that no later quote closes, or None (a doubled "" toggles twice)."""
    inside, opened = False, 0
    for match in re.finditer('"', text):
        inside = not inside
        if inside:
            opened = match.start()
    return text.count("\n", 0, opened) + 1 if inside else None


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many types on a damaged workbook
        raise DataError(path, f"无法读取 Excel 工作簿 (cannot read the workbook): {type(exc).__name__}") from None
    names = [str(c) for c in frame.columns]
    if any(re.fullmatch(r".+\.\d+", n) and n.rsplit(".", 1)[0] in names for n in names):
        raise DataError(path, "表头中列名重复 (repeated column names)", row=1)
    return frame


def _column_letter(position: int) -> str:
    """Spreadsheet column name of a 1-based position (1 → A, 27 → AA)."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _without_blank_headers(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop columns whose header cell is blank and which hold nothing (Excel leaves them); refuse the others."""
    blank = [i for i, c in enumerate(frame.columns) if not str(c).strip() or re.fullmatch(r"Unnamed: \d+", str(c))]
    for i in blank:
        if (frame.iloc[:, i] != "").any():
            raise DataError(path, f"第 {i + 1} 列（{_column_letter(i + 1)} 列）的表头为空，但该列有内容；请填写列名或删除"
                                  f"该列 (column {i + 1} has no name but holds data: name it or delete it)", row=1)
    return frame.iloc[:, [i for i in range(frame.shape[1]) if i not in blank]]


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

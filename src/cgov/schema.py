"""One engine for typed columns: Table Schema fields, conversion of text cells, constraint checks.

Both readers of tabular input use it: :func:`cgov.data.load` in the "first error" mode (the book's own
files must be exactly right; the first bad cell stops loading) and ``cgov report`` in the "collect all"
mode (a user's survey: every problem is listed at once, at most :data:`MAX_LISTED` of one kind per
column, the rest counted). Every problem is a :class:`~cgov.errors.DataError` naming file, row and
column; rows are file lines, the header being line 1, so a cell's row is its frame index + 2.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cgov.errors import DataError

#: Problems listed one by one per column and kind in "collect all" mode; further ones are counted.
MAX_LISTED = 5
#: Spellings of true and false (compared in lower case): codes, the codebook's answer labels, 1/0.
BOOLEAN = {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False}
#: Integers are written as digits, optionally with thousands separators or a zero fraction ("1,234", "3.0");
#: scientific notation ("1.1E+17") is refused. More than 15 digits cannot be a count of anything here.
INTEGER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?")
MAX_DIGITS = 15
TYPE_ZH = {"integer": "整数", "year": "年份（整数）", "number": "数值", "boolean": "是/否",
           "date": "日期（YYYY-MM-DD）", "string": "文字"}


@dataclass(frozen=True)
class Field:
    """One typed column: Table Schema ``type`` and constraints, and answer ``labels`` accepted for codes."""

    name: str
    type: str = "string"
    required: bool = False
    minimum: float | str | None = None
    maximum: float | str | None = None
    enum: tuple | None = None
    pattern: str | None = None
    unique: bool = False
    labels: dict = field(default_factory=dict)

    @classmethod
    def from_descriptor(cls, descriptor: dict, labels: dict | None = None) -> "Field":
        """A field from its Table Schema descriptor (``{"name", "type", "constraints"}``)."""
        c = descriptor.get("constraints", {})
        return cls(descriptor["name"], descriptor.get("type", "string"), bool(c.get("required")), c.get("minimum"),
                   c.get("maximum"), tuple(c["enum"]) if "enum" in c else None, c.get("pattern"),
                   bool(c.get("unique")), dict(labels or {}))


class Problems(DataError):
    """All the problems found in one or more inputs, each a :class:`DataError`; printed one per line."""

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        super().__init__(problems[0].path, f"共 {len(problems)} 处问题 ({len(problems)} problems)")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class Collector:
    """Problems of one input: ``first=True`` raises the first one at once, else they are collected."""

    def __init__(self, path: Path, first: bool = False):
        self.path, self.first, self.problems = Path(path), first, []

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        """Record one problem (or raise it in "first error" mode)."""
        problem = DataError(self.path, message, row=row, column=column)
        if self.first:
            raise problem
        self.problems.append(problem)

    def cells(self, column: str, mask: pd.Series, text: pd.Series, message: str) -> None:
        """One problem per flagged cell (``{}`` in ``message`` is the cell's text); beyond MAX_LISTED, a count."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        rows = mask[mask].index
        for i in rows[:MAX_LISTED]:
            self.add(message.replace("{}", str(text[i]), 1), row=int(i) + 2, column=column)
        if len(rows) > MAX_LISTED:
            more = len(rows) - MAX_LISTED
            self.add(f"同类问题另有 {more} 行 ({more} more rows with the same problem)", column=column)

    def raise_if_any(self) -> None:
        if self.problems:
            raise Problems(self.problems)


def convert(text: pd.Series, spec: Field, problems: Collector) -> pd.Series:
    """One column of stripped text cells ("" = blank) converted to its type; its problems go to ``problems``."""
    blank = text == ""
    if spec.required:
        problems.cells(spec.name, blank, text, "必填值为空 (required value is empty)")
    present = text.astype("string").where(~blank)
    if spec.labels:
        present = present.map(lambda v: spec.labels.get(v, v), na_action="ignore").astype("string")
    values, bad, large = _typed(present, spec.type)
    problems.cells(spec.name, bad, text, f"值 “{{}}” 不是{TYPE_ZH.get(spec.type, spec.type)} "
                                         f"(not a valid {spec.type})")
    problems.cells(spec.name, large, text, f"值 “{{}}” 位数过多，不可能是合理的取值 (more than {MAX_DIGITS} digits)")
    _constraints(values, text, spec, problems)
    return values


def _typed(present: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(typed values, cells that are not of the type, integers with too many digits)."""
    none = pd.Series(False, index=present.index)
    if kind in ("integer", "year"):
        shaped = present.str.fullmatch(INTEGER.pattern).fillna(False).astype(bool)
        integral = present.where(shaped).str.replace(r"\.0*$", "", regex=True).str.replace(r"\D", "", regex=True)
        digits = integral.str.lstrip("0").str.len()
        large = shaped & (digits > MAX_DIGITS)
        numeric = pd.to_numeric(present.where(shaped & ~large).str.replace(",", "", regex=False), errors="coerce")
        return numeric.astype("Int64"), present.notna() & ~shaped, large
    if kind == "number":
        numeric = pd.to_numeric(present, errors="coerce").astype("float64")
        bad = present.notna() & ~np.isfinite(numeric)
        return numeric.mask(bad).astype("Float64"), bad, none
    if kind == "boolean":
        values = present.map(lambda v: BOOLEAN.get(v.lower()), na_action="ignore").astype("boolean")
        return values, present.notna() & values.isna(), none
    if kind == "date":
        values = pd.to_datetime(present, format="%Y-%m-%d", errors="coerce")
        return values, present.notna() & values.isna(), none
    return present.astype("string"), none, none


def _limit(value, kind: str):
    return pd.Timestamp(value) if kind == "date" else value


def _constraints(values: pd.Series, text: pd.Series, spec: Field, problems: Collector) -> None:
    """Minimum, maximum, enum, pattern and unique of one converted column."""
    present = values.notna()
    if spec.minimum is not None:
        problems.cells(spec.name, present & (values < _limit(spec.minimum, spec.type)), text,
                       f"值 {{}} 小于最小值 {spec.minimum:g} (below the minimum {spec.minimum:g})"
                       if not isinstance(spec.minimum, str) else
                       f"值 {{}} 早于 {spec.minimum} (before {spec.minimum})")
    if spec.maximum is not None:
        problems.cells(spec.name, present & (values > _limit(spec.maximum, spec.type)), text,
                       f"值 {{}} 大于最大值 {spec.maximum:g} (above the maximum {spec.maximum:g})"
                       if not isinstance(spec.maximum, str) else
                       f"值 {{}} 晚于 {spec.maximum} (after {spec.maximum})")
    if spec.enum is not None:
        allowed = "、".join(str(e) for e in spec.enum)
        problems.cells(spec.name, present & ~values.isin(list(spec.enum)), text,
                       f"值 “{{}}” 不是允许的编码 {allowed} (not an allowed code)")
    if spec.pattern is not None:
        problems.cells(spec.name, present & ~values.astype("string").str.fullmatch(spec.pattern).fillna(False),
                       text, f"值 “{{}}” 不符合格式 {spec.pattern} (does not match the pattern)")
    if spec.unique:
        problems.cells(spec.name, present & values.duplicated(keep=False), text, "值 “{}” 重复出现 (duplicate value)")


def typed_frame(cells: pd.DataFrame, fields: list[Field], problems: Collector,
                primary_key=()) -> pd.DataFrame:
    """The columns of ``fields`` present in ``cells``, typed, in the order of ``fields``; then key duplicates."""
    typed = {f.name: convert(cells[f.name], f, problems) for f in fields if f.name in cells.columns}
    frame = pd.DataFrame(typed, index=cells.index)
    key = [k for k in primary_key if k in frame.columns]
    if key and len(key) == len(primary_key):
        repeated = frame.duplicated(subset=key, keep=False) & frame[key].notna().all(axis=1)
        if repeated.any():
            shown = frame[key].astype(str).fillna("").agg(" / ".join, axis=1)
            problems.cells(key[0], repeated, shown, "编号 “{}” 重复出现 (duplicated identifier)")
    return frame


def stripped(raw: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a stripped string, blank = ""."""
    return raw.fillna("").astype(str).apply(lambda col: col.str.strip())

"""Load the book's tables by name, with their checksum and schema verified.

Every table is described in a Frictionless Data Package — ``data/datapackage.json`` for real data,
``data/sim/datapackage.json`` for the simulated teaching data — with its path,
sha256, and a Table Schema whose field types and constraints are enforced here. A missing,
truncated or altered file, a value of the wrong type or an impossible value raises one
:class:`~cgov.errors.DataError` naming the file, row and column; nothing is returned half-loaded.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cgov import paths
from cgov.errors import DataError

#: Data package descriptors: the real data, and the simulated teaching data kept apart.
DATAPACKAGES = (paths.DATA / "datapackage.json", paths.SIM / "datapackage.json")

_TRUE, _FALSE = {"true", "True", "TRUE", "1"}, {"false", "False", "FALSE", "0"}


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _read_descriptor(path: Path, mtime: float) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"不是有效的 JSON (invalid JSON): {exc.msg}", row=exc.lineno) from None


def resources() -> dict[str, tuple[Path, dict]]:
    """Every table of every data package: name -> (folder its path is relative to, descriptor)."""
    found: dict[str, tuple[Path, dict]] = {}
    for descriptor in DATAPACKAGES:
        if not descriptor.is_file():
            continue
        for res in _read_descriptor(descriptor, descriptor.stat().st_mtime)["resources"]:
            if res["name"] in found:
                raise DataError(descriptor, f"数据表名称重复 (duplicate table name {res['name']!r})")
            found[res["name"]] = (descriptor.parent, res)
    return found


def resource(name: str) -> dict:
    """The descriptor of one table; an unknown name lists the known ones."""
    return _lookup(name)[1]


def _lookup(name: str) -> tuple[Path, dict]:
    known = resources()
    if name not in known:
        raise DataError(DATAPACKAGES[0], f"没有名为 “{name}” 的数据表 (no table named {name!r}); "
                                         f"可用 (available): {', '.join(sorted(known))}")
    return known[name]


def names() -> list[str]:
    """Names of all tables in the data packages."""
    return sorted(resources())


def path_of(name: str) -> Path:
    """Absolute path of a table's file."""
    folder, res = _lookup(name)
    return folder / res["path"]


def load(name: str) -> pd.DataFrame:
    """Return table ``name`` as a typed DataFrame after checking its sha256 and schema."""
    folder, res = _lookup(name)
    path = folder / res["path"]
    if not path.is_file():
        raise DataError(path, "文件不存在；请运行 make data 或检查仓库是否完整 (file missing)")
    expected = res.get("hash", "").removeprefix("sha256:")
    if expected and sha256(path) != expected:
        raise DataError(path, "sha256 校验和不符：文件被截断或改动过 (checksum mismatch: the file "
                              "was truncated or altered; regenerate it with make data)")
    return read_table(path, res["schema"])


def read_table(path: Path, schema: dict) -> pd.DataFrame:
    """Read a CSV file and enforce a Table Schema; raise DataError at the first bad cell."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, f"无法按 UTF-8 CSV 读取 (cannot read as UTF-8 CSV): {exc}") from None
    fields = schema["fields"]
    expected = [f["name"] for f in fields]
    if list(raw.columns) != expected:
        missing = [c for c in expected if c not in raw.columns]
        extra = [c for c in raw.columns if c not in expected]
        raise DataError(path, f"列与数据模式不符 (columns differ from the schema): "
                              f"缺少 missing {missing}, 多出 extra {extra}", row=1)
    out = {}
    for field in fields:
        out[field["name"]] = _convert(path, raw[field["name"]], field)
    frame = pd.DataFrame(out)
    pk = _as_list(schema.get("primaryKey"))
    if pk:
        dup = frame.duplicated(subset=pk, keep="first")
        if dup.any():
            i = int(dup.to_numpy().nonzero()[0][0])
            raise DataError(path, f"主键重复 (duplicate primary key {pk})", row=i + 2, column=pk[0])
    return frame


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _convert(path: Path, column: pd.Series, field: dict) -> pd.Series:
    """Convert one text column to its schema type and check its constraints."""
    name, kind = field["name"], field.get("type", "string")
    constraints = field.get("constraints", {})
    blank = column.str.strip() == ""
    if constraints.get("required") and blank.any():
        raise DataError(path, "必填值为空 (required value is empty)", row=_row(blank), column=name)
    text = column.where(~blank)
    if kind in ("integer", "year"):
        values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        bad = text.notna() & (values.isna() | (values % 1 != 0))
        values = values.astype("Int64") if not bad.any() else values
    elif kind == "number":
        values = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & values.isna()
        values = values.astype("Float64")
    elif kind == "boolean":
        bad = text.notna() & ~text.isin(_TRUE | _FALSE)
        values = text.map(lambda v: None if pd.isna(v) else v in _TRUE).astype("boolean")
    elif kind == "date":
        values = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = text.notna() & values.isna()
    else:
        values, bad = text.astype("string"), pd.Series(False, index=text.index)
    if bad.any():
        raise DataError(path, f"值 “{column[bad].iloc[0]}” 不是 {kind} 类型 (not a valid {kind})",
                        row=_row(bad), column=name)
    _check_constraints(path, values, name, constraints)
    return values


def _check_constraints(path: Path, values: pd.Series, name: str, constraints: dict) -> None:
    present = values.notna()
    checks = [
        ("minimum", lambda lim: values < lim, "小于最小值 {lim} (below the minimum {lim})"),
        ("maximum", lambda lim: values > lim, "大于最大值 {lim} (above the maximum {lim})"),
        ("enum", lambda lim: ~values.isin(lim), "不在允许的取值 {lim} 中 (not an allowed value)"),
    ]
    for key, test, message in checks:
        if key in constraints:
            bad = present & test(constraints[key]).fillna(False).astype(bool)
            if bad.any():
                shown = values[bad].iloc[0]
                raise DataError(path, f"值 {shown} " + message.format(lim=constraints[key]),
                                row=_row(bad), column=name)
    if constraints.get("unique"):
        dup = present & values.duplicated(keep="first")
        if dup.any():
            raise DataError(path, f"值 {values[dup].iloc[0]} 重复 (duplicate value)",
                            row=_row(dup), column=name)


def _row(mask: pd.Series) -> int:
    """File line of the first True in ``mask`` (header is line 1)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2

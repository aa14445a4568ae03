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
from cgov.schema import Collector, Field, stripped, typed_frame

#: Data package descriptors: the real data, and the simulated teaching data kept apart.
DATAPACKAGES = (paths.DATA / "datapackage.json", paths.SIM / "datapackage.json")

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
    """Read a CSV file and enforce a Table Schema (:mod:`cgov.schema`); raise DataError at the first bad cell."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, f"无法按 UTF-8 CSV 读取 (cannot read as UTF-8 CSV): {exc}") from None
    fields = [Field.from_descriptor(f) for f in schema["fields"]]
    expected = [f.name for f in fields]
    if list(raw.columns) != expected:
        missing = [c for c in expected if c not in raw.columns]
        extra = [c for c in raw.columns if c not in expected]
        raise DataError(path, f"列与数据模式不符 (columns differ from the schema): "
                              f"缺少 missing {missing}, 多出 extra {extra}", row=1)
    return typed_frame(stripped(raw), fields, Collector(path, first=True), _as_list(schema.get("primaryKey")))


def _as_list(value) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)

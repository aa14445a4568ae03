"""Code and type changes of village-level units between vintages of the statistical division codes.

The functions take the processed tables as DataFrames (``cgov.data.load("unit_transitions")``,
``"county_units"``, ``"province_units"``) and return tidy tables; they load nothing themselves.
Unit types are those of :data:`cgov.divisions.UNIT_TYPES` (居委会, 村委会, 类似居委会, 类似村委会); the
column of ``county_units``/``province_units`` that counts a type is given by :data:`TYPE_COLUMNS`.
"""
from __future__ import annotations

import pandas as pd


#: Count column of county_units / province_units for each unit type.
TYPE_COLUMNS = {"居委会": "residents_committees", "村委会": "village_committees",
                "类似居委会": "residents_like", "类似村委会": "village_like"}


def _check_type(unit_type: str) -> str:
    if unit_type not in TYPE_COLUMNS:
        raise ValueError(f"未知的单位类型 {unit_type!r} (unknown unit type); known: {', '.join(TYPE_COLUMNS)}")
    return TYPE_COLUMNS[unit_type]


def flows(transitions: pd.DataFrame, from_type: str, to_type: str, by=("vintage_from",)) -> pd.Series:
    """Units (count) that changed from ``from_type`` to ``to_type``, summed over ``by``.

    ``by`` may name columns of ``unit_transitions`` or ``"province_code"`` (the first two digits of
    the county code of the later vintage). Groups without such a change are absent.
    """
    _check_type(from_type), _check_type(to_type)
    chosen = transitions[(transitions["from_type"] == from_type) & (transitions["to_type"] == to_type)]
    chosen = chosen.assign(province_code=chosen["county_code"].str[:2])
    return chosen.groupby(list(by))["units"].sum().astype("int64")


def county_flip_shares(transitions: pd.DataFrame, county_units: pd.DataFrame, from_type: str, to_type: str,
                       vintage_from: int) -> pd.DataFrame:
    """Per county (code of the later vintage): units that changed type ``from_type``→``to_type`` after
    ``vintage_from``, and their share of the ``from_type`` units that the county's harmonised group
    (``group_id``) had in ``vintage_from`` — so a county re-coded between the vintages (县改市) keeps
    its denominator.

    Columns: county_code, province, city, county, units, base, share; sorted by units, largest first.
    """
    column = _check_type(from_type)
    chosen = transitions[transitions["vintage_from"] == vintage_from]
    moved = flows(chosen, from_type, to_type, by=("county_code", "group_id")).rename("units").reset_index()
    earlier = county_units[county_units["vintage"] == vintage_from].groupby("group_id")[column].sum()
    later = county_units[county_units["vintage"] == vintage_from + 1].set_index("county_code")
    out = moved.join(later[["province", "city", "county"]], on="county_code")
    out["base"] = out["group_id"].map(earlier)
    out["share"] = out["units"] / out["base"]
    return (out.sort_values(["units", "county_code"], ascending=[False, True]).reset_index(drop=True)
            [["county_code", "province", "city", "county", "units", "base", "share"]])


def province_change(province_units: pd.DataFrame, vintage_from: int, vintage_to: int,
                    unit_types=tuple(TYPE_COLUMNS)) -> pd.DataFrame:
    """Per province: village-level units of ``unit_types`` in two vintages, the change, the relative
    change and the province's share of the national net change. Sorted by change, most negative first."""
    columns = [_check_type(t) for t in unit_types]
    units = province_units.assign(units=province_units[columns].sum(axis=1))
    wide = units.pivot_table(index=["province_code", "province"], columns="vintage", values="units",
                             aggfunc="sum").reindex(columns=[vintage_from, vintage_to])
    if wide.isna().all().any():
        missing = [v for v in (vintage_from, vintage_to) if wide[v].isna().all()]
        raise ValueError(f"province_units 中没有版本 {missing} (no such vintage)")
    out = pd.DataFrame({"before": wide[vintage_from], "after": wide[vintage_to]}).fillna(0).astype("int64")
    out["change"] = out["after"] - out["before"]
    out["relative"] = out["change"] / out["before"]
    out["share_of_national"] = out["change"] / out["change"].sum()
    return out.reset_index().sort_values("change", kind="stable").reset_index(drop=True)


def county_change(county_units: pd.DataFrame, province_code: str, vintage_from: int, vintage_to: int,
                  unit_type: str = "村委会") -> pd.DataFrame:
    """Per county of one province whose code and name are the same in both vintages: units of
    ``unit_type`` before and after, and the share that disappeared (``1 - after / before``).

    Counties are compared by code (with a name check) rather than by ``group_id``: a reform that
    re-codes most units of a county can split the group of an unchanged county (see
    :func:`broken_links`). Counties with no such units before are dropped.
    """
    column = _check_type(unit_type)
    rows = county_units[county_units["province_code"] == province_code].set_index("county_code")
    before, after = rows[rows["vintage"] == vintage_from], rows[rows["vintage"] == vintage_to]
    same = before.index.intersection(after.index)
    same = same[before.loc[same, "county"].to_numpy() == after.loc[same, "county"].to_numpy()]
    out = pd.DataFrame({"county": before.loc[same, "county"], "before": before.loc[same, column].astype("int64"),
                        "after": after.loc[same, column].astype("int64")})
    out = out[out["before"] > 0]
    out["decrease"] = 1 - out["after"] / out["before"]
    return out.reset_index().sort_values(["decrease", "county_code"], ascending=[False, True]).reset_index(drop=True)


def broken_links(county_units: pd.DataFrame) -> pd.DataFrame:
    """County units with the same code and the same name in two consecutive vintages that are
    nevertheless in different harmonised groups (``group_id``): the crosswalk, built from the flows of
    matched village-level units, lost the link because too few units could be matched.

    Columns: vintage_from, vintage_to, county_code, county, province, group_from, group_to.
    """
    years = sorted(county_units["vintage"].unique())
    keep = ["county_code", "county", "province", "group_id"]
    parts = []
    for a, b in zip(years[:-1], years[1:]):
        both = county_units.loc[county_units["vintage"] == a, keep].merge(
            county_units.loc[county_units["vintage"] == b, keep], on=["county_code", "county", "province"],
            suffixes=("_from", "_to"))
        parts.append(both[both["group_id_from"] != both["group_id_to"]].assign(vintage_from=a, vintage_to=b))
    out = pd.concat(parts, ignore_index=True).rename(columns={"group_id_from": "group_from", "group_id_to": "group_to"})
    return out[["vintage_from", "vintage_to", "county_code", "county", "province", "group_from", "group_to"]]


def interval_months(vintages: pd.DataFrame) -> pd.Series:
    """Months between the as-of dates of consecutive vintages, indexed by the earlier vintage
    (``division_vintages``: columns vintage, as_of)."""
    ordered = vintages.sort_values("vintage")
    dates = pd.to_datetime(ordered["as_of"].astype(str))
    months = (dates.dt.year * 12 + dates.dt.month).diff().iloc[1:].astype("int64")
    return pd.Series(months.to_numpy(), index=ordered["vintage"].iloc[:-1].to_numpy(), name="months")


#: Township-level kinds by digits 7–9 of the 9-digit code (NBS coding rules).
TOWNSHIP_KINDS = (("街道", 1, 99), ("镇", 100, 199), ("乡", 200, 399), ("类似乡级单位", 400, 599))
#: Endings stripped from township names before matching by name (longest first).
TOWNSHIP_ENDINGS = ("街道办事处", "街道", "办事处", "镇", "乡", "苏木")
#: Township rows that are not real units (the 金门县 placeholder, code 350527000).


def township_kind(codes: pd.Series) -> pd.Series:
    """Kind of each township-level unit (街道, 镇, 乡, 类似乡级单位) from digits 7–9 of its code."""
    digits = pd.to_numeric(codes.str[6:9], errors="coerce")
    labels = pd.Series("其他", index=codes.index, dtype="object")
    for label, low, high in TOWNSHIP_KINDS:
        labels[(digits >= low) & (digits <= high)] = label
    return labels


def name_stem(names: pd.Series) -> pd.Series:
    """Township names without a bracketed note and without any run of the endings in
    :data:`TOWNSHIP_ENDINGS` (东庄镇 → 东庄; 和平街道办事处 and 和平街道 → 和平; 庄周办事处（乡级单位） → 庄周)."""
    ending = "(?<=.)(?:" + "|".join(TOWNSHIP_ENDINGS) + ")$"      # one ending, never the whole name
    stems = names.str.replace(r"[（(][^）)]*[）)]$", "", regex=True)
    while True:
        shorter = stems.str.replace(ending, "", regex=True)
        if shorter.equals(stems):
            return stems
        stems = shorter


def _unique_key_match(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Pairs (code_from, code_to) whose key is unique on both sides."""
    once = [side[~side.duplicated(keys, keep=False)] for side in (left, right)]
    return once[0].merge(once[1], on=keys, suffixes=("_from", "_to"))[["code_from", "code_to"]]


def township_pair(before: pd.DataFrame, after: pd.DataFrame, placeholders=frozenset()) -> dict:
    """Match the township-level units (街道, 镇, 乡; 9-digit codes) of two vintages.

    Each unit of ``before`` (columns code, name) falls into exactly one class: ``kept`` (same code and
    name stem — a change of form such as 街道办事处 → 街道 is not a new name, see :func:`name_stem`),
    ``renamed`` (same code, another name stem), ``recoded`` (code gone; the same name stem appears under a
    new code of the same county, unique on both sides), ``moved`` (likewise, but under another county of
    the same province: the parent changed, e.g. 撤县设区 or a transfer) or ``unmatched`` (abolished,
    merged, or renamed beyond recognition). ``new`` counts the units of ``after`` that match nothing;
    ``to_street`` the units that were a 镇 or 乡 and are a 街道 after (by code digits 7–9).
    Rows whose code is in ``placeholders`` (not real units, e.g. 金门县's) are dropped first.
    """
    for label, table in (("before", before), ("after", after)):
        missing = {"code", "name"} - set(table.columns)
        if missing:
            raise ValueError(f"乡级单位表 {label} 缺少列 {sorted(missing)} (missing columns)")
        bad = table.loc[table["code"].str.len() != 9, "code"]
        if len(bad):
            raise ValueError(f"乡级单位表 {label} 第 {bad.index[0]} 行的代码 {bad.iloc[0]!r} 不是 9 位 (not a 9-digit code)")
    before, after = (t[~t["code"].isin(placeholders)] for t in (before, after))
    a, b = (t.assign(county=t["code"].str[:6], province=t["code"].str[:2], stem=name_stem(t["name"]),
                     kind=township_kind(t["code"])) for t in (before, after))
    same = a.merge(b, on="code", suffixes=("", "_to"))
    left, right = a[~a["code"].isin(b["code"])], b[~b["code"].isin(a["code"])]
    recoded = _unique_key_match(left, right, ["county", "stem"])
    left = left[~left["code"].isin(recoded["code_from"])]
    right = right[~right["code"].isin(recoded["code_to"])]
    moved = _unique_key_match(left, right, ["province", "stem"])
    pairs = pd.concat([same[["code"]].assign(code_from=same["code"], code_to=same["code"]), recoded, moved])
    kinds = pairs.assign(kind_from=pairs["code_from"].map(a.set_index("code")["kind"]),
                         kind_to=pairs["code_to"].map(b.set_index("code")["kind"]))
    matched = len(same) + len(recoded) + len(moved)
    return {"units_from": len(a), "units_to": len(b), "kept": int((same["stem"] == same["stem_to"]).sum()),
            "renamed": int((same["stem"] != same["stem_to"]).sum()), "recoded": len(recoded), "moved": len(moved),
            "unmatched": len(a) - matched, "new": len(b) - matched,
            "to_street": int((kinds["kind_from"].isin(["镇", "乡"]) & (kinds["kind_to"] == "街道")).sum()),
            "streets_from": int((a["kind"] == "街道").sum()), "streets_to": int((b["kind"] == "街道").sum())}


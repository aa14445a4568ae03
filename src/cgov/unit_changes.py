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

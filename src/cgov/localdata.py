"""查看本地数据: one compact profile per county-level unit of the 2023 codes and per province.

Everything is read from ``data/processed`` through :func:`cgov.data.load` (the 2020 aged shares unrounded from
the raw workbook, :func:`census_rows`) and rounded here by the book's
one rule (:func:`cgov.glue.shown`), so the page shows exactly these values and only formats them.
Pinyin (full and initials) is computed here, at build time, for the search box.
"""
from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from cgov import data, pipeline
from cgov.glue import shown

VINTAGES = list(range(2016, 2024))
LATEST = VINTAGES[-1]
#: Readings of place-name characters that pypinyin's general dictionary gets wrong.
PLACE_READINGS = {"涡阳": [["guō"], ["yáng"]], "蔚县": [["yù"], ["xiàn"]], "乐亭": [["lào"], ["tíng"]],
                  "洪洞": [["hóng"], ["tóng"]], "筠连": [["jūn"], ["lián"]], "犍为": [["qián"], ["wéi"]],
                  "黄陂": [["huáng"], ["pí"]], "番禺": [["pān"], ["yú"]], "铅山": [["yán"], ["shān"]],
                  "台州": [["tāi"], ["zhōu"]], "六安": [["lù"], ["ān"]], "丽水": [["lí"], ["shuǐ"]]}
#: Indicators of a profile: key, Chinese label, unit, displayed decimals (None = integer count).
INDICATORS = [
    ("rc_latest", f"居委会数（{LATEST} 年版代码）", "个", None),
    ("vc_latest", f"村委会数（{LATEST} 年版代码）", "个", None),
    ("rc_change", f"居委会净增数（2016—{LATEST}）", "个", None),
    ("to_residents", f"村改居（2016—{LATEST}，可识别的下限）", "个", None),
    ("to_villages", f"居委会改为村委会（2016—{LATEST}，下限）", "个", None),
    ("pop2010", "常住人口，2010 年普查", "人", None),
    ("pop2020", "常住人口，2020 年普查", "人", None),
    ("pop_growth", "常住人口变化，2010—2020（县组）", "%", 1),
    ("urban2010", "城镇人口比重，2010", "%", 1),
    ("urban2020", "城镇人口比重，2020", "%", 1),
    ("aged60", "60 岁及以上人口比重，2020", "%", 1),
    ("aged65", "65 岁及以上人口比重，2020", "%", 1),
    ("urban_per_rc", "每个居委会对应的城镇常住人口，2020", "人", 0),
]


def _round(value, digits):
    """A value as the page shows it: half-up on its decimal value (None stays None)."""
    if value is None or pd.isna(value):
        return None
    if digits is None:
        return int(value)
    return float(shown(float(value), f"{{:.{digits}f}}")) if digits else int(shown(float(value), "{:.0f}"))


@lru_cache(maxsize=1)
def _pinyin_converter():
    from pypinyin import lazy_pinyin, load_phrases_dict

    load_phrases_dict(PLACE_READINGS)
    return lazy_pinyin


def syllables(name: str) -> list[str]:
    """The pinyin syllables of a place name, without tones: ``["chao", "yang", "qu"]``."""
    return _pinyin_converter()(name, errors="ignore")


def pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a place name: ``("chaoyangqu", "cyq")`` (the page derives the same)."""
    parts = syllables(name)
    return "".join(parts), "".join(s[0] for s in parts if s)


@lru_cache(maxsize=1)
def census_rows() -> pd.DataFrame:
    """The county-level census rows, with the 2020 shares aged 60+ and 65+ unrounded from the workbook
    (``census_county`` stores them to 0.01; rounding those again to 0.1 moved 124 and 159 units by 0.1)."""
    census = data.load("census_county")
    raw = pipeline.census_raw(2020).set_index("source_row")
    is2020 = census["census_year"] == 2020
    for column in ("share_60plus", "share_65plus"):
        census[column] = census[column].astype(float)
        census.loc[is2020, column] = census.loc[is2020, "source_row"].map(raw[column]).astype(float).to_numpy()
    return census


def _core(name) -> str:
    """:func:`cgov.pipeline.name_core` of a name, "" for a missing one."""
    return pipeline.name_core(name) if isinstance(name, str) else ""


def _census(census: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = census[(census["census_year"] == year) & census["county_code"].notna()]
    rows = rows.groupby("county_code", as_index=True)[["population", "urban_population"]].sum(min_count=1)
    shares = census[census["census_year"] == year].dropna(subset=["county_code"]).drop_duplicates("county_code")
    return rows.join(shares.set_index("county_code")[["share_60plus", "share_65plus"]])


def group_growth() -> pd.Series:
    """Population change 2010—2020 in percent by county group, from the panel's whole-person counts (the
    stored ``population_growth_2010_2020`` is rounded to 0.01, and rounding it again to 0.1 moved 180 units
    by 0.1); groups whose panel unit is incomplete have none, as in ``county_2020``."""
    panel = data.load("county_panel")
    growth = 100 * (panel["population_2020"].astype(float) / panel["population_2010"].astype(float) - 1)
    growth = growth.where(panel["complete"].fillna(False).astype(bool))
    return pd.Series({group: value for panel_id, value in zip(panel["panel_id"], growth)
                      for group in panel_id.split("+")}, dtype=float)


def _split_heirs(census: pd.DataFrame) -> list[str]:
    """Codes whose 2010 rows are several counties, one of them split among several units: the census table
    puts the whole of a split county on the first of them (all of 桥东区 on 长安区, beside 长安区's own row), so
    the sum is the 2010 population of no ground. (A unit with one row keeps it: that is its predecessor's
    figure, as the census drew it.)"""
    rows = census[(census["census_year"] == 2010) & census["county_code"].notna()]
    per_code = rows.groupby("county_code").agg(rows=("county_code", "size"),
                                                split=("also_county_codes", lambda a: a.fillna("").ne("").any()))
    return sorted(per_code.index[(per_code["rows"] > 1) & per_code["split"]])


def recoded_2010(census: pd.DataFrame, crosswalk: pd.DataFrame, group_of: pd.Series) -> pd.DataFrame:
    """2010 population and urban population of units whose code changed after 2016 on the same ground (a
    one-to-one county group: one code in every vintage), indexed like ``group_of``. The 2010 census is matched
    to the 2016 codes, so without this 99 units such as 章丘区 (章丘市 370181 until 2016) showed no 2010 figures."""
    one = set(crosswalk.loc[crosswalk["one_to_one"].fillna(False).astype(bool), "group_id"])
    rows = census[(census["census_year"] == 2010) & census["group_id"].isin(one)]
    sums = rows.groupby("group_id")[["population", "urban_population"]].sum(min_count=1)
    return sums.reindex(group_of.to_numpy()).set_axis(group_of.index)


def unit_table() -> pd.DataFrame:
    """One row per county-level unit of the latest codes, with every indicator of :data:`INDICATORS`
    (unrounded) and the identifying columns."""
    units = data.load("county_units")
    census = census_rows()
    county2020 = data.load("county_2020").set_index("county_code")
    transitions = data.load("unit_transitions")
    crosswalk = data.load("county_crosswalk")

    latest = units[units["vintage"] == LATEST].set_index("county_code")
    counts = units.pivot_table(index="county_code", columns="vintage",
                               values=["residents_committees", "village_committees"], aggfunc="sum")
    moves = transitions.groupby(["county_code", "from_type", "to_type"])["units"].sum()
    table = latest[["county", "county_type", "province_code", "province", "city", "group_id"]].copy()
    # a 2010 row goes to the unit of its code only if the code still names that unit (same county group or
    # same name): codes are re-used (232701 was 加格达奇区 in 2016, 漠河市 from 2018; 漠河市 showed 加格达奇区's people)
    name_then = census.join(crosswalk.set_index(["vintage", "county_code"])["county"],
                            on=["matched_vintage", "county_code"])["county"]
    on_ground = ((census["group_id"] == census["county_code"].map(table["group_id"]))
                 | (name_then.map(_core) == census["county_code"].map(table["county"]).map(_core)))
    c2010, c2020 = _census(census[on_ground], 2010), _census(census, 2020)
    for v in VINTAGES:
        table[f"rc{v}"] = counts[("residents_committees", v)].reindex(table.index)
        table[f"vc{v}"] = counts[("village_committees", v)].reindex(table.index)
    table["rc_latest"], table["vc_latest"] = table[f"rc{LATEST}"], table[f"vc{LATEST}"]
    table["rc_change"] = table[f"rc{LATEST}"] - table["rc2016"]

    def moved(source, target):
        found = moves.xs((source, target), level=("from_type", "to_type")) if (source, target) in \
            moves.droplevel("county_code").index else pd.Series(dtype="Int64")
        return found.reindex(table.index).fillna(0).astype(int)

    table["to_residents"], table["to_villages"] = moved("村委会", "居委会"), moved("居委会", "村委会")
    c2010 = c2010.reindex(table.index).combine_first(recoded_2010(census, crosswalk, table["group_id"]))
    c2010.loc[c2010.index.isin(_split_heirs(census[on_ground]))] = float("nan")
    table["pop2010"] = c2010["population"].reindex(table.index)
    table["pop2020"] = c2020["population"].reindex(table.index)
    table["urban2010"] = 100 * c2010["urban_population"].reindex(table.index) / table["pop2010"]
    table["urban2020"] = 100 * c2020["urban_population"].reindex(table.index) / table["pop2020"]
    table["aged60"] = c2020["share_60plus"].reindex(table.index)
    table["aged65"] = c2020["share_65plus"].reindex(table.index)
    table["pop_growth"] = table["group_id"].map(group_growth())
    # from the counts, not the stored ratio: that is already rounded (to 0.1), and rounding it again for the
    # page moved 97 units by one person and put others level in the ranking
    table["urban_per_rc"] = (county2020["urban_population"]
                             / county2020["residents_committees"].where(lambda n: n > 0)).reindex(table.index)
    table["group_counties"] = county2020["group_counties"].reindex(table.index)
    members = (crosswalk.drop_duplicates(["group_id", "county_code", "county"])
               .groupby("group_id")["county"].agg(lambda names: sorted(set(names))))
    table["group_members"] = table["group_id"].map(members)
    table["group_size"] = table["group_members"].map(len)
    rank = table["urban_per_rc"].rank(ascending=False, method="min")
    table["rank_national"] = rank
    table["rank_province"] = table.groupby("province")["urban_per_rc"].rank(ascending=False, method="min")
    table["ranked_national"] = int(table["urban_per_rc"].notna().sum())
    table["ranked_province"] = table.groupby("province")["urban_per_rc"].transform("count")
    return table


def _medians(frame: pd.DataFrame) -> dict:
    """Median of each indicator over ``frame``'s units, rounded as the indicator is shown (counts to whole units)."""
    return {key: _round(frame[key].median(), digits if digits is not None else 0)
            for key, _, _, digits in INDICATORS}


def province_census_2020() -> pd.DataFrame:
    """Population, urban share and aged shares of 2020 by two-digit province code, over every county-level
    row of the census (not only the units of the latest codes: a county recoded after 2020 keeps its people)."""
    census = census_rows()
    rows = census[census["census_year"] == 2020].dropna(subset=["county_code"])
    rows = rows.assign(province_code=rows["county_code"].str[:2],
                       aged60=rows["share_60plus"] * rows["population"], aged65=rows["share_65plus"] * rows["population"])
    sums = rows.groupby("province_code")[["population", "urban_population", "aged60", "aged65"]].sum()
    return pd.DataFrame({"pop2020": sums["population"], "urban2020": 100 * sums["urban_population"] / sums["population"],
                         "aged60": sums["aged60"] / sums["population"], "aged65": sums["aged65"] / sums["population"]})


def province_table(units: pd.DataFrame) -> pd.DataFrame:
    """One row per province: totals of its units, its 2020 census figures (:func:`province_census_2020`), and
    the spread (quartiles) of its units' urban residents per 居委会."""
    provinces = data.load("province_units").set_index(["province", "vintage"])
    grouped = units.groupby("province")
    out = pd.DataFrame({"province_code": grouped["province_code"].first(), "units": grouped.size()})
    for v in VINTAGES:
        out[f"rc{v}"] = [provinces.loc[(p, v), "residents_committees"] for p in out.index]
        out[f"vc{v}"] = [provinces.loc[(p, v), "village_committees"] for p in out.index]
    census = province_census_2020().reindex(out["province_code"])
    for column in ("pop2020", "urban2020", "aged60", "aged65"):
        out[column] = census[column].to_numpy()
    quartiles = grouped["urban_per_rc"].quantile([0.0, 0.25, 0.5, 0.75, 1.0]).unstack()
    for q, name in zip(quartiles.columns, ("min", "q1", "median", "q3", "max")):
        out[f"urban_per_rc_{name}"] = quartiles[q]
    return out.sort_values("province_code")


def _deltas(series: list) -> list:
    """A yearly series as its first value and then year-on-year changes (``None`` where a year is missing;
    a change is taken from the last year present). The page adds them up again; gzip packs small changes well."""
    out, last = [], None
    for value in series:
        out.append(None if value is None else (value if last is None else value - last))
        last = value if value is not None else last
    return out


def payload() -> dict:
    """The page's data, column by column (``columns[field][i]`` is unit ``i``), plus provinces, medians
    and labels. Yearly counts are delta-coded (:func:`_deltas`); pinyin keeps its syllables apart with
    spaces (the page derives the initials); ``group_id`` is ``None`` where it equals the unit's code."""
    units = unit_table().sort_index()
    provinces = province_table(units)
    digits = {key: d for key, _, _, d in INDICATORS}
    columns = {
        "code": list(units.index), "name": list(units["county"]), "type": list(units["county_type"]),
        "province": list(units["province"]), "city": list(units["city"]),
        "pinyin": [" ".join(syllables(n)) for n in units["county"]],
        "group_id": [None if g == c else g for c, g in zip(units.index, units["group_id"])],
        "group_members": [m if n > 1 else None for m, n in zip(units["group_members"], units["group_size"])],
        "rank_national": [_round(v, None) for v in units["rank_national"]],
        "rank_province": [_round(v, None) for v in units["rank_province"]],
        "rc": [_deltas([_round(row[f"rc{v}"], None) for v in VINTAGES]) for _, row in units.iterrows()],
        "vc": [_deltas([_round(row[f"vc{v}"], None) for v in VINTAGES]) for _, row in units.iterrows()],
    }
    for key, *_ in INDICATORS:
        if key not in ("rc_latest", "vc_latest", "rc_change"):
            columns[key] = [_round(v, digits[key]) for v in units[key]]
    province_rows = {}
    for name, row in provinces.iterrows():
        province_rows[name] = {
            "code": row["province_code"], "units": int(row["units"]),
            "rc": [_round(row[f"rc{v}"], None) for v in VINTAGES], "vc": [_round(row[f"vc{v}"], None) for v in VINTAGES],
            "pop2020": _round(row["pop2020"], None), "urban2020": _round(row["urban2020"], 1),
            "aged60": _round(row["aged60"], 1), "aged65": _round(row["aged65"], 1),
            "urban_per_rc": [_round(row[f"urban_per_rc_{q}"], 0) for q in ("min", "q1", "median", "q3", "max")],
            "medians": _medians(units[units["province"] == name]),
        }
    return {"vintages": VINTAGES, "columns": columns, "provinces": province_rows,
            "national_medians": _medians(units),
            "indicators": [{"key": k, "label": label, "unit": unit, "digits": d} for k, label, unit, d in INDICATORS]}


def script(payload_: dict | None = None) -> str:
    """The data as a script that sets ``window.CGOV_LOCAL`` (a script, not JSON, so ``file://`` works)."""
    text = json.dumps(payload() if payload_ is None else payload_, ensure_ascii=False, separators=(",", ":"))
    return f"window.CGOV_LOCAL={text};\n"

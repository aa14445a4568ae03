"""Key results of chapters 07-embedding, 08-strong-participation and 09-deliberation, checked against
published counts, recomputation from the data tables, or the simulation's true parameters (estimators
meant to recover a truth must be near it; estimators biased by design must be away from it)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cgov import data, paths


@pytest.fixture(scope="module")
def embedding(published):
    return published("07-embedding")


@pytest.fixture(scope="module")
def participation(published):
    return published("08-strong-participation")


@pytest.fixture(scope="module")
def deliberation(published):
    return published("09-deliberation")


@pytest.fixture(scope="module")
def sim():
    return json.loads((paths.SIM / "sim_parameters.json").read_text(encoding="utf-8"))


# ---------- 07-embedding: real data ----------

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


# ---------- 07-embedding: simulated ----------

def test_vote_variance_components_recover_the_truth(embedding, sim):
    sd = sim["parameters"]["vote_community_sd"]["value"]
    assert embedding["vote_sd"] == pytest.approx(sd, abs=0.15)
    assert embedding["vote_icc"] == pytest.approx(sim["truth"]["vote_icc"], abs=0.04)


def test_coverage_has_no_effect_on_voting_and_the_clustered_interval_says_so(embedding):
    assert embedding["vote_coverage_cl_low"] < 0 < embedding["vote_coverage_cl_high"]
    assert embedding["vote_se_ratio"] > 2   # variational Bayes understates a community-level SE


def test_naive_embedding_estimate_is_biased_and_adjusted_recovers_truth(embedding, sim):
    truth = sim["parameters"]["satisfaction_coverage"]["value"]
    assert embedding["naive_high"] < 0 < truth                       # targeting reverses the sign
    assert embedding["adjusted_low"] < truth < embedding["adjusted_high"]
    assert embedding["adjusted_complaints"] == pytest.approx(sim["parameters"]["satisfaction_complaints"]["value"],
                                                             abs=0.12)


# ---------- 08-strong-participation (simulated) ----------

def test_twfe_is_biased_away_from_the_true_att(participation, sim):
    att = sim["truth"]["sbd_att_overall"]
    assert participation["twfe_high"] < att                           # interval misses the truth
    assert att - participation["twfe"] > 1.5


def test_bacon_weights_reproduce_twfe(participation):
    assert participation["decomposed"] == pytest.approx(participation["twfe3"], abs=1e-6)
    assert 0 < participation["forbidden_weight"] < 100


def test_clean_cohort_comparisons_recover_the_truth(participation, sim):
    for cohort, att in sim["truth"]["sbd_att_by_cohort"].items():
        assert participation[f"clean_{cohort}"] == pytest.approx(att, abs=1.0)
    assert participation["clean_att"] == pytest.approx(sim["truth"]["sbd_att_overall"], abs=0.6)


def test_event_study_pretrends(participation):
    assert participation["pre_pooled_sig"] >= 1 and participation["pre_pooled_max"] > 1   # artefact of pooling
    assert participation["pre_cohort_max"] < 1 and participation["post_gap_max"] < 1.5


def test_naive_cross_section_understates_the_2023_effect(participation):
    panel = data.load("sim_community_years")
    last = panel[panel["year"] == 2023]
    gap = float(last.loc[last["shuangbaodao"], "participation_rate"].mean()
                - last.loc[~last["shuangbaodao"], "participation_rate"].mean())
    assert participation["naive_cross"] == pytest.approx(gap)
    assert participation["naive_cross"] < participation["true_2023"]


# ---------- 09-deliberation (simulated) ----------

def test_meeting_counts_recomputed(deliberation):
    meetings = data.load("sim_communities")["deliberation_meetings"].astype(float)
    assert deliberation["meet_mean"] == pytest.approx(meetings.mean())
    assert deliberation["meet_var"] == pytest.approx(meetings.var())


def test_overdispersion_and_nb_recover_the_truth(deliberation, sim):
    p = sim["parameters"]
    assert deliberation["ct_t"] > 2
    assert deliberation["nb_alpha"] == pytest.approx(p["meetings_nb_alpha"]["value"], abs=0.12)
    assert deliberation["nb_adjusted_low"] < p["meetings_coverage"]["value"] < deliberation["nb_adjusted_high"]
    assert deliberation["nb_se"] > deliberation["po_se"]
    assert deliberation["nb_naive"] > p["meetings_coverage"]["value"] + 0.2   # targeting inflates the naive estimate


def test_agenda_designs_against_the_chapter_truth(deliberation):
    true_rr = 1.5   # TRUE_RATE_RATIO set in the chapter's own simulation
    assert deliberation["true_rr"] == true_rr
    assert deliberation["rr_did_low"] < true_rr < deliberation["rr_did_high"]
    assert deliberation["rr_after_low"] > true_rr                      # selection on complaints, biased by design
    assert deliberation["expected_before"] == pytest.approx(true_rr * np.exp(0.05 * 2.5))

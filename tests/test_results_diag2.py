"""Key results of chapter 04-participation (05-resources: tests/chapters/test_05_resources.py), checked against something independent:
published counts, a recomputation straight from the data tables (plain pandas/numpy, no cgov.models),
or the simulation's true parameters (estimators meant to recover them)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cgov import data
from cgov.paths import SIM


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SIM / "sim_parameters.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def participation(published):
    return published("04-participation")


def p(truth, name):
    return truth["parameters"][name]["value"]


# ---------- 04-participation: real data ----------

def test_committee_counts_and_conversions_match_the_tables(participation):
    units = data.load("county_units")
    totals = units.groupby("vintage")["residents_committees"].sum()
    assert participation["rc_2016"] == totals[2016] and participation["rc_2023"] == totals[2023]
    assert participation["rc_net"] == totals[2023] - totals[2016] > 0
    t = data.load("unit_transitions")
    assert participation["to_residents"] == t.loc[(t.from_type == "村委会") & (t.to_type == "居委会"), "units"].sum()
    assert participation["to_residents"] > participation["to_villages"]


def test_elasticity_recomputed_from_county_growth_rates(participation):
    """county_2020 carries the same group growth rates in percent; the slope from them agrees."""
    c = data.load("county_2020").drop_duplicates("group_id")
    units = data.load("county_units")
    rc2016 = units[units.vintage == 2016].groupby("group_id")["residents_committees"].sum()
    c = c.assign(rc2016=c["group_id"].map(rc2016)).dropna(
        subset=["rc2016", "population_growth_2010_2020", "committee_growth_2016_2023"])
    c = c[c["rc2016"] >= 5]
    rc2023 = c["rc2016"] * (1 + c["committee_growth_2016_2023"].astype(float) / 100)
    y = np.log((rc2023 + 1) / (c["rc2016"] + 1))
    x = np.log1p(c["population_growth_2010_2020"].astype(float) / 100)
    slope = np.polyfit(x.to_numpy(float), y.to_numpy(float), 1)[0]
    assert participation["elasticity"] == pytest.approx(slope, abs=0.02)
    assert participation["elasticity_low"] < participation["elasticity"] < participation["elasticity_high"] < 1
    assert abs(participation["corr_growth"]) < 0.3   # committees did not follow population


# ---------- 04-participation: simulated data against the truth ----------

def test_alpha_matches_the_formula_and_calibration_band(participation):
    items = data.load("sim_residents")[[f"belong_{i}" for i in range(1, 7)]].to_numpy(float)
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert participation["alpha_all"] == pytest.approx(alpha, abs=1e-3)
    assert 0.70 <= participation["alpha_all"] <= 0.90      # calibration target α ≈ 0.70–0.85
    assert participation["efa_min_primary"] > 0.5 > participation["efa_max_cross"]   # two-factor structure


def test_vote_model_recovers_party_effect_and_icc(participation, truth):
    true_or = math.exp(p(truth, "vote_party"))
    assert participation["or_party_true"] == pytest.approx(true_or, abs=0.01)
    assert participation["or_party_low"] < true_or < participation["or_party_high"]
    assert participation["vote_icc"] == pytest.approx(truth["truth"]["vote_icc"], abs=0.05)
    assert participation["vote_sd"] == pytest.approx(p(truth, "vote_community_sd"), abs=0.2)
    # the population-averaged (clustered) logit is pulled towards 0 relative to the conditional truth
    assert participation["or_belonging"] < participation["or_belonging_true"]
    assert participation["se_ratio_max"] > 1


def test_burden_list_level_change_recovered(participation, truth):
    true_level = p(truth, "burden_list_level")
    assert participation["its_level_low"] < true_level < participation["its_level_high"]
    assert participation["admin_share_after"] < participation["admin_share_before"]
    assert participation["co_mean"] == pytest.approx(p(truth, "co_building_mean"), abs=0.5)

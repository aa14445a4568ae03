"""Key results of chapter 05-resources (04 moved to tests/chapters), checked against something independent:
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
def resources(published):
    return published("05-resources")


def p(truth, name):
    return truth["parameters"][name]["value"]


# ---------- 05-resources: real data ----------

def test_residents_per_committee_recomputed(resources):
    c = data.load("county_2020")
    assert resources["national_ratio"] == pytest.approx(
        c["urban_population"].sum() / c["residents_committees"].sum(), rel=1e-9)
    ratio = c["urban_residents_per_committee"].dropna().astype(float)
    assert resources["ratio_median"] == pytest.approx(ratio.median(), rel=1e-9)
    assert resources["ratio_p10"] < resources["median_district"] < resources["ratio_p90"]
    assert 0 < resources["province_icc"] < 0.5    # most spread lies within provinces


def test_bulletin_figures_match_published_counts(resources):
    # 2014 bulletin: 96,693 居委会 and 49.7 万 members; 2021: 11.7 万 and 65.7 万
    assert resources["members_per_rc_2014"] == pytest.approx(497_000 / 96_693, abs=0.01)
    assert resources["members_per_rc_2021"] == pytest.approx(65.7 / 11.7, abs=0.01)
    # the shares recomputed from the two amounts agree with the shares the bulletins print
    assert resources["central_share_2015"] == pytest.approx(46.1, abs=0.06)
    assert resources["central_share_2021"] == pytest.approx(33.7, abs=0.06)
    assert resources["secretary_rc"] == 10_293 and resources["secretary_vc"] == 4_629  # agricultural census 2006
    assert resources["low_subsidy_rc"] == pytest.approx(100 * 1_809 / 12_339, abs=0.01)


# ---------- 05-resources: simulated data against the truth ----------

def test_cox_and_logit_near_the_truth(resources, truth):
    assert resources["beta_hours_direct"] == pytest.approx(p(truth, "exit_hours"), abs=0.15)
    assert math.log(resources["hr_intention"]) == pytest.approx(p(truth, "exit_intention"), abs=0.25)
    assert resources["beta_pay_direct"] == pytest.approx(p(truth, "exit_pay"), abs=0.15)
    assert resources["z_pay"] < 3.5   # the text reports the miss honestly; it is within sampling error
    assert math.log(resources["or_pay_intention"]) == pytest.approx(p(truth, "intention_pay"), abs=0.15)
    assert resources["or_male_low"] < math.exp(p(truth, "intention_male")) < resources["or_male_high"]


def test_total_effect_exceeds_direct_effect_by_design(resources, truth):
    """Without the intention mediator the pay coefficient also carries the indirect path."""
    assert resources["beta_pay_total"] < resources["beta_pay_direct"] < 0


def test_turnover_levels_match_calibration(resources):
    assert 15 <= resources["intention_share"] <= 25          # ≈ 20% turnover intention
    assert 10 <= resources["exit_rate"] <= 30                # exits per 100 worker-years
    assert resources["km_low_pay"] < resources["km_high_pay"]
    assert resources["gov_share_mean"] == pytest.approx(80, abs=4)   # Beta(8, 2) mean

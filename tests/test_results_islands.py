"""Key results of chapter 11-platforms, checked against something independent: the data files read
directly (csv module, not cgov.data), or the simulation's true parameters. (Chapter 06: tests/chapters.)"""
from __future__ import annotations

import csv
import json
import math

import pytest

from conftest import ROOT

TRUTH = json.loads((ROOT / "data" / "sim" / "sim_parameters.json").read_text(encoding="utf-8"))["parameters"]


def true(name: str) -> float:
    return TRUTH[name]["value"]


def rows(name: str) -> list[dict]:
    path = ROOT / "data" / ("sim" if name.startswith("sim_") else "processed") / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def platforms(published):
    return published("11-platforms")


# ---- 11: platform evaluation against the simulated truth ----------------------------------------

def test_design_counts_match_the_community_file(platforms):
    communities = rows("sim_communities")
    assert platforms["plat_n_communities"] == len(communities)
    assert platforms["plat_n_never"] == sum(r["platform_date"] == "" for r in communities)


def test_its_recovers_the_platform_step(platforms):
    assert platforms["plat_its_days_low"] <= true("platform_days") <= platforms["plat_its_days_high"]
    assert platforms["plat_its_days_slope"] == pytest.approx(0.0, abs=0.05)   # the true effect is a step
    assert platforms["plat_its_dup"] == pytest.approx(true("platform_duplicates"), abs=0.1)


def test_comparison_designs_recover_the_constant_effect(platforms):
    # the simulated effect is equal for all cohorts and constant over time, so even TWFE is unbiased here
    for name in ("plat_did_clean_min", "plat_did_clean_max", "plat_twfe"):
        assert platforms[name] == pytest.approx(true("platform_days"), abs=0.2), name
    assert platforms["plat_twfe_low"] <= true("platform_days") <= platforms["plat_twfe_high"]
    assert platforms["plat_dup_rr"] == pytest.approx(math.exp(true("platform_duplicates")), abs=0.03)


def test_newey_west_under_covers_a_trend_change_in_short_autocorrelated_series(platforms):
    # biased by design: nominal 95% intervals cover well under 0.95 with AR(1) errors in 72 months
    assert platforms["plat_mc_phi"] == true("admin_shock_ar")
    assert platforms["plat_cov_ar_slope"] < 0.9
    assert platforms["plat_cov_long_slope"] > platforms["plat_cov_ar_slope"]

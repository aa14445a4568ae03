"""Chapter 04-participation: its published numbers against independent derivations.

Real numbers are recomputed from the processed CSV files with the csv module and numpy (not cgov.data,
cgov.models or statsmodels): the panel's populations are summed again from the census rows, and the
elasticity is an ordinary least-squares slope computed by hand. Simulated numbers are checked against
the generator's true parameters (cgov.sim.truth).
"""
from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from cgov.sim import truth

pytestmark = pytest.mark.build       # every test reads the numbers of the strict build

ROOT = Path(__file__).resolve().parents[2]
MIN_COMMITTEES = 5                    # the chapter's threshold of 居委会 in 2016


def rows(name: str) -> list[dict]:
    with (ROOT / "data" / "processed" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def participation(published):
    return published("04-participation")


@pytest.fixture(scope="module")
def panel() -> list[dict]:
    """Complete panel units with ≥ 5 居委会 in 2016, populations re-summed from the census rows and
    居委会 re-summed from county_units (both through the group ids in panel_id)."""
    units = {r["panel_id"]: r for r in rows("county_panel")}
    unit_of = {group: pid for pid in units for group in pid.split("+")}
    population = defaultdict(float)
    for r in rows("census_county"):
        if r["group_id"]:
            population[(unit_of[r["group_id"]], r["census_year"])] += float(r["population"])
    committees = defaultdict(float)
    for r in rows("county_units"):
        if r["vintage"] in ("2016", "2023"):
            committees[(unit_of[r["group_id"]], r["vintage"])] += float(r["residents_committees"])
    out = []
    for pid, r in units.items():
        if r["complete"] == "true" and committees[(pid, "2016")] >= MIN_COMMITTEES:
            assert population[(pid, "2010")] == float(r["population_2010"])
            assert population[(pid, "2020")] == float(r["population_2020"])
            out.append({"x": math.log(population[(pid, "2020")] / population[(pid, "2010")]),
                        "y": math.log((committees[(pid, "2023")] + 1) / (committees[(pid, "2016")] + 1)),
                        "province": r["province"]})
    return out


def slope(points: list[dict]) -> tuple[float, float]:
    """OLS slope and intercept of y on x, by the textbook formula."""
    x = np.array([p["x"] for p in points])
    y = np.array([p["y"] for p in points])
    b = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    return b, y.mean() - b * x.mean()


# ---------- real data ----------

def test_committee_counts_and_conversions(participation):
    totals = defaultdict(int)
    for r in rows("county_units"):
        totals[r["vintage"]] += int(r["residents_committees"])
    flows = defaultdict(int)
    for r in rows("unit_transitions"):
        flows[(r["from_type"], r["to_type"])] += int(r["units"])
    assert participation["rc_2016"] == totals["2016"] == 102_630
    assert participation["rc_2023"] == totals["2023"] == 124_649       # the 2023 codes without the placeholder
    assert participation["rc_net"] == totals["2023"] - totals["2016"]
    assert participation["to_residents"] == flows[("村委会", "居委会")]
    assert participation["to_villages"] == flows[("居委会", "村委会")] == 2_909   # as chapter 06 explains
    net = participation["to_residents"] - participation["to_villages"]
    assert participation["net_conversion_share"] == pytest.approx(100 * net / participation["rc_net"])


def test_panel_sizes_and_what_was_dropped(participation, panel):
    units = rows("county_panel")
    complete = [r for r in units if r["complete"] == "true"]
    assert participation["panel_units"] == len(units)
    assert participation["panel_incomplete"] == len(units) - len(complete)
    assert participation["n_groups"] == len(panel) == 2_440
    assert participation["panel_small"] == len(complete) - len(panel)
    assert participation["n_provinces"] == len({p["province"] for p in panel}) == 31


def test_elasticity_recomputed_by_hand(participation, panel):
    b, a = slope(panel)
    assert participation["elasticity"] == pytest.approx(b, rel=1e-9)
    assert participation["intercept_1"] == pytest.approx(a, rel=1e-9)
    assert participation["intercept_pct"] == pytest.approx(100 * math.expm1(a), rel=1e-9)
    assert participation["corr_growth"] == pytest.approx(
        statistics.correlation([p["x"] for p in panel], [p["y"] for p in panel]), rel=1e-9)
    assert participation["elasticity_low"] < b < participation["elasticity_high"] < 1


def test_population_shrinking_units_recomputed(participation, panel):
    shrinking = [p for p in panel if p["x"] < 0]
    assert participation["n_shrinking"] == len(shrinking)
    assert participation["share_shrinking_grew"] == pytest.approx(
        100 * sum(p["y"] > 0 for p in shrinking) / len(shrinking))


def test_far_below_one_under_every_panel(participation):
    """Issue #14's independent estimates on differently built panels were ≈ 0.16, 0.19 and 0.25; ours
    must fall in the same band, and no panel may bring the elasticity near 1."""
    for key in ("elasticity", "elasticity_well", "elasticity_unchanged", "elasticity_prefecture"):
        assert 0.1 < participation[key] < 0.4, key
    assert participation["elasticity_prefecture_high"] < 1
    # the wild cluster bootstrap rejects proportionality too (the bound is at least 1 / draws)
    assert 1 / participation["wild_draws"] <= participation["wild_p_one_bound"] < 0.01
    assert participation["elasticity_net_low"] < participation["elasticity_net"] < participation["elasticity_net_high"]


def test_sensitivity_table_matches_the_published_numbers(participation, strict_build):
    with (strict_build.results / "04-participation" / "participation_sensitivity_table.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    estimates = [float(r["弹性"]) for r in table]
    assert estimates == pytest.approx([participation[k] for k in (
        "elasticity", "elasticity_well", "elasticity_unchanged", "elasticity_prefecture")])
    assert [int(r["单元数"]) for r in table][1:] == [participation["n_well"], participation["n_unchanged"],
                                                     participation["n_prefectures"]]


def test_urbanising_units_gained_more_committees(participation):
    """The change in the urban share 2010→2020 enters with a positive coefficient (interval above 0)."""
    assert 0 < participation["urban_change_coef_low"] < participation["urban_change_coef"]


# ---------- simulated data against the truth ----------

def test_alpha_matches_the_formula(participation):
    with (ROOT / "data" / "sim" / "sim_residents.csv").open(encoding="utf-8") as f:
        items = np.array([[float(r[f"belong_{i}"]) for i in range(1, 7)] for r in csv.DictReader(f)])
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert participation["alpha_all"] == pytest.approx(alpha, abs=1e-9)
    assert participation["efa_min_primary"] > 0.5 > participation["efa_max_cross"]   # two-factor structure


def test_vote_model_recovers_party_effect_and_icc(participation):
    true_or = math.exp(truth("vote_party"))
    assert participation["or_party_true"] == pytest.approx(true_or)
    assert participation["or_party_low"] < true_or < participation["or_party_high"]
    assert participation["vote_icc"] == pytest.approx(truth("vote_icc"), abs=0.05)
    assert participation["vote_sd"] == pytest.approx(truth("vote_community_sd"), abs=0.2)
    # the population-averaged (clustered) logit is pulled towards 0 relative to the conditional truth
    assert participation["or_belonging"] < participation["or_belonging_ml"] < participation["or_belonging_true"]
    assert participation["se_ratio_max"] > 1.3 > participation["se_ratio_min"]


def test_burden_list_level_change_recovered(participation):
    true_level = truth("burden_list_level")
    assert participation["its_level_true"] == pytest.approx(true_level)
    assert participation["its_level_low"] < true_level < participation["its_level_high"]
    assert participation["admin_share_after"] < participation["admin_share_before"]
    assert participation["co_mean"] == pytest.approx(truth("co_building_mean"), abs=0.5)

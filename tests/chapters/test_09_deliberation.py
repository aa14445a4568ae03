"""Chapter 09-deliberation (simulated): count models checked against recomputation and the chapter's own
generating parameters (the agenda panel is simulated in the chapter, so its truth is set there, not in cgov.sim)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from cgov import data

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def deliberation(published):
    return published("09-deliberation")


# The chapter's own agenda panel (set in agenda_panel): log μ = log 4 + 0.8·coverage + 0.3·complaints10
# + N(0, COMMUNITY_SD²) per community, times a Gamma(mean 1, variance DISPERSION) draw per community-year.
DISPERSION, COMMUNITY_SD = 0.3, 0.3


def implied_2019_moments() -> tuple[float, float]:
    """Mean and variance of the 2019 agenda counts that the generating parameters imply for the simulated
    communities (no random draw: E and Var of the Poisson–gamma–lognormal mixture, averaged over communities)."""
    communities = data.load("sim_communities")
    coverage = communities["building_party_coverage"].astype(float).to_numpy()
    complaints10 = (communities["baseline_complaints"].astype(float).to_numpy() - 20) / 10
    base = np.exp(np.log(4) + 0.8 * coverage + 0.3 * complaints10)
    s2 = COMMUNITY_SD**2
    mean_j = base * np.exp(s2 / 2)
    var_j = mean_j + base**2 * (np.exp(2 * s2) * (1 + DISPERSION) - np.exp(s2))
    return float(mean_j.mean()), float(var_j.mean() + mean_j.var())


def test_agenda_overdispersion_against_the_generating_parameters(deliberation):
    assert deliberation["true_alpha"] == DISPERSION
    assert deliberation["community_sd"] == COMMUNITY_SD
    assert deliberation["items_var_ratio"] == pytest.approx(deliberation["items_var"] / deliberation["items_mean"])
    mean, var = implied_2019_moments()
    assert deliberation["items_mean"] == pytest.approx(mean, rel=0.15)
    # In 2,000 redraws of the panel the variance/mean ratio fell between 0.57 and 2.0 times the implied one
    # (0.5% and 99.5% quantiles); the ratio is heavy-tailed upwards.
    assert 0.5 * var / mean < deliberation["items_var_ratio"] < 2.5 * var / mean
    assert var / mean > 3                                   # overdispersed by design, not by this draw


def test_overdispersion_tests_and_standard_errors(deliberation):
    assert deliberation["ct_t"] > 2
    assert deliberation["nb_alpha"] == pytest.approx(DISPERSION, abs=0.12)
    assert deliberation["ct_alpha"] == pytest.approx(deliberation["nb_alpha"], abs=0.1)   # moment vs ML estimate
    assert deliberation["nb_se"] > 1.3 * deliberation["po_se"]


def test_no_model_of_chapter_02_is_refitted():
    """Issue 16: chapter 09 fits nothing that chapter 02 fits (02 owns the meeting-count and activities models)."""
    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    def formulas(stem: str) -> set[str]:
        text = (notebooks / f"{stem}.md").read_text(encoding="utf-8")
        return {" ".join(f.split()) for f in re.findall(r'"(\w+ ~ [^"]+)"', text)}
    ours = formulas("09-deliberation")
    assert ours and not ours & formulas("02-vitality")
    assert not any(f.split(" ~ ")[0] in {"deliberation_meetings", "activities"} for f in ours), ours


def test_agenda_designs_against_the_chapter_truth(deliberation):
    true_rr = 1.5   # TRUE_RATE_RATIO set in the chapter's own simulation
    assert deliberation["true_rr"] == true_rr
    assert deliberation["rr_did_low"] < true_rr < deliberation["rr_did_high"]      # this draw; not a coverage claim
    assert deliberation["rr_after_low"] > true_rr                      # selection on complaints, biased by design
    assert deliberation["expected_before"] == pytest.approx(true_rr * np.exp(0.05 * 2.5))


def test_street_icc_and_power_recomputed(deliberation):
    from statsmodels.stats.power import TTestIndPower
    from cgov.models import anova_icc
    communities = data.load("sim_communities")
    meetings = communities["deliberation_meetings"].astype(float)
    assert deliberation["eval_street_icc"] == pytest.approx(anova_icc(meetings, communities["street_id"]))
    m = deliberation["eval_per_street"]
    assert m == round(len(communities) / communities["street_id"].nunique())
    d = 0.2 * meetings.mean() / meetings.std()
    assert deliberation["eval_effect"] == pytest.approx(d)
    for icc, key in [(deliberation["eval_street_icc"], "eval_streets"), (0.05, "eval_streets_icc05"),
                     (0.10, "eval_streets_icc10")]:
        deff = 1 + (m - 1) * icc
        per_arm = TTestIndPower().solve_power(d * np.sqrt(m / deff), alpha=0.05, power=0.8)   # street means
        assert deliberation[key] == 2 * max(int(np.ceil(per_arm - 1e-9)), 2), key
    assert deliberation["eval_communities"] == m * deliberation["eval_streets"]
    assert deliberation["eval_streets"] < deliberation["eval_streets_icc05"] < deliberation["eval_streets_icc10"]
    assert deliberation["eval_power_sim"] < 80

"""Chapter 09-deliberation (simulated): count models checked against recomputation and the true parameters."""
from __future__ import annotations

import numpy as np
import pytest

from cgov import data
from cgov.sim import truth

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def deliberation(published):
    return published("09-deliberation")


def test_meeting_counts_recomputed(deliberation):
    meetings = data.load("sim_communities")["deliberation_meetings"].astype(float)
    assert deliberation["meet_mean"] == pytest.approx(meetings.mean())
    assert deliberation["meet_var"] == pytest.approx(meetings.var())
    assert deliberation["meet_var_ratio"] == pytest.approx(meetings.var() / meetings.mean())


def test_overdispersion_and_nb_recover_the_truth(deliberation, published):
    assert deliberation["ct_t"] > 2
    assert deliberation["nb_alpha"] == pytest.approx(truth("meetings_nb_alpha"), abs=0.12)
    assert deliberation["nb_se"] > 1.3 * deliberation["po_se"]
    # Chapter 02 fits the same models to the same data: the two chapters must agree.
    vitality = published("02-vitality")
    assert deliberation["nb_alpha"] == pytest.approx(vitality["alpha_nb"])
    assert deliberation["nb_se"] == pytest.approx(vitality["adjusted_nb_se"])
    assert deliberation["po_se"] == pytest.approx(vitality["adjusted_poisson_se"])


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

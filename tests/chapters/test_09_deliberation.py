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


def test_overdispersion_and_nb_recover_the_truth(deliberation):
    assert deliberation["ct_t"] > 2
    assert deliberation["nb_alpha"] == pytest.approx(truth("meetings_nb_alpha"), abs=0.12)
    assert deliberation["nb_adjusted_low"] < truth("meetings_coverage") < deliberation["nb_adjusted_high"]
    assert deliberation["nb_se"] > deliberation["po_se"]
    assert deliberation["nb_naive"] > truth("meetings_coverage") + 0.2   # targeting inflates the naive estimate


def test_agenda_designs_against_the_chapter_truth(deliberation):
    true_rr = 1.5   # TRUE_RATE_RATIO set in the chapter's own simulation
    assert deliberation["true_rr"] == true_rr
    assert deliberation["rr_did_low"] < true_rr < deliberation["rr_did_high"]
    assert deliberation["rr_after_low"] > true_rr                      # selection on complaints, biased by design
    assert deliberation["expected_before"] == pytest.approx(true_rr * np.exp(0.05 * 2.5))

"""Chapter 08-strong-participation (simulated): estimators meant to recover the true effect of the staggered
rollout must be near it; estimators biased by design must be away from it."""
from __future__ import annotations

import pytest

from cgov import data
from cgov.sim import truth

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def participation(published):
    return published("08-strong-participation")


def test_twfe_is_biased_away_from_the_true_att(participation):
    att = truth("sbd_att_overall")
    assert participation["twfe_high"] < att                           # interval misses the truth
    assert att - participation["twfe"] > 1.5
    se = (participation["twfe_high"] - participation["twfe_low"]) / (2 * 1.959964)
    assert participation["twfe_miss_se"] == pytest.approx((att - participation["twfe"]) / se, rel=1e-3)
    assert participation["twfe_miss_se"] > 3                           # far beyond a one-in-twenty miss


def test_design_counts_match_the_panel(participation):
    panel = data.load("sim_community_years")
    sizes = panel.drop_duplicates("community_id")["shuangbaodao_year"].value_counts(dropna=False)
    cohorts = sizes[sizes.index.notna()]
    assert set(cohorts.index) == set(truth("years"))
    assert (cohorts == participation["n_cohort"]).all()                 # "每批 n 个" holds for every cohort
    assert sizes[sizes.index.isna()].iloc[0] == participation["n_never"]
    assert participation["n_communities"] == panel["community_id"].nunique()
    assert participation["n_pairs"] == len(cohorts) * len(cohorts)     # each cohort vs never and vs the others


def test_bacon_weights_reproduce_twfe(participation):
    assert participation["decomposed"] == pytest.approx(participation["twfe3"], abs=1e-6)
    assert 0 < participation["forbidden_weight"] < 100


def test_clean_cohort_comparisons_recover_the_truth(participation):
    for cohort, att in truth("sbd_att_by_cohort").items():
        assert participation[f"clean_{cohort}"] == pytest.approx(att, abs=1.0)
    assert participation["clean_att"] == pytest.approx(truth("sbd_att_overall"), abs=0.6)


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

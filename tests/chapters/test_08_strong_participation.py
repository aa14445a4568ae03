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


# ---------- heterogeneity-robust estimators (diff-diff) and the pre-trend sensitivity ----------

def test_callaway_santanna_recovers_the_truth_where_twfe_does_not(participation):
    att = truth("sbd_att_overall")
    assert participation["cs_att_low"] < att < participation["cs_att_high"]
    assert participation["cs_att"] == pytest.approx(att, abs=0.5)
    assert participation["twfe_high"] < participation["cs_att_low"]            # the two intervals do not overlap
    assert participation["cs_post_gap_max"] < 1.0 and participation["cs_pre_max_z"] < 2


def test_hand_written_group_time_effects_equal_the_library(participation):
    cohorts, years = len(truth("years")), 10
    assert participation["cs_cells"] == cohorts * (years - 1)              # every year except each cohort's base year
    assert participation["cs_hand_gap"] < 1e-9


def test_callaway_santanna_simple_aggregate_recomputed_from_four_means(participation):
    # independent derivation: the group-size weighted mean of post-adoption ATT(g, t), computed directly
    panel = data.load("sim_community_years")
    wide = panel.pivot(index="community_id", columns="year", values="participation_rate").astype(float)
    adopt = panel.drop_duplicates("community_id").set_index("community_id")["shuangbaodao_year"].astype(float)
    adopt = adopt.reindex(wide.index)
    total = weight = 0.0
    for g in sorted(adopt.dropna().unique()):
        for t in [t for t in wide.columns if t >= g]:
            control = adopt.isna() | (adopt > t)
            change = wide[t] - wide[g - 1]
            n_g = int((adopt == g).sum())
            total += n_g * (change[adopt == g].mean() - change[control].mean())
            weight += n_g
    assert participation["cs_att"] == pytest.approx(total / weight, abs=1e-9)


def test_relative_magnitude_bounds_follow_the_simple_formula(participation):
    # Identified set under ΔRM(M̄) for the equal-weight mean of event times 0..7: θ ± 4.5·M̄·D, where D is the
    # largest pre-period step; the robust interval adds sampling error, so it contains the identified set.
    theta, step = participation["honest_theta"], participation["honest_step"]
    assert participation["honest_breakdown_set"] == pytest.approx(theta / (4.5 * step))
    assert participation["honest_m1_low"] < theta - 4.5 * step < theta + 4.5 * step < participation["honest_m1_high"]
    assert 1 < participation["honest_breakdown"] < participation["honest_breakdown_set"]


def test_power_calculation_recomputed_from_the_glued_icc(participation):
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize
    p = participation["eval_base_rate"] / 100
    h = proportion_effectsize(p + 0.05, p)
    for icc, m, key in [(participation["eval_icc"], 20, "eval_clusters20"), (0.05, 20, "eval_clusters20_icc05"),
                        (0.05, 80, "eval_clusters80_icc05"), (0.10, 20, "eval_clusters20_icc10")]:
        per_arm = NormalIndPower().solve_power(h, alpha=0.05, power=0.8) * (1 + (m - 1) * icc) / m
        assert per_arm <= participation[key] / 2 <= per_arm + 3, key
    assert participation["eval_deff20_icc05"] == pytest.approx(1 + 19 * 0.05)
    assert participation["eval_clusters20_icc10"] > participation["eval_clusters20_icc05"] > participation["eval_clusters20"]
    assert 0 < participation["eval_power_city"] < 100


def _library_frame():
    panel = data.load("sim_community_years")
    return panel.assign(first=panel["shuangbaodao_year"].astype(float).fillna(0).astype(int),
                        y=panel["participation_rate"].astype(float), unit=panel["community_id"].astype(str))


def test_hand_written_bacon_decomposition_equals_diff_diff(participation):
    import diff_diff
    result = diff_diff.BaconDecomposition().fit(_library_frame(), "y", "unit", "year", "first")
    assert participation["decomposed"] == pytest.approx(result.twfe_estimate, abs=1e-6)
    assert participation["forbidden_weight"] == pytest.approx(100 * result.total_weight_later_vs_earlier, abs=1e-6)
    clean = result.to_dataframe().query("comparison_type == 'treated_vs_never'").set_index("treated_group")["estimate"]
    for cohort in truth("years"):
        assert participation[f"clean_{cohort}"] == pytest.approx(clean[cohort], abs=1e-6)


def test_hand_written_sun_abraham_equals_diff_diff_on_the_chapter_data():
    import diff_diff
    from cgov.models import event_study
    panel = data.load("sim_community_years")
    mine = event_study(panel, "participation_rate", "community_id", "year", "shuangbaodao_year", by_cohort=True)
    fit = diff_diff.SunAbraham(control_group="never_treated", cluster="unit").fit(_library_frame(), "y", "unit", "year", "first")
    theirs = {int(e): v["effect"] for e, v in fit.event_study_effects.items() if int(e) != -1}
    assert set(theirs) == set(mine["event_time"])
    for e, estimate in zip(mine["event_time"], mine["estimate"]):
        assert estimate == pytest.approx(theirs[e], abs=1e-8)

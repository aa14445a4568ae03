"""Chapter 03-satisfaction: the bulletin figures as published, and the simulated ordered and linear models
checked against the simulation's true parameters (cgov.sim.truth) and an independent recomputation."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cgov import data
from cgov.models import ols
from cgov.sim import truth
from cgov.sim.world import complaints10

pytestmark = pytest.mark.build       # the tests read the numbers of the strict build


@pytest.fixture(scope="module")
def satisfaction(published):
    return published("03-satisfaction")


@pytest.fixture(scope="module")
def residents():
    communities = data.load("sim_communities")
    communities = communities.assign(complaints10=complaints10(communities))
    frame = data.load("sim_residents").merge(
        communities[["community_id", "building_party_coverage", "complaints10"]], on="community_id")
    return frame.assign(owner=(frame["housing"] == "自有住房").astype(int), party=frame["party_member"].astype(int))


# ---------- how the prose reads its glued numbers (chapters 03 and 04) ----------

RISING_WORDS = ("下降了", "减少了", "增加了", "提高了", "上升了", "扩大到")


def misread_numbers(source: str, records: dict) -> list[str]:
    """Glued numbers the sentence misreads: a ratio (倍) or percentage (%) shown without its unit (unless it
    opens a range “a 至 b”), or a negative number after a word that already says the direction (“下降了 -8.2”)."""
    problems = []
    for match in re.finditer(r"\{glue\}`(\w+)`", source):
        record = records.get(match.group(1))
        if record is None:
            continue
        after = source[match.end():match.end() + 4].lstrip()
        before = source[max(0, match.start() - 5):match.start()].rstrip()
        if record["unit"] in ("%", "倍") and not after.startswith((record["unit"], "至", "—")):
            problems.append(f"{match.group(1)}: {record['unit']} missing before {after!r}")
        if before.endswith(RISING_WORDS) and record["value"] < 0:
            problems.append(f"{match.group(1)}: negative ({record['text']}) after {before!r}")
    return problems


def test_the_unit_check_catches_what_it_should():
    records = {"r": {"unit": "倍", "value": 2.0, "text": "2.0"}, "d": {"unit": "件/月", "value": -8.2, "text": "-8.2"}}
    assert misread_numbers("扩大到 {glue}`r` 倍；{glue}`r` 至 {glue}`r` 倍", records) == []
    assert len(misread_numbers("标准误扩大到 {glue}`r`，区间为", records)) == 1
    assert len(misread_numbers("水平下降了 {glue}`d` 件/月", records)) == 1


@pytest.mark.parametrize("chapter", ["03-satisfaction", "04-participation"])
def test_glued_numbers_read_with_their_unit_and_sign(strict_build, chapter):
    records = json.loads((strict_build.results / f"{chapter}.json").read_text(encoding="utf-8"))
    source = (Path(__file__).resolve().parents[2] / "notebooks" / f"{chapter}.md").read_text(encoding="utf-8")
    assert misread_numbers(source, records) == []


# ---------- real data ----------

def test_facility_coverage_as_published(satisfaction):
    # 2021 民政事业发展统计公报: 城市社区综合服务设施覆盖率 100%, 农村 79.5%.
    assert satisfaction["urban_facility_2021"] == 100.0
    assert satisfaction["rural_facility_2021"] == 79.5
    assert satisfaction["urban_facility_2019"] < satisfaction["urban_facility_2021"]


# ---------- simulated ----------

@pytest.mark.parametrize("name, true_name, tolerance", [
    ("ol_trust", "satisfaction_trust", 0.1),
    ("ol_coverage", "satisfaction_coverage", 0.35),
    ("ol_complaints", "satisfaction_complaints", 0.1),
    ("ol_owner", "satisfaction_owner", 0.15),
])
def test_ordered_logit_recovers_the_truth(satisfaction, name, true_name, tolerance):
    assert satisfaction[name] == pytest.approx(truth(true_name), abs=tolerance)


def test_predicted_probabilities_rise_with_trust(satisfaction):
    assert satisfaction["p_satisfied_trust1"] < 30 < 60 < satisfaction["p_satisfied_trust5"]


def test_linear_and_ordered_models_agree_in_proportion(satisfaction):
    assert 0.5 < satisfaction["ratio_min"] <= satisfaction["ratio_max"] < 0.8
    assert satisfaction["cum_trust_max"] - satisfaction["cum_trust_min"] < 0.15


def test_community_variance_is_explained_by_covariates(satisfaction):
    assert satisfaction["icc_satisfaction_adjusted"] < satisfaction["icc_satisfaction"] / 3
    assert 0.05 < satisfaction["icc_trust"] < 0.3


def test_clustering_widens_the_interval_for_a_community_variable(satisfaction, residents):
    formula = "trust_rc ~ building_party_coverage + complaints10 + party + owner + tenure_years"
    clustered = ols(residents, formula, cluster="community_id").set_index("term").loc["building_party_coverage"]
    assert satisfaction["trust_cov_cl_low"] == pytest.approx(clustered["conf_low"], abs=0.005)
    assert satisfaction["trust_cov_hc1_high"] < 0 < satisfaction["trust_cov_cl_high"]
    assert satisfaction["se_ratio"] > 1.5


def test_clustered_ordered_logit_doubles_the_standard_error_of_a_community_variable(satisfaction):
    # the chapter's point (and chapter 07's premise): non-clustered ordered-logit SEs are about half the right size
    assert satisfaction["ol_se_ratio"] > 1.7
    assert satisfaction["trust_ol_cov_naive_high"] < 0 < satisfaction["trust_ol_cov_cl_high"]
    assert satisfaction["trust_ol_cov_cl"] == satisfaction["trust_ol_cov_naive"] == satisfaction["trust_ol_coverage"]
    # … but not when the residuals carry no community variance (satisfaction given trust)
    assert 0.9 < satisfaction["sat_se_ratio"] < 1.2
    assert satisfaction["icc_satisfaction_adjusted"] < 0.01


def test_share_of_community_intervals_covering_the_mean_recomputed(satisfaction, residents):
    overall = residents["satisfaction"].mean()
    covered = 0
    groups = residents.groupby("community_id")["satisfaction"]
    for _, answers in groups:
        values = answers.to_numpy(float)
        reach = 1.96 * values.std(ddof=1) / len(values) ** 0.5
        covered += values.mean() - reach <= overall <= values.mean() + reach
    assert satisfaction["share_ci_mean"] == pytest.approx(100 * covered / groups.ngroups)
    assert satisfaction["share_ci_mean"] > 50                # "多数社区" in the 工作启示 box


def test_interval_shrink_in_the_survey_plan_exercise(satisfaction, residents):
    # the exercise's solution: 40 respondents instead of the chapter's 25 narrow an interval by 1 − √(25/40) ≈ 21 %
    # (an earlier text said “每社区 20 人” and “约三成”, the figures for 20 respondents)
    per_community = set(residents.groupby("community_id").size())
    assert per_community == {satisfaction["residents_per_community"]} == {25}
    assert satisfaction["ci_shrink_40"] == pytest.approx(100 * (1 - (25 / 40) ** 0.5))
    assert 15 < satisfaction["ci_shrink_40"] < 25


# ---------- survey design (simulated) ----------

@pytest.fixture(scope="module")
def survey(residents):
    sizes = data.load("sim_communities").set_index("community_id")["households"].astype(float)
    frame = residents.assign(score=residents["satisfaction"].astype(float),
                             households=residents["community_id"].map(sizes))
    return frame.assign(weight=frame["households"] / frame.groupby("community_id")["score"].transform("size"),
                        satisfied=(frame["score"] >= 4).astype(float), trust=frame["trust_rc"].astype(float),
                        cov=frame["building_party_coverage"].astype(float))


def test_weighted_mean_and_its_cluster_se_recomputed_with_statsmodels(satisfaction, survey):
    import numpy as np
    import statsmodels.formula.api as smf
    w, y = survey["weight"].to_numpy(), survey["score"].to_numpy()
    assert satisfaction["sv_mean_weighted"] == pytest.approx(np.average(y, weights=w))
    assert satisfaction["sv_mean_unweighted"] == pytest.approx(y.mean())
    assert satisfaction["sv_share_weighted"] == pytest.approx(100 * np.average(survey["satisfied"], weights=w))
    assert satisfaction["sv_se_naive"] == pytest.approx(y.std(ddof=1) / np.sqrt(len(y)))
    groups = {"groups": survey["community_id"].factorize()[0]}
    weighted = smf.wls("score ~ 1", survey, weights=survey["weight"]).fit(cov_type="cluster", cov_kwds=groups)
    unweighted = smf.ols("score ~ 1", survey).fit(cov_type="cluster", cov_kwds=groups)
    assert satisfaction["sv_se_weighted"] == pytest.approx(weighted.bse["Intercept"], rel=1e-6)
    assert satisfaction["sv_se_cluster"] == pytest.approx(unweighted.bse["Intercept"], rel=1e-6)
    assert satisfaction["sv_kish"] == pytest.approx(len(w) * (w ** 2).sum() / w.sum() ** 2)
    # what the prose says: weighting moves the mean little; the SE grows with clusters and weights
    assert abs(satisfaction["sv_mean_weighted"] - satisfaction["sv_mean_unweighted"]) < 0.05
    assert satisfaction["sv_se_naive"] < satisfaction["sv_se_cluster"] < satisfaction["sv_se_weighted"]
    assert satisfaction["sv_deff"] > 2
    assert satisfaction["sv_n_effective"] == pytest.approx(len(w) / satisfaction["sv_deff"], rel=0.01)


def test_weighted_regression_agrees_with_the_unweighted_one(satisfaction, survey):
    import statsmodels.formula.api as smf
    formula = "score ~ trust + cov + complaints10 + owner"
    groups = {"groups": survey["community_id"].factorize()[0]}
    fit = smf.wls(formula, survey, weights=survey["weight"]).fit(cov_type="cluster", cov_kwds=groups)
    assert satisfaction["sv_wls_trust"] == pytest.approx(fit.params["trust"], rel=1e-6)
    assert satisfaction["sv_wls_cov_se"] == pytest.approx(fit.bse["cov"], rel=1e-6)
    assert abs(satisfaction["sv_wls_trust"] - satisfaction["sv_ols_trust"]) < 0.05
    assert satisfaction["sv_wls_cov_se"] > satisfaction["sv_ols_cov_se"]

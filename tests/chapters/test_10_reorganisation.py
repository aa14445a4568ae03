"""Chapter 10-reorganisation: real numbers recomputed from the code and census tables and checked against
the published bulletins; simulated estimates checked against the true parameters and recomputed by hand."""
from __future__ import annotations

import csv
import math
import statistics

import pytest

from cgov import data, paths
from cgov.sim import truth

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def reorganisation(published):
    return published("10-reorganisation")


@pytest.fixture(scope="module")
def units():
    frame = data.load("county_units")
    return frame[frame["vintage"] == frame["vintage"].max()]


# ---------- real data ----------

def test_national_counts_are_the_code_table_sums(reorganisation, units, published):
    assert reorganisation["rc_codes_last"] == int(units["residents_committees"].sum())
    assert reorganisation["streets_codes_last"] == int(units["subdistricts"].sum())
    # the national ratio is an upper bound: above the pooled ratio of the all-street districts in chapter 07
    assert reorganisation["rc_per_street_national_last"] > published("07-embedding")["real_pooled_per_street"]


def test_scale_table_keeps_each_source_s_precision_and_names_its_issuer(strict_build):
    """Figures the bulletins give in 万 stay in 万 (90.2 万, not 902,000), read from the raw transcriptions."""
    with (strict_build.results / "10-reorganisation" / "reorganisation_scale_table.csv").open(encoding="utf-8") as handle:
        table = {r["指标"]: r for r in csv.DictReader(handle)}
    raw = {}
    for name in ("mca_bulletin_national_community.csv", "cpc_party_statistics_national.csv"):
        with (paths.DATA / "raw" / name).open(encoding="utf-8", newline="") as handle:
            raw |= {(name[:3], r["year"], r["indicator"]): r for r in csv.DictReader(handle)}
    for label, key in [("社会组织", ("mca", "2021", "社会组织")), ("社会组织中的基层党组织", ("cpc", "2023", "社会组织基层党组织"))]:
        assert raw[key]["unit"] == "万个"
        assert table[label]["数值"] == f"{raw[key]['value']} 万个"
    assert table["已建立党组织的社区"]["数值"] == f"{int(raw[('cpc', '2023', '已建立党组织的社区')]['value']):,} 个"
    assert all(r["来源（年份）"].startswith(("国家统计局", "中共中央组织部", "民政部")) for r in table.values())


def sichuan_counties(before: int = 2018, after: int = 2021) -> list[dict]:
    """Sichuan counties with the same code and name in every vintage from ``before`` to ``after``, with
    village committees and township units at both ends and rural residents in 2020 (csv module only)."""
    with (paths.DATA / "processed" / "county_units.csv").open(encoding="utf-8", newline="") as handle:
        units_ = [r for r in csv.DictReader(handle) if r["province_code"] == "51"
                  and before <= int(r["vintage"]) <= after]
    with (paths.DATA / "processed" / "county_2020.csv").open(encoding="utf-8", newline="") as handle:
        rural = {r["county_code"]: int(r["population"]) - int(r["urban_population"])
                 for r in csv.DictReader(handle) if r["population"] and r["urban_population"]}
    by_code: dict[str, dict[int, dict]] = {}
    for r in units_:
        by_code.setdefault(r["county_code"], {})[int(r["vintage"])] = r
    out = []
    for code, years in by_code.items():
        if len(years) != after - before + 1 or len({r["county"] for r in years.values()}) != 1:
            continue
        row = {"v0": int(years[before]["village_committees"]), "v1": int(years[after]["village_committees"]),
               "t0": int(years[before]["towns"]) + int(years[before]["townships"]),
               "t1": int(years[after]["towns"]) + int(years[after]["townships"]), "rural": rural.get(code, 0)}
        if min(row.values()) > 0:
            out.append(row)
    return out


def test_sichuan_merger_recomputed_from_the_code_table(reorganisation):
    counties = sichuan_counties()
    assert reorganisation["sc_n_counties"] == len(counties)
    assert reorganisation["sc_size_before"] == pytest.approx(statistics.median(c["rural"] / c["v0"] for c in counties))
    assert reorganisation["sc_size_after"] == pytest.approx(statistics.median(c["rural"] / c["v1"] for c in counties))
    assert reorganisation["sc_pooled_after"] / reorganisation["sc_pooled_before"] == pytest.approx(
        sum(c["v0"] for c in counties) / sum(c["v1"] for c in counties))
    assert reorganisation["sc_village_cut"] == pytest.approx(
        100 * (1 - sum(c["v1"] for c in counties) / sum(c["v0"] for c in counties)))
    assert reorganisation["sc_vpt_before"] == pytest.approx(statistics.median(c["v0"] / c["t0"] for c in counties))
    # the finding: committees grew much larger while villages per township hardly moved
    assert reorganisation["sc_size_ratio_q25"] > 1.2
    assert abs(reorganisation["sc_vpt_after"] - reorganisation["sc_vpt_before"]) < 1


def test_sichuan_units_left_out_are_counted(reorganisation):
    """The text accounts for every Sichuan county unit of the pre-reform vintage: recoded (撤县设区/设市),
    without townships at either end (Chengdu's central districts, a development zone), or compared."""
    with (paths.DATA / "processed" / "county_units.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["province_code"] == "51" and 2018 <= int(r["vintage"]) <= 2021]
    before = {r["county_code"]: r for r in rows if r["vintage"] == "2018"}
    after_names = {r["county_code"]: r["county"] for r in rows if r["vintage"] == "2021"}
    recoded = [r["county"] for code, r in before.items() if code not in after_names]
    no_townships = [r["county"] for code, r in before.items() if code in after_names
                    and int(r["towns"]) + int(r["townships"]) == 0]
    assert reorganisation["sc_n_units"] == len(before)
    assert sorted(recoded) == ["会理县", "射洪县", "新津县"] and reorganisation["sc_n_recoded"] == len(recoded)
    assert reorganisation["sc_n_no_units"] == len(no_townships)
    assert all(name.endswith("区") for name in no_townships) and "巴中经济开发区" in no_townships
    assert reorganisation["sc_n_units"] == (reorganisation["sc_n_recoded"] + reorganisation["sc_n_no_units"]
                                            + reorganisation["sc_n_counties"])
    kept = sichuan_counties()
    assert reorganisation["sc_vc_covered"] == pytest.approx(
        100 * sum(c["v0"] for c in kept) / sum(int(r["village_committees"]) for r in before.values()))


def test_sichuan_village_cut_agrees_with_chapter_06(reorganisation, published):
    # chapter 06: the province's 村委会 fell by this share 2019→21; the unchanged counties 2018→21 fell alike
    assert reorganisation["sc_village_cut"] == pytest.approx(published("06-mechanisms")["mech_sc_vc_pct_2021"], abs=5)


# ---------- simulated workers ----------

def workers() -> list[dict]:
    with (paths.SIM / "sim_workers.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_text_about_chapter_05s_miss_holds(reorganisation, published):
    chapter05 = published("05-resources")
    assert chapter05["z_pay"] > reorganisation["far_z"]          # "偏离超过了 far_z 个标准误"
    assert reorganisation["tenure_scale_pay"] == pytest.approx(chapter05["beta_pay_direct"], abs=0.05)


def test_mediation_total_effect_equals_a_marginal_logit_contrast(reorganisation):
    """The total effect of +1,000 yuan on the five-year exit probability, recomputed as the average
    difference in predicted probabilities from a logit without the mediator (statsmodels directly)."""
    import numpy as np
    import statsmodels.api as sm
    rows = workers()
    y = np.array([r["exited"] == "true" for r in rows], float)
    pay = np.array([(int(r["monthly_pay"]) - 5500) / 1000 for r in rows])
    hours = np.array([(int(r["weekly_hours"]) - 48) / 10 for r in rows])
    fit = sm.Logit(y, np.column_stack([np.ones_like(pay), pay, hours])).fit(disp=False)
    contrast = np.mean(fit.predict(np.column_stack([np.ones_like(pay), np.ones_like(pay), hours]))
                       - fit.predict(np.column_stack([np.ones_like(pay), np.zeros_like(pay), hours])))
    assert reorganisation["med_total"] == pytest.approx(100 * contrast, abs=1.5)
    assert reorganisation["med_total"] == pytest.approx(reorganisation["med_indirect"] + reorganisation["med_direct"],
                                                        abs=1e-6)
    assert reorganisation["med_indirect_high"] < 0 and reorganisation["med_direct_high"] < 0
    assert 0 < reorganisation["med_share"] < 50


def test_coverage_over_at_least_200_replications_with_its_monte_carlo_error(reorganisation):
    n = reorganisation["n_reps"]
    assert n >= 200
    share = reorganisation["rep_direct_cover"] / n
    assert reorganisation["rep_cover_share"] == pytest.approx(100 * share)
    assert reorganisation["rep_cover_mcse"] == pytest.approx(100 * math.sqrt(share * (1 - share) / n))
    assert abs(reorganisation["rep_cover_share"] - 95) < 3 * reorganisation["rep_cover_mcse"]
    assert reorganisation["rep_direct_mean"] == pytest.approx(truth("exit_pay"), abs=4 * reorganisation["rep_direct_mean_mcse"])
    assert reorganisation["rep_far"] <= 0.03 * n            # a miss beyond far_z SE is rare over fresh worlds (≈ 1.2% expected)


def test_total_effect_mixes_mediation_with_non_collapsibility(reorganisation):
    assert reorganisation["rep_total_mean"] < truth("exit_pay") - 0.02                 # includes the path through intention
    # adding hours, independent of pay, still moves the pay coefficient away from zero (non-collapsibility)
    assert reorganisation["rep_noncollapse"] == pytest.approx(
        reorganisation["rep_total_mean"] - reorganisation["rep_pay_only_mean"])
    assert reorganisation["rep_noncollapse"] < 0
    assert reorganisation["rep_a_minus_b"] < reorganisation["rep_noncollapse"] < 0


def test_exit_rate_in_the_first_year_in_post_recomputed_with_delayed_entry(reorganisation):
    exposure = exits = naive_exposure = 0.0
    for r in workers():
        entry, follow = float(r["tenure_years"]), float(r["followup_years"])
        end = entry + follow
        exposure += max(0.0, min(end, 1.0) - max(entry, 0.0))
        naive_exposure += max(0.0, min(end, 1.0))
        exits += r["exited"] == "true" and end < 1.0
    assert reorganisation["tenure_rate_first"] == pytest.approx(100 * exits / exposure)
    assert reorganisation["tenure_rate_first_naive"] == pytest.approx(100 * exits / naive_exposure)
    assert reorganisation["tenure_rate_first_naive"] < reorganisation["tenure_rate_first"]   # ignoring entry hides early exits


def test_tenure_time_scale_agrees_with_the_survey_time_scale(reorganisation):
    assert reorganisation["tenure_scale_pay_high"] < 0
    assert reorganisation["tenure_ph_min_p"] > 0.01


def test_power_recomputed_with_statsmodels_and_the_published_iccs(reorganisation, published):
    import numpy as np
    from statsmodels.stats.power import tt_ind_solve_power, TTestIndPower
    from statsmodels.stats.proportion import proportion_effectsize
    rows = workers()
    exit2 = np.array([r["exited"] == "true" and float(r["followup_years"]) <= 2 for r in rows], float)
    streets = np.array([r["street_id"] for r in rows])
    # one-way ANOVA ICC by hand
    labels, codes = np.unique(streets, return_inverse=True)
    sizes, means = np.bincount(codes), np.bincount(codes, exit2) / np.bincount(codes)
    n, k = len(exit2), len(labels)
    msw = ((exit2 - means[codes]) ** 2).sum() / (n - k)
    msb = (sizes * (means - exit2.mean()) ** 2).sum() / (k - 1)
    n0 = (n - (sizes ** 2).sum() / n) / (k - 1)
    icc = max((msb - msw) / n0, 0) / (max((msb - msw) / n0, 0) + msw)
    assert reorganisation["pw_icc_exit"] == pytest.approx(icc)
    m = reorganisation["pw_per_street"]
    deff = 1 + (m - 1) * icc
    h = proportion_effectsize(exit2.mean(), exit2.mean() - 0.05)
    needed = math.ceil(tt_ind_solve_power(effect_size=h * math.sqrt(m / deff), alpha=0.05, power=0.8))
    assert reorganisation["pw_streets_per_arm"] == needed
    assert reorganisation["pw_one_city_power"] == pytest.approx(
        100 * TTestIndPower().power(h * math.sqrt(m / deff), nobs1=k // 2, alpha=0.05), abs=1e-6)
    # the proportion-scale ICC of voting is below chapter 07's latent-scale ICC of the same data
    assert 0 < reorganisation["pw_vote_icc"] < published("07-embedding")["vote_icc"]
    # more residents per community buy little: communities needed fall far less than residents rise
    assert reorganisation["pw_communities_80"] > 0.5 * reorganisation["pw_communities_20"]
    assert reorganisation["pw_communities_20_iid"] < 0.5 * reorganisation["pw_communities_20"]

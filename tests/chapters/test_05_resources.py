"""Chapter 05-resources: real numbers recomputed from the data files with the csv module (not cgov.data)
and checked against published counts; simulated estimates checked against the true parameters."""
from __future__ import annotations

import csv
import math
import statistics
from collections import Counter

import numpy as np
import pytest

from cgov import paths
from cgov.sim import truth

pytestmark = pytest.mark.build


def rows(folder: str, name: str) -> list[dict]:
    with (paths.DATA / folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def resources(published):
    return published("05-resources")


# ---------- real data ----------

def test_national_ratio_divides_the_same_counties(resources):
    counties = rows("processed", "county_2020")
    matched = [r for r in counties if r["urban_population"] != ""]
    outside = [r for r in counties if r["urban_population"] == ""]
    urban = sum(int(r["urban_population"]) for r in matched)
    committees = sum(int(r["residents_committees"]) for r in matched)
    assert resources["national_ratio"] == pytest.approx(urban / committees, rel=1e-12)
    assert resources["n_outside_counties"] == len(outside)
    assert resources["n_outside_committees"] == sum(int(r["residents_committees"]) for r in outside)
    # with every census row matched (issue 14) numerator and denominator cover the whole country: the ratio is the
    # independent derivation from the census's national urban population and the 2020 codes' 居委会
    every = sum(int(r["residents_committees"]) for r in counties)
    assert urban / every <= resources["national_ratio"]
    assert resources["national_ratio"] == pytest.approx(899_991_162 / 118_025, rel=1e-9)


def load(row) -> float:
    """Urban residents per 居委会 from the counts (the stored ratio is rounded to 0.1)."""
    return int(row["urban_population"]) / int(row["residents_committees"])


def test_county_distribution_recomputed(resources):
    values = sorted(load(r) for r in rows("processed", "county_2020") if r["urban_residents_per_committee"] != "")
    assert resources["n_counties"] == len(values)
    assert resources["ratio_median"] == pytest.approx(statistics.median(values), rel=1e-9)
    assert resources["ratio_p10"] < resources["median_district"] < resources["ratio_p90"]
    assert 0 < resources["province_icc"] < 0.5    # most spread lies within provinces




def test_counties_left_out_of_the_distribution_are_counted(resources):
    """The prose's row count: the counties without a 居委会 include the ones not matched to the census, so
    the distribution's counties and these add up to every county; their urban residents enter only the ratios."""
    counties = rows("processed", "county_2020")
    without = [r for r in counties if int(r["residents_committees"]) == 0]
    assert all(int(r["residents_committees"]) == 0 for r in counties if r["urban_population"] == "")
    assert resources["n_no_committee"] == len(without)
    assert resources["n_counties"] + resources["n_no_committee"] == len(counties)
    assert resources["no_committee_urban"] == pytest.approx(sum(int(r["urban_population"] or 0) for r in without) / 1e4)
    assert resources["no_committee_urban"] > 0

def test_province_ratio_divides_like_the_national_one(resources, strict_build):
    """合计比值 = 全省城镇人口 ÷ 全省居委会数 (the table's caption): every county matched to the census counts,
    with a 居委会 or without one, as in the national ratio, so the provinces add up to the nation."""
    urban, committees = Counter(), Counter()
    for r in rows("processed", "county_2020"):
        if r["urban_population"] != "":
            urban[r["province"]] += int(r["urban_population"])
            committees[r["province"]] += int(r["residents_committees"])
    with (strict_build.results / "05-resources" / "resources_province_table.csv").open(encoding="utf-8") as handle:
        table = {r["省份"]: float(r["合计比值"]) for r in csv.DictReader(handle)}
    assert table == pytest.approx({name: urban[name] / committees[name] for name in urban}, rel=1e-12)
    assert sum(urban.values()) / sum(committees.values()) == pytest.approx(resources["national_ratio"], rel=1e-12)
    assert (resources["province_low"], resources["province_high"]) == (min(table.values()), max(table.values()))


def test_districts_have_rural_residents_too():
    """The households exercise: `households` counts every household, and 市辖区 are not all urban (the
    exercise used to say they had almost no rural population), so households per 居委会 run high there."""
    districts = [r for r in rows("processed", "county_2020") if r["county_type"] == "市辖区" and r["urban_population"]]
    urban = sum(int(r["urban_population"]) for r in districts)
    assert urban / sum(int(r["population"]) for r in districts) < 0.9
    assert sum(int(r["urban_population"]) < 0.5 * int(r["population"]) for r in districts) > 50

def test_bulletin_figures_match_published_counts(resources):
    # 2014 bulletin: 96,693 居委会 and 49.7 万 members; 2021: 11.7 万 and 65.7 万
    assert resources["members_per_rc_2014"] == pytest.approx(497_000 / 96_693, abs=0.01)
    assert resources["members_per_rc_2021"] == pytest.approx(65.7 / 11.7, abs=0.01)
    # the shares recomputed from the two amounts agree with the shares the bulletins print
    assert resources["central_share_2015"] == pytest.approx(46.1, abs=0.06)
    assert resources["central_share_2021"] == pytest.approx(33.7, abs=0.06)
    assert resources["secretary_rc"] == 10_293 and resources["secretary_vc"] == 4_629  # agricultural census 2006
    assert resources["low_subsidy_rc"] == pytest.approx(100 * 1_809 / 12_339, abs=0.01)



def test_bulletin_sources_are_described_as_the_table_records_them():
    """The prose: of the bulletin figures used, only 2015's were read on an authoritative copy; 2014's and
    2020's on reposts, 2021's in a third-party parse of the bulletin file."""
    used = {"居民委员会", "居委会", "居委会成员", "社会服务事业费支出", "中央财政转移支付社会服务事业费",
            "民政事业费支出", "中央财政转移支付民政事业费"}
    seen = {}
    for r in rows("raw", "mca_bulletin_national_community"):
        if r["indicator"] in used and r["year"] in ("2014", "2015", "2020", "2021"):
            seen.setdefault(r["year"], set()).add(r["verification"].split(" (")[0].split(";")[0])
    assert seen == {"2015": {"quoted text seen on the authoritative copy cited"},
                    "2014": {"quoted text seen only on a non-authoritative repost"},
                    "2020": {"quoted text seen only on a non-authoritative repost"},
                    "2021": {"official bulletin text seen in a third-party parse of the MCA docx"}}

# ---------- simulated data against the truth ----------

def test_cox_and_logit_near_the_truth(resources):
    assert resources["beta_hours_direct"] == pytest.approx(truth("exit_hours"), abs=0.15)
    assert math.log(resources["hr_intention"]) == pytest.approx(truth("exit_intention"), abs=0.25)
    assert resources["beta_pay_direct"] == pytest.approx(truth("exit_pay"), abs=0.15)
    assert math.log(resources["or_pay_intention"]) == pytest.approx(truth("intention_pay"), abs=0.15)
    assert resources["or_male_low"] < math.exp(truth("intention_male")) < resources["or_male_high"]



def test_pay_is_set_partly_by_the_street():
    """Why the logit clusters by street, as the prose words it: pay has a street level and an individual part
    (and rises with tenure), so it is only partly assigned at the street level."""
    street, individual = truth("pay_street_sd"), truth("pay_resid_sd")
    assert street > 0 and individual > 0 and truth("pay_tenure") > 0
    workers = rows("sim", "sim_workers")
    by_street: dict[str, list[int]] = {}
    for r in workers:
        by_street.setdefault(r["street_id"], []).append(int(r["monthly_pay"]))
    within = statistics.mean(statistics.pvariance(pays) for pays in by_street.values())
    assert within > 0.25 * statistics.pvariance([int(r["monthly_pay"]) for r in workers])

def test_the_miss_is_described_as_rare_not_as_one_in_twenty(resources):
    # the prose says the interval misses the truth …
    assert resources["beta_pay_direct_high"] < truth("exit_pay") or resources["beta_pay_direct_low"] > truth("exit_pay")
    # … by z standard errors, which a correct model produces with probability 2(1 − Φ(z)), far below 5%
    z = resources["z_pay"]
    assert resources["p_miss"] == pytest.approx(100 * math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert resources["p_miss"] < 2
    assert resources["one_in"] == round(100 / resources["p_miss"])


def test_total_effect_exceeds_direct_effect_by_design(resources):
    """Without the intention mediator the pay coefficient also carries the indirect path."""
    assert resources["beta_pay_total"] < resources["beta_pay_direct"] < 0


def test_proportional_hazards_hold_in_the_simulated_world(resources):
    assert resources["ph_min_p"] > 0.01


def test_wild_cluster_interval_is_wider_and_the_estimate_recomputes(resources):
    workers = rows("sim", "sim_workers")
    y = np.array([r["turnover_intention"] == "true" for r in workers], float)
    x = np.column_stack([np.ones(len(workers)), [(int(r["monthly_pay"]) - 5500) / 1000 for r in workers],
                         [(int(r["weekly_hours"]) - 48) / 10 for r in workers], [r["sex"] == "男" for r in workers]])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    assert resources["lpm_pay"] == pytest.approx(100 * beta[1], rel=1e-9)
    assert resources["n_streets_sim"] == len({r["street_id"] for r in workers}) == truth("n_streets")
    assert resources["lpm_pay_low"] < resources["lpm_pay_cr_low"] < resources["lpm_pay"] \
        < resources["lpm_pay_cr_high"] < resources["lpm_pay_high"]
    assert resources["lpm_width_ratio"] > 1


def test_turnover_levels_match_calibration(resources):
    assert 15 <= resources["intention_share"] <= 25          # ≈ 20% turnover intention
    assert 10 <= resources["exit_rate"] <= 30                # exits per 100 worker-years
    assert resources["km_low_pay"] < resources["km_high_pay"]
    assert resources["gov_share_mean"] == pytest.approx(80, abs=4)   # Beta(8, 2) mean


# ---------- ageing against the committee load (census 2020) ----------

@pytest.fixture(scope="module")
def ageing_rows():
    """County rows with a committee load and census 2020 age shares, joined with the csv module."""
    shares = {r["county_code"]: r for r in rows("processed", "census_county")
              if r["census_year"] == "2020" and r["match"] in ("code", "name") and r["county_code"]}
    out = []
    for r in rows("processed", "county_2020"):
        if r["urban_residents_per_committee"] != "" and r["county_code"] in shares:
            kind = r["county_type"] if r["county_type"] in ("市辖区", "县级市", "县") else "其他"
            out.append({"kind": kind, "load": load(r),
                        "share60": float(shares[r["county_code"]]["share_60plus"]),
                        "share65": float(shares[r["county_code"]]["share_65plus"])})
    return out


def test_ageing_rank_correlations_recomputed_with_scipy(resources, ageing_rows):
    from scipy.stats import spearmanr
    assert resources["age_n_counties"] == len(ageing_rows)
    every = spearmanr([r["load"] for r in ageing_rows], [r["share60"] for r in ageing_rows])[0]
    assert resources["age_rho"] == pytest.approx(every, abs=1e-9)
    assert resources["age_rho65"] == pytest.approx(
        spearmanr([r["load"] for r in ageing_rows], [r["share65"] for r in ageing_rows])[0], abs=1e-9)
    for key, kind in [("age_rho_district", "市辖区"), ("age_rho_county", "县")]:
        part = [r for r in ageing_rows if r["kind"] == kind]
        assert resources[key] == pytest.approx(spearmanr([r["load"] for r in part], [r["share60"] for r in part])[0],
                                               abs=1e-9)
        assert resources[f"{key}_low"] < resources[key] < resources[f"{key}_high"]
    # the finding in the prose: opposite signs in districts and counties, both intervals away from zero
    assert resources["age_rho_district_high"] < 0 < resources["age_rho_county_low"]
    assert resources["age_rho_low"] < resources["age_rho"] < resources["age_rho_high"] < 0.05


def test_counties_high_on_both_loads_recomputed(resources, ageing_rows):
    load = np.array([r["load"] for r in ageing_rows])
    share = np.array([r["share60"] for r in ageing_rows])
    both = (load > np.quantile(load, 0.75)) & (share > np.quantile(share, 0.75))
    assert resources["age_both_high"] == int(both.sum())
    assert resources["age_both_high_pct"] == pytest.approx(100 * both.mean())
    assert resources["age_both_high_pct"] < 100 / 16       # fewer than if the two were unrelated
    assert resources["age_share60_median"] == pytest.approx(float(np.median(share)))

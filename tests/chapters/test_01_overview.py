"""Chapter 01-overview: the membership series, its net increases and the trend models, each recomputed
independently (numpy, not the chapter's statsmodels calls) from the transcribed bulletin table."""
from __future__ import annotations

import numpy as np
import pytest

from cgov import data

pytestmark = pytest.mark.build       # the tests read the numbers of the strict build


@pytest.fixture(scope="module")
def overview(published):
    return published("01-overview")


@pytest.fixture(scope="module")
def members():
    """Year-end Party membership (万名) by year, and the bulletins' own net-increase rows."""
    table = data.load("cpc_party_statistics")
    year_end = table[table["reference_date"].dt.strftime("%m-%d") == "12-31"]
    total = year_end[year_end["indicator"] == "党员总数"].set_index("year")["value"].astype(float)
    net = year_end[year_end["indicator"] == "党员总数_净增"].set_index("year")["value"].astype(float)
    return total.sort_index(), net


def lag1(x: np.ndarray) -> float:
    """Lag-1 autocorrelation as statsmodels' acf defines it (demeaned, denominator n)."""
    x = x - x.mean()
    return float((x[1:] * x[:-1]).sum() / (x * x).sum())


def design(years: np.ndarray) -> np.ndarray:
    """Constant, years since 2010, years since 2012 (0 before), step from 2021."""
    return np.column_stack([np.ones(len(years)), years - 2010, np.maximum(years - 2012, 0),
                            (years >= 2021).astype(float)])


def cochrane_orcutt(y: np.ndarray, X: np.ndarray, steps: int = 200) -> tuple[np.ndarray, float]:
    """Iterated Cochrane–Orcutt AR(1) regression; ρ from the residuals' adjusted lag-1 autocovariance."""
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    rho = 0.0
    for _ in range(steps):
        u = y - X @ beta
        u = u - u.mean()
        new_rho = ((u[1:] * u[:-1]).sum() / (len(u) - 1)) / ((u * u).sum() / len(u))
        beta = np.linalg.lstsq(X[1:] - new_rho * X[:-1], y[1:] - new_rho * y[:-1], rcond=None)[0]
        if abs(new_rho - rho) < 1e-12:
            break
        rho = new_rho
    return beta, rho


def test_series_ends_as_published(overview, members):
    total, _ = members
    assert (overview["first_year"], overview["last_year"]) == (2010, 2024)
    assert overview["members_first"] == 8026.9 and overview["members_last"] == 10027.1   # 2010 and 2024 bulletins
    assert overview["members_last"] == total.loc[2024]


def test_net_increases_match_the_bulletins_own_net_figures(overview, members):
    total, net = members
    for year in (2013, 2017, 2021, 2022):
        assert overview[f"net_{year}"] == pytest.approx(net.loc[year], abs=0.15)
    assert overview["net_2012"] == pytest.approx(total.loc[2012] - total.loc[2011])
    # the policy break and the centenary surge the chapter describes
    assert overview["net_2012"] > 250 and overview["net_2017"] < 12
    assert overview["net_2021"] > 2 * max(net.loc[2013:2020].max(), net.loc[2022:].max())


def test_straight_line_slope_and_residual_autocorrelation(overview, members):
    total, _ = members
    t, y = total.index.to_numpy(float) - 2010, total.to_numpy()
    slope = np.cov(t, y, bias=True)[0, 1] / t.var()
    resid = y - (y.mean() + slope * (t - t.mean()))
    assert overview["slope"] == pytest.approx(slope)
    assert overview["slope_low"] < slope < overview["slope_high"]
    assert overview["line_acf1"] == pytest.approx(lag1(resid))
    assert overview["line_dw"] == pytest.approx((np.diff(resid) ** 2).sum() / (resid ** 2).sum())
    assert overview["line_acf1"] > 0.5                      # strongly autocorrelated, as the prose says


def test_segmented_trend_with_ar1_errors_recomputed(overview, members):
    total, _ = members
    years, y = total.index.to_numpy(float), total.to_numpy()
    X = design(years)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    assert overview["ols_centenary"] == pytest.approx(ols[3])
    assert overview["segment_acf1"] == pytest.approx(lag1(y - X @ ols))
    assert overview["segment_acf1"] < overview["line_acf1"]
    t = years - 2010
    line = np.polyval(np.polyfit(t, y, 1), t)
    assert overview["ssr_reduction"] == pytest.approx(100 * (1 - ((y - X @ ols) ** 2).sum() / ((y - line) ** 2).sum()))
    assert overview["ssr_reduction"] > 50                     # "大部分" in the prose
    beta, rho = cochrane_orcutt(y, X)
    assert overview["ar_rho"] == pytest.approx(rho, abs=1e-6)
    assert overview["pre_slope"] == pytest.approx(beta[1], rel=1e-6)
    assert overview["slope_change"] == pytest.approx(beta[2], rel=1e-6)
    assert overview["post_slope"] == pytest.approx(beta[1] + beta[2], rel=1e-6)
    assert overview["centenary_step"] == pytest.approx(beta[3], rel=1e-6)
    # the post-2013 increase is about 100万 a year, well below the pre-2013 one; the surge is clearly positive
    assert overview["post_slope_high"] < overview["pre_slope"]
    assert overview["centenary_step_low"] > 0 and overview["slope_change_high"] < 0


# ---------- provinces, 2016–2023 (province_units) ----------

@pytest.fixture(scope="module")
def province_growth():
    """Relative change (%) of 居委会 and 村委会 by province, 2016 → 2023, summed here from the county table
    (not from province_units, which the chapter reads), keyed by the first two digits of the county code."""
    counties = data.load("county_units")
    counties = counties.assign(province_code=counties["county_code"].str[:2])
    wide = counties.groupby(["vintage", "province_code"])[["residents_committees", "village_committees"]].sum()
    first, last = wide.loc[2016], wide.loc[2023]
    return first, last, 100 * (last / first - 1)


def test_province_growth_range_and_national_weighted_mean(overview, province_growth):
    first, last, growth = province_growth
    rc, vc = growth["residents_committees"], growth["village_committees"]
    assert len(rc) == 31
    assert overview["prov_rc_national"] == pytest.approx(100 * (last["residents_committees"].sum() / first["residents_committees"].sum() - 1))
    # the national change is the provinces' changes weighted by their 2016 counts
    weights = first["village_committees"] / first["village_committees"].sum()
    assert overview["prov_vc_national"] == pytest.approx(float((weights * vc).sum()))
    assert overview["prov_rc_min"] == pytest.approx(rc.min()) and overview["prov_rc_max"] == pytest.approx(rc.max())
    assert overview["prov_vc_min"] == pytest.approx(vc.min()) and overview["prov_vc_max"] == pytest.approx(vc.max())
    assert overview["prov_rc_median"] == pytest.approx(rc.median())
    assert overview["prov_vc_median"] == pytest.approx(vc.median())
    # the prose: "a few per cent in some provinces, over half in others"; names stated in the prose
    assert rc.idxmin() == "37" and rc.idxmax() == "62"       # 山东, 甘肃
    assert vc.idxmin() == "51" and vc.idxmax() == "21"       # 四川, 辽宁
    assert overview["prov_rc_min"] < 5 and overview["prov_rc_max"] > 50
    assert overview["prov_rc_n_over_30"] == int((rc > 30).sum()) and overview["prov_rc_n_under_10"] == int((rc < 10).sum())


def test_five_provinces_dominate_the_national_village_decline(overview, province_growth):
    first, last, growth = province_growth
    change = last["village_committees"] - first["village_committees"]
    five = change.nsmallest(5).index
    assert set(five) == {"51", "37", "14", "33", "61"}          # 四川 山东 山西 浙江 陕西, as the prose lists them
    assert overview["prov_vc_top5_share"] == pytest.approx(100 * change[five].sum() / change.sum())
    assert overview["prov_vc_top5_weight"] == pytest.approx(100 * first.loc[five, "village_committees"].sum()
                                                           / first["village_committees"].sum())
    rest = ~change.index.isin(five)
    assert overview["prov_vc_rest"] == pytest.approx(100 * change[rest].sum() / first.loc[rest, "village_committees"].sum())
    assert overview["prov_vc_top5_share"] > 80 and overview["prov_vc_top5_weight"] < 40
    assert abs(overview["prov_vc_median"]) < abs(overview["prov_vc_national"]) / 3   # median far from national
    assert overview["prov_vc_sichuan_share"] == pytest.approx(100 * change["51"] / change.sum())
    rc_change = last["residents_committees"] - first["residents_committees"]
    top = rc_change.nlargest(5).index
    assert set(top) == {"41", "13", "51", "33", "34"}            # 河南 河北 四川 浙江 安徽
    assert overview["prov_rc_top5_share"] == pytest.approx(100 * rc_change[top].sum() / rc_change.sum())


def test_derived_years_lie_after_the_first_segment(overview):
    """Exercise overview-ex-derived drops the derived year-end figures: there is one (2020), after 2012, so the
    three pre-2013 observations stay (an earlier text spoke of two derived years and two pre-2013 points left)."""
    table = data.load("cpc_party_statistics")
    rows = table[(table["indicator"] == "党员总数") & table["verification"].str.startswith("derived")]
    assert sorted(rows["year"]) == [2020]
    assert overview["n_derived"] == 1 and overview["n_years_pre"] == 3
    assert all(year > 2012 for year in rows["year"])


def test_ar1_whitened_residuals_stay_autocorrelated(overview, members):
    """Exercise overview-ex-hac and the limitations: after the AR(1) transformation (Cochrane–Orcutt, recomputed
    here) the residuals are still positively autocorrelated, more than the segmented OLS residuals."""
    total, _ = members
    years, y = total.index.to_numpy(float), total.to_numpy()
    X = design(years)
    beta, rho = cochrane_orcutt(y, X)
    whitened = (y[1:] - rho * y[:-1]) - (X[1:] - rho * X[:-1]) @ beta
    assert lag1(whitened) > 0.2
    assert lag1(whitened) > overview["segment_acf1"]


def test_organisations_grew_faster_than_members_relative_to_their_mean():
    """Exercise overview-ex-organisations: the answer the solution states (organisations grow faster)."""
    table = data.load("cpc_party_statistics")
    year_end = table[table["reference_date"].dt.strftime("%m-%d") == "12-31"]

    def relative_slope(indicator):
        series = year_end[year_end["indicator"] == indicator].set_index("year")["value"].astype(float)
        return np.polyfit(series.index.to_numpy(float), series.to_numpy(), 1)[0] / series.mean()

    assert relative_slope("党的基层组织总数") > relative_slope("党员总数") > 0


def test_most_of_sichuans_village_decline_falls_between_the_2019_and_2020_vintages(overview):
    """The prose: most of Sichuan's 2016–2023 change happened between the 2019 and 2020 code vintages."""
    counties = data.load("county_units")
    sichuan = counties[counties["county_code"].str[:2] == "51"].groupby("vintage")["village_committees"].sum()
    assert overview["prov_vc_sichuan"] == pytest.approx(100 * (sichuan[2023] / sichuan[2016] - 1))
    assert (sichuan[2020] - sichuan[2019]) / (sichuan[2023] - sichuan[2016]) > 0.8


def test_residents_committee_growth_is_not_driven_by_a_few_provinces(overview):
    """"居委会的情形还算温和" (and the memo exercise): the top five provinces give well under half of the
    national net increase, close to their weight; the national growth is near the median province's."""
    assert overview["prov_rc_top5_share"] < 50
    assert overview["prov_rc_top5_share"] < 2 * overview["prov_rc_top5_weight"]
    assert abs(overview["prov_rc_national"] - overview["prov_rc_median"]) < 1

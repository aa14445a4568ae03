"""The true parameters of the simulated teaching world, each with its source.

A source is either a row of the project's calibration targets (``shared/source/calibration-targets.md``,
cited by section) or ``"chosen for teaching"``: a value picked to make a method visible, not a
fact about Chinese communities. The simulator reads these values; the estimators never do.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

CHOSEN = "chosen for teaching"


@dataclass(frozen=True)
class Param:
    """One effect size or rate: its value, unit/scale, and where the value comes from."""

    value: float
    scale: str
    source: str = CHOSEN


def _p(value, scale, source=CHOSEN) -> Param:
    return Param(float(value), scale, source)


PARAMETERS: dict[str, Param] = {
    # ---- communities -------------------------------------------------------------------------
    "grid_households_mean": _p(250, "households per grid worker", "calibration §4.4 (grid loads 100–400 households)"),
    "grid_households_sd": _p(60, "households per grid worker", "calibration §4.4 (grid loads 100–400 households)"),
    "coverage_logit_mean": _p(0.4, "logit of 楼栋党小组覆盖率", "calibration §4.6 (community coverage at ceiling, so vary 楼栋 coverage)"),
    "coverage_targeting": _p(0.8, "logit of coverage per 10 complaints per 1,000 households (selection: embedding targets troubled communities)"),
    "coverage_noise_sd": _p(0.8, "logit of coverage, SD of community noise"),
    "complaints_mean": _p(20, "complaints per 1,000 households in 2017; predictors use (complaints − 20) / 10"),
    "co_building_mean": _p(4, "resident units joined in co-building per community (Poisson mean)"),
    "staff_per_1000_households": _p(2.8, "community workers per 1,000 households",
                                    "calibration §4.1 (≈5.1 RC members per RC in 2014; community workers exceed RC members)"),
    "reporting_systems_mean": _p(7, "information systems a community reports into (3 + Poisson 4)"),
    "meetings_base": _p(math.log(5), "log meetings per year at coverage 0, average complaints"),
    "meetings_coverage": _p(0.8, "log meetings per unit of coverage (0→1)"),
    "meetings_complaints": _p(0.15, "log meetings per 10 complaints per 1,000 households"),
    "meetings_nb_alpha": _p(0.25, "negative-binomial dispersion α (Var = μ + αμ²)"),
    # ---- residents ---------------------------------------------------------------------------
    "party_logit_base": _p(-2.95, "logit of party membership at age 47, female",
                           "calibration §4.1/§4.6 (party members ≈7–9% of adults; older and more male)"),
    "party_age": _p(0.03, "logit per year of age", "calibration §4.6 (members older than population)"),
    "party_male": _p(0.6, "logit, men vs women", "calibration §4.1 (women 30.4% of members)"),
    "belonging_loading": _p(0.75, "standardised loading of each belonging item on its factor",
                            "calibration §4.2/§4.6 (α ≈ 0.70–0.85, two factors: 认同感, 凝聚力)"),
    "belonging_factor_corr": _p(0.6, "correlation of the two belonging factors", "calibration §4.2 (高红、孙百才 2020: two factors)"),
    "belonging_community_sd": _p(0.35, "SD of the community effect on both belonging factors (latent SD 1)",
                                 "calibration §4.6 (ICC of belonging 0.05–0.15)"),
    "belonging_party": _p(0.30, "latent SD, party members vs others (mediation path a)"),
    "belonging_tenure": _p(0.02, "latent SD per year lived in the community"),
    "belonging_owner": _p(0.20, "latent SD, owners vs renters"),
    "trust_community_sd": _p(0.40, "SD of the community effect on latent trust in the RC"),
    "trust_complaints": _p(-0.30, "latent trust per 10 complaints per 1,000 households"),
    "trust_coverage": _p(0.30, "latent trust per unit of coverage"),
    "satisfaction_trust": _p(0.80, "ordered-logit coefficient per point of trust (1–5)"),
    "satisfaction_coverage": _p(0.60, "ordered-logit coefficient per unit of coverage (0→1)"),
    "satisfaction_complaints": _p(-0.40, "ordered-logit coefficient per 10 complaints per 1,000 households"),
    "satisfaction_owner": _p(0.30, "ordered-logit coefficient, owners vs renters"),
    "satisfaction_cut_1": _p(0.9, "ordered-logit threshold between 1 and 2"),
    "satisfaction_cut_2": _p(2.0, "ordered-logit threshold between 2 and 3"),
    "satisfaction_cut_3": _p(3.2, "ordered-logit threshold between 3 and 4"),
    "satisfaction_cut_4": _p(4.4, "ordered-logit threshold between 4 and 5"),
    "vote_base": _p(-0.60, "logit of voting: female renter aged 47, belonging 3, outside 商品房"),
    "vote_party": _p(math.log(1.6), "log odds ratio, party members vs others (OR 1.6)",
                     "calibration §4.6 (party OR in the 1.2–2.0 band; 李骏 2009, 陈建国 2017 direction)"),
    "vote_belonging": _p(math.log(3.43) / 4, "log odds ratio per point of the belonging score (1–5)",
                         "calibration §4.2 (黄荣贵、桂勇: range-scaled OR 3.43 over the 4-point range)"),
    "vote_age": _p(0.15, "log odds ratio per 10 years of age", "calibration §4.2 (older residents vote more; size chosen)"),
    "vote_owner_commodity": _p(0.40, "log odds ratio of owners in 商品房 communities only",
                               "calibration §4.2 (李骏 2009: ownership matters only in commodity housing; size chosen)"),
    "vote_community_sd": _p(0.60, "SD of the community random intercept (logit scale); ICC = σ²/(σ²+π²/3) ≈ 0.10",
                            "calibration §4.6 (ICC 0.05–0.15)"),
    "activities_base": _p(math.log(1.5), "log activities per year, baseline"),
    "activities_party": _p(0.40, "log rate ratio, party members"),
    "activities_belonging": _p(0.25, "log rate ratio per point of belonging score"),
    "activities_coverage": _p(0.30, "log rate ratio per unit of coverage"),
    "activities_nb_alpha": _p(0.5, "negative-binomial dispersion α of activity counts"),
    # ---- workers -----------------------------------------------------------------------------
    "pay_base": _p(5000, "yuan per month at 0 years of tenure"),
    "pay_tenure": _p(150, "yuan per month per year of tenure"),
    "pay_street_sd": _p(600, "yuan, SD of the street pay level (random intercept)"),
    "pay_resid_sd": _p(700, "yuan, SD of individual pay around the street level"),
    "intention_base": _p(-1.65, "logit of turnover intention at 5,500 yuan and 48 hours, women",
                         "calibration §4.5 (≈20% turnover intention)"),
    "intention_pay": _p(-0.50, "log odds ratio per 1,000 yuan of monthly pay", "calibration §4.5 (pay lowers intention; size chosen)"),
    "intention_hours": _p(0.60, "log odds ratio per 10 weekly working hours"),
    "intention_male": _p(0.30, "log odds ratio, men vs women", "calibration §4.5 (孙中伟、周海燕 2019: men > women)"),
    "exit_base_rate": _p(0.16, "exits per worker-year at 5,500 yuan and 48 hours, without intention",
                         "calibration §4.5/§4.6 (annual exits ≈ 15–25%)"),
    "exit_pay": _p(-0.30, "log hazard ratio per 1,000 yuan of monthly pay"),
    "exit_hours": _p(0.40, "log hazard ratio per 10 weekly working hours"),
    "exit_intention": _p(0.70, "log hazard ratio, workers who intend to leave"),
    # ---- community-month records -------------------------------------------------------------
    "requests_per_1000": _p(12, "residents' requests per 1,000 households per month"),
    "resolve_days_base": _p(9, "mean days to resolve a request before the platform"),
    "resolve_days_community_sd": _p(1.5, "days, SD of the community level of resolution time"),
    "resolve_days_month_sd": _p(0.5, "days, SD of the city-wide monthly shock"),
    "resolve_days_noise_sd": _p(1.0, "days, month-to-month noise"),
    "platform_days": _p(-2.0, "days to resolve, effect of the data-integration platform"),
    "repeat_share": _p(0.18, "share of requests that are repeat visits before the platform"),
    "platform_repeat": _p(-0.45, "logit of the repeat-visit share, effect of the platform"),
    "duplicate_per_system": _p(4, "duplicate reports per month per reporting system before the platform"),
    "platform_duplicates": _p(math.log(0.4), "log rate ratio of duplicate reports after the platform"),
    "admin_tasks_base": _p(40, "administrative tasks per community-month in Jan 2018",
                           "calibration §4.4/§4.6 (administrative tasks 20–50% of items; 2003 logs ≈150 items/month)"),
    "service_tasks_base": _p(75, "service tasks per community-month", "calibration §4.4 (≈150 items per month in 2003 work logs)"),
    "admin_tasks_trend": _p(0.10, "administrative tasks per month, pre-list trend"),
    "burden_list_level": _p(-8, "administrative tasks, level change when the 减负 list takes effect"),
    "burden_list_slope": _p(-0.20, "administrative tasks per month, trend change after the list"),
    "admin_shock_sd": _p(1.5, "SD of the city-wide monthly shock to administrative tasks"),
    "admin_shock_ar": _p(0.5, "AR(1) coefficient of the city-wide monthly shock"),
    # ---- community-year panel (双报到) -------------------------------------------------------
    "participation_base": _p(30, "% of residents joining community activities, 2014"),
    "participation_community_sd": _p(6, "percentage points, SD of community levels"),
    "participation_complaints": _p(-3, "percentage points per 10 complaints per 1,000 households (level selection)"),
    "participation_trend": _p(0.5, "percentage points per year, common trend"),
    "participation_year_sd": _p(1.0, "percentage points, SD of the common yearly shock"),
    "participation_noise_sd": _p(2.0, "percentage points, SD of yearly noise"),
    "sbd_effect_2016": _p(4.0, "percentage points in the adoption year, cohort 2016"),
    "sbd_growth_2016": _p(1.0, "percentage points added per year since adoption, cohort 2016"),
    "sbd_effect_2018": _p(3.0, "percentage points in the adoption year, cohort 2018"),
    "sbd_growth_2018": _p(0.5, "percentage points added per year since adoption, cohort 2018"),
    "sbd_effect_2020": _p(2.0, "percentage points in the adoption year, cohort 2020"),
    "sbd_growth_2020": _p(0.25, "percentage points added per year since adoption, cohort 2020"),
}

#: Adoption cohorts of the 双报到-style programme (years) and their shares; the rest never adopt.
SBD_COHORTS = (2016, 2018, 2020)
SBD_SHARES = (0.25, 0.25, 0.25)


def value(name: str) -> float:
    """The true value of parameter ``name``."""
    return PARAMETERS[name].value


def logistic_icc(sd: float) -> float:
    """Latent-scale ICC of a logistic random-intercept model with intercept SD ``sd``."""
    return sd**2 / (sd**2 + math.pi**2 / 3)

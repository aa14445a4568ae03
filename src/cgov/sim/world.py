"""Generate the simulated world: streets → communities → residents, workers, monthly and yearly records.

Every random draw comes from a generator seeded by :class:`Design.seed`; every effect size is read from
:data:`cgov.sim.parameters.PARAMETERS`. Variables that enter a later equation are rounded first, so the
equations hold exactly for the values written to the files.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cgov import variables as V
from cgov.sim import codebook
from cgov.sim.parameters import SBD_COHORTS, SBD_SHARES, logistic_icc, value as P

TYPES = ("老旧小区", "商品房", "村改居", "单位社区")
TYPE_SHARES = (0.35, 0.40, 0.15, 0.10)
TYPE_LOG_COMPLAINTS = (0.3, 0.0, 0.2, -0.1)   # chosen: older and resettled communities complain more
TYPE_OWNER_SHARE = (0.70, 0.85, 0.90, 0.75)   # chosen, cf. calibration §4.2 (57.8% owners in CGSS2005; 96% of urban households own housing)
TYPE_TENURE_SCALE = (9.0, 5.0, 8.0, 10.0)     # chosen: years lived in the community, gamma scale
MONTHS = pd.date_range("2018-01-01", "2023-12-01", freq="MS")
YEARS = np.arange(2014, 2024)
BURDEN_LIST_MONTH = pd.Timestamp("2021-01-01")   # city-wide 减负 list takes effect (single date: ITS)
PLATFORM_DATES = (pd.Timestamp("2020-07-01"), pd.Timestamp("2022-01-01"))  # pilot streets, then the rest
PLATFORM_SHARES = (0.25, 0.50)                  # of streets; the remaining quarter never adopts by 2023
FOLLOWUP_YEARS = 5.0                            # workers followed from 2019-01-01 to 2023-12-31


@dataclass(frozen=True)
class Design:
    """Size and seed of a simulated world (the committed files use the defaults)."""

    seed: int = 20240701
    n_streets: int = 16
    communities_per_street: int = 10
    residents_per_community: int = 25


@dataclass
class World:
    """The simulated tables (codebook column order) and the truths derived from the design."""

    design: Design
    tables: dict[str, pd.DataFrame]
    truth: dict


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ordinal(latent: np.ndarray, cuts) -> np.ndarray:
    """1 + number of thresholds below the latent value."""
    return 1 + (latent[:, None] > np.asarray(cuts)[None, :]).sum(axis=1)


def _nb(rng, mu, alpha):
    """Negative-binomial (NB2) counts with mean ``mu`` and Var = μ + αμ²."""
    return rng.poisson(mu * rng.gamma(1.0 / alpha, alpha, size=np.shape(mu)))


def complaints10(frame: pd.DataFrame) -> np.ndarray:
    """The complaints predictor the generator uses, :func:`cgov.variables.complaints10` of a community table
    (its centre is the simulated mean, parameter ``complaints_mean``)."""
    return V.complaints10(frame["baseline_complaints"].to_numpy(float))


def simulate(design: Design = Design()) -> World:
    """Simulate every table of the world for ``design``."""
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(design.seed).spawn(5)]
    communities = _communities(rngs[0], design)
    residents = _residents(rngs[1], design, communities)
    workers = _workers(rngs[2], communities)
    months = _months(rngs[3], communities)
    years = _years(rngs[4], communities)
    tables = {t.name: frame[t.columns] for t, frame in zip(
        codebook.TABLES, (communities, residents, workers, months, years))}
    return World(design, tables, _truth(communities))


def _communities(rng, d: Design) -> pd.DataFrame:
    n = d.n_streets * d.communities_per_street
    street = np.repeat(np.arange(d.n_streets), d.communities_per_street)
    kind = rng.choice(len(TYPES), size=n, p=TYPE_SHARES)
    households = np.maximum(300, np.round(np.exp(rng.normal(np.log(2500), 0.4, n)))).astype(int)
    log_c = np.log(P("complaints_mean")) + np.take(TYPE_LOG_COMPLAINTS, kind) - 0.1 + rng.normal(0, 0.4, n)
    complaints = np.round(np.exp(log_c), 1)
    c10 = V.complaints10(complaints)
    coverage = np.round(_expit(P("coverage_logit_mean") + P("coverage_targeting") * c10
                               + rng.normal(0, P("coverage_noise_sd"), n)), 3)
    staff = np.maximum(3, np.round(households / 1000 * P("staff_per_1000_households") + rng.normal(0, 1, n)))
    # 双报到 cohorts: communities ranked by complaints plus noise, so troubled ones tend to adopt first.
    order = np.argsort(-(c10 + rng.normal(0, 1, n)), kind="stable")
    cohort = np.full(n, np.nan)
    bounds = np.round(np.cumsum((0,) + SBD_SHARES) * n).astype(int)
    for year, lo, hi in zip(SBD_COHORTS, bounds[:-1], bounds[1:]):
        cohort[order[lo:hi]] = year
    street_order = rng.permutation(d.n_streets)
    cut = np.round(np.cumsum(PLATFORM_SHARES) * d.n_streets).astype(int)
    street_platform = np.full(d.n_streets, np.datetime64("NaT"), dtype="datetime64[ns]")
    street_platform[street_order[:cut[0]]] = PLATFORM_DATES[0].to_datetime64()
    street_platform[street_order[cut[0]:cut[1]]] = PLATFORM_DATES[1].to_datetime64()
    mu_meet = np.exp(P("meetings_base") + P("meetings_coverage") * coverage + P("meetings_complaints") * c10)
    return pd.DataFrame({
        "community_id": [f"C{i + 1:03d}" for i in range(n)],
        "street_id": [f"S{s + 1:02d}" for s in street],
        "community_type": np.take(TYPES, kind),
        "households": households,
        "baseline_complaints": complaints,
        "building_party_coverage": coverage,
        "grid_households": np.clip(np.round(rng.normal(P("grid_households_mean"), P("grid_households_sd"), n)),
                                   100, 400).astype(int),
        "co_building_units": rng.poisson(P("co_building_mean"), n),
        "staff": staff.astype(int),
        "gov_funding_share": np.round(rng.beta(8, 2, n), 3),
        "reporting_systems": 3 + rng.poisson(P("reporting_systems_mean") - 3, n),
        "shuangbaodao_year": pd.array(cohort, dtype="Int64"),
        "platform_date": street_platform[street],
        "deliberation_meetings": _nb(rng, mu_meet, P("meetings_nb_alpha")),
        "is_simulated": True,
    })


def _residents(rng, d: Design, com: pd.DataFrame) -> pd.DataFrame:
    k = d.residents_per_community
    idx = np.repeat(np.arange(len(com)), k)
    n = len(idx)
    kind = pd.Index(TYPES).get_indexer(com["community_type"])[idx]
    coverage = com["building_party_coverage"].to_numpy()[idx]
    c10 = complaints10(com)[idx]
    age = np.clip(np.round(rng.normal(V.AGE_CENTRE, 17, n)), 18, 90).astype(int)
    male = rng.random(n) < 0.48
    owner = rng.random(n) < np.take(TYPE_OWNER_SHARE, kind)
    tenure = np.minimum(age - 18, np.floor(rng.gamma(2.0, np.take(TYPE_TENURE_SCALE, kind) / 2))).astype(int)
    party = rng.random(n) < _expit(P("party_logit_base") + P("party_age") * (age - V.AGE_CENTRE) + P("party_male") * male)
    # Belonging: two correlated factors (认同感, 凝聚力) shifted by the community and the person.
    shift = (P("belonging_community_sd") * rng.normal(0, 1, len(com))[idx] + P("belonging_party") * party
             + P("belonging_tenure") * (tenure - 8) + P("belonging_owner") * owner)
    r = P("belonging_factor_corr")
    z = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=n)
    lam = P("belonging_loading")
    items = {}
    for i in range(6):
        factor = shift + z[:, i // 3]
        latent = lam * factor + np.sqrt(1 - lam**2) * rng.normal(0, 1, n)
        items[f"belong_{i + 1}"] = _ordinal(latent, (-1.6, -0.7, 0.2, 1.2))
    score = np.mean(list(items.values()), axis=0)
    trust_latent = (P("trust_community_sd") * rng.normal(0, 1, len(com))[idx] + P("trust_complaints") * c10
                    + P("trust_coverage") * coverage + 0.3 * (shift + z.mean(axis=1)) + rng.normal(0, 1, n))
    trust = _ordinal(trust_latent, (-1.5, -0.6, 0.3, 1.2))
    sat_latent = (P("satisfaction_trust") * trust + P("satisfaction_coverage") * coverage
                  + P("satisfaction_complaints") * c10 + P("satisfaction_owner") * owner + rng.logistic(0, 1, n))
    satisfaction = _ordinal(sat_latent, [P(f"satisfaction_cut_{j}") for j in range(1, 5)])
    commodity = kind == TYPES.index("商品房")
    vote_logit = (P("vote_base") + P("vote_party") * party + P("vote_belonging") * (score - V.BELONGING_MIDPOINT)
                  + P("vote_age") * V.age10(age) + P("vote_owner_commodity") * (owner & commodity)
                  + P("vote_community_sd") * rng.normal(0, 1, len(com))[idx])
    mu_act = np.exp(P("activities_base") + P("activities_party") * party + P("activities_belonging") * (score - V.BELONGING_MIDPOINT)
                    + P("activities_coverage") * coverage)
    return pd.DataFrame({
        "resident_id": [f"R{i + 1:05d}" for i in range(n)],
        "community_id": com["community_id"].to_numpy()[idx],
        "age": age, "sex": np.where(male, "男", "女"), "tenure_years": tenure,
        "housing": np.where(owner, "自有住房", "租住"), "party_member": party, **items,
        "trust_rc": trust, "satisfaction": satisfaction,
        "voted": rng.random(n) < _expit(vote_logit),
        "activities": _nb(rng, mu_act, P("activities_nb_alpha")),
        "is_simulated": True,
    })


def _workers(rng, com: pd.DataFrame) -> pd.DataFrame:
    idx = np.repeat(np.arange(len(com)), com["staff"].to_numpy())
    n = len(idx)
    streets = com["street_id"].to_numpy()
    street_codes, street_index = np.unique(streets, return_inverse=True)
    street_pay = rng.normal(0, P("pay_street_sd"), len(street_codes))
    age = np.clip(np.round(rng.normal(36, 8, n)), 22, 58).astype(int)
    male = rng.random(n) < 0.30   # calibration §4.5 (Jiangsu sample: 30.1% male)
    tenure = np.minimum(age - 22, np.floor(rng.gamma(2.0, 2.5, n))).astype(int)
    pay = np.round(P("pay_base") + P("pay_tenure") * tenure + street_pay[street_index[idx]]
                   + rng.normal(0, P("pay_resid_sd"), n)).astype(int)
    hours = np.clip(np.round(rng.normal(V.HOURS_CENTRE, 6, n)), 35, 70).astype(int)
    pay_k, hours10 = V.pay_k(pay), V.hours10(hours)
    intention = rng.random(n) < _expit(P("intention_base") + P("intention_pay") * pay_k
                                       + P("intention_hours") * hours10 + P("intention_male") * male)
    hazard = P("exit_base_rate") * np.exp(P("exit_pay") * pay_k + P("exit_hours") * hours10
                                          + P("exit_intention") * intention)
    time = rng.exponential(1 / hazard)
    return pd.DataFrame({
        "worker_id": [f"W{i + 1:04d}" for i in range(n)],
        "community_id": com["community_id"].to_numpy()[idx],
        "street_id": streets[idx],
        "age": age, "sex": np.where(male, "男", "女"), "tenure_years": tenure,
        "monthly_pay": pay, "weekly_hours": hours, "turnover_intention": intention,
        "followup_years": np.round(np.minimum(time, FOLLOWUP_YEARS), 3),
        "exited": time < FOLLOWUP_YEARS,
        "is_simulated": True,
    })


def admin_task_mean(t: np.ndarray) -> np.ndarray:
    """Expected administrative tasks per community-month at month index ``t`` (0 = Jan 2018), before shocks."""
    t0 = MONTHS.get_loc(BURDEN_LIST_MONTH)
    post = t >= t0
    return (P("admin_tasks_base") + P("admin_tasks_trend") * t + P("burden_list_level") * post
            + P("burden_list_slope") * (t - t0) * post)


def _months(rng, com: pd.DataFrame) -> pd.DataFrame:
    nc, nm = len(com), len(MONTHS)
    t = np.arange(nm)
    shock = np.zeros(nm)
    innov = rng.normal(0, P("admin_shock_sd"), nm)
    for i in range(nm):
        shock[i] = (P("admin_shock_ar") * shock[i - 1] if i else 0.0) + innov[i]
    size = rng.gamma(20, 1 / 20, nc)
    size = size / size.mean()   # community-average task rate equals the city-wide mean exactly
    platform = (com["platform_date"].to_numpy()[:, None] <= MONTHS.to_numpy()[None, :])
    requests = rng.poisson(np.repeat(com["households"].to_numpy()[:, None] / 1000 * P("requests_per_1000"), nm, 1))
    days = (P("resolve_days_base") + rng.normal(0, P("resolve_days_community_sd"), nc)[:, None]
            + rng.normal(0, P("resolve_days_month_sd"), nm)[None, :] + P("platform_days") * platform
            + rng.normal(0, P("resolve_days_noise_sd"), (nc, nm)))
    repeat_p = _expit(np.log(P("repeat_share") / (1 - P("repeat_share"))) + P("platform_repeat") * platform)
    duplicates = com["reporting_systems"].to_numpy()[:, None] * P("duplicate_per_system") * np.exp(
        P("platform_duplicates") * platform)
    admin = np.maximum(admin_task_mean(t) + shock, 0)[None, :] * size[:, None]
    return pd.DataFrame({
        "community_id": np.repeat(com["community_id"].to_numpy(), nm),
        "month": np.tile(MONTHS, nc),
        "requests": requests.ravel(),
        "days_to_resolve": np.round(np.maximum(days, 0.5), 2).ravel(),
        "repeat_visits": rng.binomial(requests, repeat_p).ravel(),
        "duplicate_reports": rng.poisson(duplicates).ravel(),
        "admin_tasks": rng.poisson(admin).ravel(),
        "service_tasks": rng.poisson(P("service_tasks_base") * np.repeat(size[:, None], nm, 1)).ravel(),
        "platform": platform.ravel(),
        "is_simulated": True,
    })


def sbd_effect(cohort: float, year) -> np.ndarray:
    """True 双报到 effect (percentage points) for a community of adoption ``cohort`` in ``year``; 0 before."""
    year = np.asarray(year, dtype=float)
    if not np.isfinite(cohort):
        return np.zeros_like(year)
    c = int(cohort)
    e = year - c
    return np.where(e >= 0, P(f"sbd_effect_{c}") + P(f"sbd_growth_{c}") * e, 0.0)


def _years(rng, com: pd.DataFrame) -> pd.DataFrame:
    nc, ny = len(com), len(YEARS)
    cohort = com["shuangbaodao_year"].to_numpy(dtype=float, na_value=np.nan)
    effect = np.vstack([sbd_effect(c, YEARS) for c in cohort])
    level = (P("participation_base") + P("participation_complaints") * complaints10(com)
             + rng.normal(0, P("participation_community_sd"), nc))
    rate = (level[:, None] + P("participation_trend") * (YEARS - YEARS[0])[None, :]
            + rng.normal(0, P("participation_year_sd"), ny)[None, :] + effect
            + rng.normal(0, P("participation_noise_sd"), (nc, ny)))
    return pd.DataFrame({
        "community_id": np.repeat(com["community_id"].to_numpy(), ny),
        "year": np.tile(YEARS, nc),
        "shuangbaodao_year": pd.array(np.repeat(cohort, ny), dtype="Int64"),
        "participation_rate": np.round(np.clip(rate, 0, 100), 2).ravel(),
        "shuangbaodao": (YEARS[None, :] >= np.nan_to_num(cohort, nan=9999)[:, None]).ravel(),
        "is_simulated": True,
    })


def _truth(com: pd.DataFrame) -> dict:
    """Truths that follow from the parameters and the design (not estimated from the data)."""
    cohort = com["shuangbaodao_year"].dropna().astype(int)
    sizes = cohort.value_counts().sort_index()
    att = {str(c): float(np.mean(sbd_effect(c, YEARS[YEARS >= c]))) for c in sizes.index}
    cells = {c: n * int((YEARS >= c).sum()) for c, n in sizes.items()}
    overall = sum(att[str(c)] * w for c, w in cells.items()) / sum(cells.values())
    event = {}
    for e in range(0, int(YEARS[-1] - min(SBD_COHORTS)) + 1):
        obs = [(c, n) for c, n in sizes.items() if c + e <= YEARS[-1]]
        event[str(e)] = float(sum(float(sbd_effect(c, c + e)) * n for c, n in obs) / sum(n for _, n in obs))
    return {
        "sbd_att_by_cohort": att,
        "sbd_att_overall": float(overall),
        "sbd_att_by_event_time": event,
        "vote_icc": logistic_icc(P("vote_community_sd")),
        "pay_icc_street": float(P("pay_street_sd") ** 2 / (P("pay_street_sd") ** 2 + P("pay_resid_sd") ** 2)),
        "burden_list_month": BURDEN_LIST_MONTH.strftime("%Y-%m-%d"),
        "platform_dates": [d.strftime("%Y-%m-%d") for d in PLATFORM_DATES],
        "followup_years": FOLLOWUP_YEARS,
    }


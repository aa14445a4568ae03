"""Estimators that take a DataFrame and return tidy results.

Every coefficient table is a DataFrame with one row per estimate (term, estimate, std_error,
conf_low, conf_high, p_value, n, model), because statsmodels' summary tables render badly
in HTML and LaTeX. Models on the log-odds, log-rate or log-hazard scale add ``exp_estimate``,
``exp_conf_low`` and ``exp_conf_high`` (odds, rate or hazard ratios). Functions never load data;
bad input (a missing column, a column without variation) raises a ValueError naming the column.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "model"]
Z95 = stats.norm.ppf(0.975)


# ---- helpers ---------------------------------------------------------------------------------

def tidy(result, model: str = "", alpha: float = 0.05) -> pd.DataFrame:
    """Tidy coefficient table of a fitted statsmodels result (95% intervals by default)."""
    names = result.params.index if hasattr(result.params, "index") else result.model.exog_names
    ci = np.asarray(result.conf_int(alpha=alpha))
    return pd.DataFrame({
        "term": list(names),
        "estimate": np.asarray(result.params),
        "std_error": np.asarray(result.bse),
        "conf_low": ci[:, 0],
        "conf_high": ci[:, 1],
        "p_value": np.asarray(result.pvalues),
        "n": int(getattr(result, "nobs", None) or result.model.exog.shape[0]),
        "model": model,
    }, columns=TIDY_COLUMNS)


def exponentiate(table: pd.DataFrame) -> pd.DataFrame:
    """Add exp(estimate) and its interval: odds ratios (logit), rate ratios (counts), hazard ratios (Cox)."""
    return table.assign(exp_estimate=np.exp(table["estimate"]), exp_conf_low=np.exp(table["conf_low"]),
                        exp_conf_high=np.exp(table["conf_high"]))


_FUNCTIONS = {"C", "I", "Q", "np", "log", "exp", "sqrt", "center", "standardize", "scale", "Treatment",
              "Sum", "Diff", "Poly", "bs", "cr", "cc", "te", "poly"}


def formula_columns(formula: str) -> list[str]:
    """Column names a formula uses (names followed by '(' or after '.' are functions; quotes are levels)."""
    text = re.sub(r"(['\"]).*?\1", " ", formula)
    names = re.findall(r"(?<![\w.])([A-Za-z_]\w*)(?!\s*[(\w])", text)
    return list(dict.fromkeys(n for n in names if n not in _FUNCTIONS))


def _numeric(column: pd.Series) -> pd.Series:
    """Nullable pandas types (Int64, Float64, boolean, string) as plain numpy dtypes."""
    if isinstance(column.dtype, pd.BooleanDtype) or column.dtype == bool:
        return column.astype("float64")
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    if isinstance(column.dtype, pd.StringDtype):
        return column.astype(object)
    return column


def prepare(data: pd.DataFrame, columns, vary=None) -> pd.DataFrame:
    """The named columns as plain dtypes, rows with missing values dropped.

    Raises ValueError naming a column that is missing from ``data``, or (for those in ``vary``,
    by default all) a column with fewer than two distinct values after dropping missing rows.
    """
    columns = list(dict.fromkeys(columns))
    for name in columns:
        if name not in data.columns:
            raise ValueError(f"数据中没有列 “{name}” (column {name!r} not found)")
    frame = pd.DataFrame({c: _numeric(data[c]) for c in columns}).dropna()
    if frame.empty:
        raise ValueError(f"去掉缺失值后没有剩下任何行 (no complete rows in columns {columns})")
    for name in columns if vary is None else vary:
        if frame[name].nunique() < 2:
            raise ValueError(f"列 “{name}” 没有变异 (column {name!r} has no variation)")
    return frame


def _fit_formula(data, formula, extra=()):
    return prepare(data, formula_columns(formula) + list(extra),
                   vary=[c for c in formula_columns(formula) if c not in extra])


# ---- regression models -----------------------------------------------------------------------

def ols(data: pd.DataFrame, formula: str, cluster: str | None = None) -> pd.DataFrame:
    """Linear regression; standard errors clustered by ``cluster`` if given, else HC1."""
    frame = _fit_formula(data, formula, [cluster] if cluster else [])
    fit = smf.ols(formula, frame).fit(**_cov(frame, cluster, "HC1"))
    return tidy(fit, "OLS" + (f"（按 {cluster} 聚类）" if cluster else ""))


def _cov(frame, cluster, default):
    if cluster:
        return {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(frame[cluster])[0]}}
    return {"cov_type": default}


def logit(data: pd.DataFrame, formula: str, cluster: str | None = None) -> pd.DataFrame:
    """Binary logit with odds ratios; standard errors clustered by ``cluster`` (e.g. community) if given."""
    frame = _fit_formula(data, formula, [cluster] if cluster else [])
    fit = smf.logit(formula, frame).fit(disp=False, **_cov(frame, cluster, "nonrobust"))
    return exponentiate(tidy(fit, "logit" + (f"（按 {cluster} 聚类）" if cluster else "")))


def ordered_logit(data: pd.DataFrame, formula: str, cluster: str | None = None) -> pd.DataFrame:
    """Ordered (proportional-odds) logit; rows ``a/b`` are the thresholds on the latent scale.

    The formula has no intercept (the thresholds take its place); odds ratios are for the slopes.
    With ``cluster`` (e.g. ``"community_id"``) the standard errors are cluster-robust (sandwich with
    scores summed by cluster, small-sample factor G/(G−1)·(n−1)/(n−k), as statsmodels' ``cov_type=
    "cluster"``); without it they assume independent respondents, which is far too small for a
    community-level regressor (chapter 03).
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame = _fit_formula(data, formula, [cluster] if cluster else [])
    outcome = formula_columns(formula)[0]
    levels = sorted(frame[outcome].unique())
    frame[outcome] = pd.Categorical(frame[outcome], categories=levels, ordered=True)
    model = OrderedModel.from_formula(formula, frame, distr="logit")
    fit = model.fit(method="bfgs", disp=False, maxiter=2000, **_cov(frame, cluster, "nonrobust"))
    table = exponentiate(tidy(fit, "ordered logit" + (f"（按 {cluster} 聚类）" if cluster else "")))
    k = len(levels) - 1
    # statsmodels stores thresholds as the first cut and log increments; report the cuts themselves.
    cuts = model.transform_threshold_params(fit.params.to_numpy())[1:-1]
    table.iloc[-k:, table.columns.get_loc("estimate")] = cuts
    names = [f"{_level(a)}/{_level(b)}" for a, b in zip(levels[:-1], levels[1:])]
    table.iloc[-k:, table.columns.get_loc("term")] = names
    table.iloc[-k:, [table.columns.get_loc(c) for c in
                     ("std_error", "conf_low", "conf_high", "p_value", "exp_estimate", "exp_conf_low",
                      "exp_conf_high")]] = np.nan
    return table


def _level(x) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def counts(data: pd.DataFrame, formula: str, family: str = "poisson", cluster: str | None = None) -> pd.DataFrame:
    """Poisson or negative-binomial (NB2) count model with rate ratios; ``alpha`` is the NB dispersion."""
    frame = _fit_formula(data, formula, [cluster] if cluster else [])
    if family not in ("poisson", "negbin"):
        raise ValueError(f"family 只能是 'poisson' 或 'negbin' (got {family!r})")
    fitter = smf.poisson if family == "poisson" else smf.negativebinomial
    fit = fitter(formula, frame).fit(disp=False, maxiter=200, **_cov(frame, cluster, "nonrobust"))
    label = ("Poisson" if family == "poisson" else "负二项 NB2") + (f"（按 {cluster} 聚类）" if cluster else "")
    table = exponentiate(tidy(fit, label))
    table.loc[table["term"] == "alpha", ["exp_estimate", "exp_conf_low", "exp_conf_high"]] = np.nan
    return table


# ---- multilevel models -----------------------------------------------------------------------

def _extra_rows(rows: dict, n: int, model: str) -> pd.DataFrame:
    return pd.DataFrame([{"term": k, "estimate": v, "std_error": np.nan, "conf_low": np.nan,
                          "conf_high": np.nan, "p_value": np.nan, "n": n, "model": model}
                         for k, v in rows.items()], columns=TIDY_COLUMNS)


def mixed_linear(data: pd.DataFrame, formula: str, group: str) -> pd.DataFrame:
    """Linear random-intercept model (REML); extra rows: group and residual variance, ICC."""
    frame = _fit_formula(data, formula, [group])
    fit = smf.mixedlm(formula, frame, groups=frame[group]).fit(reml=True)
    label = f"线性多层模型（{group} 随机截距）"
    fixed = tidy(fit, label).iloc[: len(fit.fe_params)]
    var_group, var_resid = float(fit.cov_re.iloc[0, 0]), float(fit.scale)
    extra = _extra_rows({f"var({group})": var_group, "var(residual)": var_resid,
                         "ICC": var_group / (var_group + var_resid)}, int(fit.nobs), label)
    return pd.concat([fixed, extra], ignore_index=True)


def logistic_icc(sd: float) -> float:
    """Latent-scale ICC of a random-intercept logit: σ² / (σ² + π²/3)."""
    return sd**2 / (sd**2 + math.pi**2 / 3)


def median_odds_ratio(sd: float) -> float:
    """Median odds ratio between two random communities: exp(√(2σ²) · Φ⁻¹(0.75))."""
    return math.exp(math.sqrt(2 * sd**2) * stats.norm.ppf(0.75))


def mixed_logit(data: pd.DataFrame, formula: str, group: str) -> pd.DataFrame:
    """Logistic random-intercept model (variational Bayes, ``BinomialBayesMixedGLM``).

    Intervals are posterior mean ± 1.96 posterior SD (approximate); extra rows: sd(group), ICC, MOR.
    Use it for the ICC and MOR: variational posterior SDs of fixed effects are far too small for
    community-level regressors (chapter 07 measured one 6 times smaller than a clustered logit's SE).
    """
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    frame = _fit_formula(data, formula, [group])
    frame["_group"] = pd.factorize(frame[group])[0]
    model = BinomialBayesMixedGLM.from_formula(formula, {group: "0 + C(_group)"}, frame)
    fit = model.fit_vb()
    label = f"多层 logit（{group} 随机截距，变分贝叶斯）"
    mean, sd = fit.fe_mean, fit.fe_sd
    fixed = pd.DataFrame({"term": model.exog_names[: len(mean)], "estimate": mean, "std_error": sd,
                          "conf_low": mean - Z95 * sd, "conf_high": mean + Z95 * sd,
                          "p_value": 2 * stats.norm.sf(np.abs(mean / sd)), "n": len(frame), "model": label},
                         columns=TIDY_COLUMNS)
    sigma = float(np.exp(fit.vcp_mean[0]))
    extra = _extra_rows({f"sd({group})": sigma, "ICC": logistic_icc(sigma), "MOR": median_odds_ratio(sigma)},
                        len(frame), label)
    return pd.concat([exponentiate(fixed), extra], ignore_index=True)


# ---- measurement -----------------------------------------------------------------------------

def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's α = k/(k−1) · (1 − Σ var(item) / var(total)), sample variances, complete rows only."""
    frame = prepare(items, items.columns)
    k = frame.shape[1]
    if k < 2:
        raise ValueError("α 至少需要两个题目 (Cronbach's alpha needs at least two items)")
    total = frame.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - frame.var(ddof=1).sum() / total))


def factor_analysis(items: pd.DataFrame, n_factor: int = 1, rotation: str | None = "promax") -> pd.DataFrame:
    """Maximum-likelihood exploratory factor analysis; loadings by item, plus communality.

    Loadings are sign-indeterminate: each factor is flipped so that its loadings sum to a positive
    number, and factors are ordered by their sum of squared loadings.
    """
    from statsmodels.multivariate.factor import Factor

    frame = prepare(items, items.columns)
    fit = Factor(frame.to_numpy(), n_factor=n_factor, method="ml").fit()
    if rotation and n_factor > 1:
        fit.rotate(rotation)
    loadings = fit.loadings * np.sign(fit.loadings.sum(axis=0))
    loadings = loadings[:, np.argsort(-(loadings**2).sum(axis=0), kind="stable")]
    table = pd.DataFrame(loadings, index=frame.columns, columns=[f"factor_{j + 1}" for j in range(n_factor)])
    return table.assign(communality=1 - fit.uniqueness)


# ---- mediation ---------------------------------------------------------------------------------

def mediation(data: pd.DataFrame, mediator_formula: str, outcome_formula: str, exposure: str, mediator: str,
              outcome_family: str = "logit", n_rep: int = 500, seed: int = 0) -> pd.DataFrame:
    """Decompose the exposure's effect into indirect (through the mediator) and direct parts.

    Imai–Keele–Tingley simulation method (``statsmodels.stats.mediation.Mediation``): the mediator is
    modelled by OLS, the outcome by logit or OLS. Reading the result as causal needs *sequential
    ignorability*: no unmeasured confounding of exposure→outcome, exposure→mediator and
    mediator→outcome, and no mediator–outcome confounder affected by the exposure. With one
    cross-sectional survey none of these is guaranteed: report it as a descriptive decomposition.
    """
    from statsmodels.stats.mediation import Mediation

    frame = prepare(data, formula_columns(mediator_formula) + formula_columns(outcome_formula))
    for name in (exposure, mediator):
        if name not in frame.columns:
            raise ValueError(f"数据中没有列 “{name}” (column {name!r} not found)")
    med_model = sm.OLS.from_formula(mediator_formula, frame)
    fam = sm.families.Binomial() if outcome_family == "logit" else sm.families.Gaussian()
    out_model = sm.GLM.from_formula(outcome_formula, frame, family=fam)
    fit = Mediation(out_model, med_model, exposure, mediator).fit(n_rep=n_rep, rng=seed)
    summary = fit.summary()
    rows = {"间接效应 ACME": "ACME (average)", "直接效应 ADE": "ADE (average)", "总效应": "Total effect",
            "中介比例": "Prop. mediated (average)"}
    return pd.DataFrame([{"term": k, "estimate": summary.loc[v, "Estimate"], "std_error": np.nan,
                          "conf_low": summary.loc[v, "Lower CI bound"], "conf_high": summary.loc[v, "Upper CI bound"],
                          "p_value": summary.loc[v, "P-value"], "n": len(frame), "model": "中介分析（描述性分解）"}
                         for k, v in rows.items()], columns=TIDY_COLUMNS)


# ---- survival ----------------------------------------------------------------------------------

def kaplan_meier(data: pd.DataFrame, duration: str, event: str, group: str | None = None) -> pd.DataFrame:
    """Kaplan–Meier survival at each event time, with 95% log(−log) intervals, by ``group`` if given."""
    from statsmodels.duration.survfunc import SurvfuncRight

    frame = prepare(data, [duration, event] + ([group] if group else []), vary=[event])
    parts = frame.groupby(group, sort=True) if group else [("全部", frame)]
    out = []
    for key, part in parts:
        sf = SurvfuncRight(part[duration].to_numpy(), part[event].to_numpy())
        s, se = sf.surv_prob, sf.surv_prob_se
        with np.errstate(divide="ignore", invalid="ignore"):
            half = Z95 * se / (s * np.abs(np.log(s)))
            low, high = np.exp(-np.exp(np.log(-np.log(s)) + half)), np.exp(-np.exp(np.log(-np.log(s)) - half))
        out.append(pd.DataFrame({"group": key, "time": sf.surv_times, "n_risk": sf.n_risk, "n_events": sf.n_events,
                                 "survival": s, "std_error": se, "conf_low": np.where(s < 1, low, np.nan),
                                 "conf_high": np.where(s < 1, high, np.nan)}))
    return pd.concat(out, ignore_index=True)


def cox(data: pd.DataFrame, formula: str, event: str) -> pd.DataFrame:
    """Cox proportional-hazards model (Breslow ties) with hazard ratios; ``formula`` is ``duration ~ x``."""
    frame = _fit_formula(data, formula, [event])
    if frame[event].nunique() < 2 and not frame[event].any():
        raise ValueError(f"列 “{event}” 中没有事件 (column {event!r} has no events)")
    fit = smf.phreg(formula, frame, status=frame[event].to_numpy(), ties="breslow").fit()
    return exponentiate(tidy(fit, "Cox 比例风险").assign(n=len(frame)))


# ---- policy evaluation: DiD, event study, cohort comparisons, ITS --------------------------------

def did_twfe(data: pd.DataFrame, outcome: str, treatment: str, unit: str, time: str) -> pd.DataFrame:
    """Two-way fixed-effects DiD: outcome ~ treatment + unit FE + time FE, SE clustered by unit.

    With staggered adoption and effects that change over time or differ by cohort this single
    coefficient is a weighted mix of 2×2 comparisons, some using already-treated units as controls.
    """
    frame = prepare(data, [outcome, treatment, unit, time])
    fit = smf.ols(f"{outcome} ~ {treatment} + C({unit}) + C({time})", frame).fit(**_cov(frame, unit, ""))
    table = tidy(fit, "双向固定效应 TWFE")
    return table[table["term"] == treatment].reset_index(drop=True)


def event_study(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                leads: int | None = None, lags: int | None = None, by_cohort: bool = False) -> pd.DataFrame:
    """Event study: effects by event time (periods since adoption) with unit and time FE, SE clustered by unit.

    ``cohort`` is the adoption period (missing = never adopts); event time −1 is the reference.
    ``leads``/``lags`` bin event times beyond them into the end points (default: no binning).
    The plain version pools all cohorts at each event time, which is biased when effects differ by
    cohort; ``by_cohort=True`` estimates each cohort's path against never-adopters and averages them
    with cohort-size weights (interaction-weighted estimator of Sun and Abraham, 2021).
    """
    for name in (outcome, unit, time, cohort):
        if name not in data.columns:
            raise ValueError(f"数据中没有列 “{name}” (column {name!r} not found)")
    frame = prepare(data, [outcome, unit, time], vary=[outcome, time])
    frame["_cohort"] = _numeric(data.loc[frame.index, cohort])
    rel = (frame[time] - frame["_cohort"]).clip(lower=-leads if leads else None, upper=lags)
    groups = sorted(frame["_cohort"].dropna().unique()) if by_cohort else [None]
    cells = []   # (event time, cohort, column name)
    for g in groups:
        mine = frame["_cohort"] == g if by_cohort else frame["_cohort"].notna()
        for e in sorted(rel[mine].dropna().unique()):
            if e != -1:
                name = f"_e{int(e) + 1000}_{int(g) if by_cohort else 0}"
                frame[name] = ((rel == e) & mine).astype(float)
                cells.append((int(e), g, name))
    if not cells:
        raise ValueError(f"列 “{cohort}” 中没有采用时间 (column {cohort!r} has no adoption times)")
    formula = f"{outcome} ~ {' + '.join(c for _, _, c in cells)} + C({unit}) + C({time})"
    fit = smf.ols(formula, frame).fit(**_cov(frame, unit, ""))
    sizes = frame.drop_duplicates(unit)["_cohort"].value_counts()
    rows = []
    for e in sorted({e for e, _, _ in cells}):
        here = [(g, c) for ee, g, c in cells if ee == e]
        weights = pd.Series({c: (sizes[g] if by_cohort else 1.0) for g, c in here}, dtype=float)
        weights = weights.reindex(fit.params.index, fill_value=0.0) / weights.sum()
        est, var = float(weights @ fit.params), float(weights @ fit.cov_params() @ weights)
        se = math.sqrt(var)
        rows.append({"term": f"e={e}", "estimate": est, "std_error": se, "conf_low": est - Z95 * se,
                     "conf_high": est + Z95 * se, "p_value": 2 * stats.norm.sf(abs(est / se)),
                     "n": int(fit.nobs), "model": "事件研究（分批次加权）" if by_cohort else "事件研究（TWFE）",
                     "event_time": e})
    return pd.DataFrame(rows)


def cohort_2x2(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str) -> pd.DataFrame:
    """Every 2×2 DiD between adoption cohorts, the building blocks of the TWFE estimate.

    For treated cohort g and comparison h: h never adopts (whole period, a clean comparison); h adopts
    later (periods before h adopts, clean); h adopted earlier (periods from h's adoption on: the
    "forbidden" comparison that uses already-treated units as controls). Each is a unit- and time-FE
    regression on its subsample, which in a balanced panel equals the difference of before–after means;
    SE clustered by unit.
    """
    for name in (outcome, unit, time, cohort):
        if name not in data.columns:
            raise ValueError(f"数据中没有列 “{name}” (column {name!r} not found)")
    frame = prepare(data, [outcome, unit, time], vary=[outcome, time])
    frame["_cohort"] = _numeric(data.loc[frame.index, cohort])
    cohorts = sorted(frame["_cohort"].dropna().unique())
    if not cohorts:
        raise ValueError(f"列 “{cohort}” 中没有采用时间 (column {cohort!r} has no adoption times)")
    rows = []
    for g in cohorts:
        for h in [np.nan] + [c for c in cohorts if c != g]:
            if np.isnan(h):
                sub, kind = frame[(frame["_cohort"] == g) | frame["_cohort"].isna()], "对照：从未采用"
            elif h > g:
                sub, kind = frame[frame["_cohort"].isin([g, h]) & (frame[time] < h)], "对照：尚未采用（较晚批次）"
            else:
                sub, kind = frame[frame["_cohort"].isin([g, h]) & (frame[time] >= h)], "对照：已采用（禁用比较）"
            sub = sub.assign(_d=((sub["_cohort"] == g) & (sub[time] >= g)).astype(float))
            if sub["_d"].nunique() < 2 or sub[time].nunique() < 2:
                continue
            fit = smf.ols(f"{outcome} ~ _d + C({unit}) + C({time})", sub).fit(**_cov(sub, unit, ""))
            row = tidy(fit, "2×2 DiD").set_index("term").loc["_d"].to_dict()
            rows.append({**row, "term": f"{int(g)} 对 {'从未采用' if np.isnan(h) else int(h)}", "cohort": int(g),
                         "comparison": None if np.isnan(h) else int(h), "kind": kind,
                         "n_units": sub[unit].nunique()})
    return pd.DataFrame(rows)


def its(data: pd.DataFrame, outcome: str, time: str, start, maxlags: int | None = None) -> pd.DataFrame:
    """Interrupted time series: outcome ~ trend + level_change + slope_change, Newey–West (HAC) SE.

    ``time`` is a sortable column (dates or integers) with one row per period; ``start`` is the first
    period under the intervention. ``maxlags`` defaults to ⌊4 (n/100)^(2/9)⌋.
    """
    frame, design = _its_design(data, outcome, time, start)
    lags = maxlags if maxlags is not None else int(4 * (len(frame) / 100) ** (2 / 9))
    fit = sm.OLS(frame[outcome].to_numpy(float), design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return tidy(fit, f"中断时间序列（HAC，滞后 {lags}）")


def _its_design(data: pd.DataFrame, outcome: str, time: str, start) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sorted series and the ITS design matrix: const, trend, level_change, slope_change."""
    frame = prepare(data, [outcome, time]).sort_values(time).reset_index(drop=True)
    if frame[time].duplicated().any():
        raise ValueError(f"列 “{time}” 有重复的时期：先按时期汇总 (column {time!r} has repeated periods)")
    post = (frame[time] >= start).to_numpy()
    if post.all() or not post.any():
        raise ValueError(f"干预时点 {start} 之前或之后没有观测 (no periods before or after {start})")
    t = np.arange(len(frame), dtype=float)
    t0 = t[post][0]
    design = pd.DataFrame({"const": 1.0, "trend": t, "level_change": post.astype(float),
                           "slope_change": np.where(post, t - t0, 0.0)})
    return frame, design


def anova_icc(values: pd.Series, groups: pd.Series) -> float:
    """One-way ANOVA (method-of-moments) ICC(1): the share of variance between ``groups``.

    σ²_between = (MSB − MSW) / n₀ with n₀ the unbalanced-design group size, floored at 0;
    ICC = σ²_between / (σ²_between + MSW). Cheap at any sample size, unlike the mixed models.
    """
    values = values.astype(float)
    stats = values.groupby(groups).agg(["size", "mean"])
    n, k, grand = len(values), len(stats), values.mean()
    within = ((values - groups.map(stats["mean"])) ** 2).sum() / (n - k)
    between = (stats["size"] * (stats["mean"] - grand) ** 2).sum() / (k - 1)
    n0 = (n - (stats["size"] ** 2).sum() / n) / (k - 1)
    var_group = max((between - within) / n0, 0.0)
    return var_group / (var_group + within)


# ---- survival time scales, proportional hazards, few clusters (chapters 05, 10, 11) ----------------

def cox_delayed_entry(data: pd.DataFrame, formula: str, event: str, entry: str) -> pd.DataFrame:
    """Cox model with delayed entry (left truncation): a person is at risk only after ``entry``.

    Use it when the time scale starts before observation does, e.g. tenure as the time scale for
    workers first seen in a survey: entry = tenure at the survey, duration = tenure at exit or at the
    end of follow-up. Those who left before the survey were never seen; without ``entry`` the early
    years would look safer than they are. Breslow ties, hazard ratios as in :func:`cox`.
    """
    frame = _fit_formula(data, formula, [event, entry])
    duration = formula_columns(formula)[0]
    if (frame[entry] >= frame[duration]).any():
        row = frame.index[(frame[entry] >= frame[duration]).to_numpy()][0]
        raise ValueError(f"第 {row} 行：进入时间 “{entry}” 不早于结束时间 “{duration}” "
                         f"(row {row}: column {entry!r} must be below {duration!r})")
    fit = smf.phreg(formula, frame, status=frame[event].to_numpy(), entry=frame[entry].to_numpy(),
                    ties="breslow").fit()
    return exponentiate(tidy(fit, "Cox 比例风险（延迟进入）").assign(n=len(frame)))


def schoenfeld_test(data: pd.DataFrame, formula: str, event: str, entry: str | None = None) -> pd.DataFrame:
    """Check proportional hazards: correlate each covariate's Schoenfeld residuals with the rank of the
    event time (the rank form of the Grambsch–Therneau test).

    Under proportional hazards the residuals have no trend over time; ``rho`` is their correlation
    with ranked event time, ``p_value`` that of a t test of rho = 0 over the events. A high early
    hazard is a feature of the baseline hazard h0(t) and does not show up here; a covariate whose
    effect fades or grows over time does.
    """
    frame = _fit_formula(data, formula, [event] + ([entry] if entry else []))
    kwargs = {"entry": frame[entry].to_numpy()} if entry else {}
    fit = smf.phreg(formula, frame, status=frame[event].to_numpy(), ties="breslow", **kwargs).fit()
    residuals = np.asarray(fit.schoenfeld_residuals)
    duration = formula_columns(formula)[0]
    events = np.isfinite(residuals).all(axis=1)
    ranks = stats.rankdata(frame[duration].to_numpy()[events])
    rows = []
    for j, term in enumerate(fit.model.exog_names):
        rho, p = stats.pearsonr(residuals[events, j], ranks)
        rows.append({"term": term, "rho": float(rho), "p_value": float(p), "n_events": int(events.sum())})
    return pd.DataFrame(rows)


def cox_coefficients(time, event, exog) -> tuple[np.ndarray, np.ndarray]:
    """Cox coefficients and standard errors (Breslow ties) from arrays, by Newton–Raphson.

    The same estimator as :func:`cox` (statsmodels ``PHReg``), about a hundred times faster, for Monte
    Carlo loops that refit a model hundreds of times; ``tests/test_models.py`` checks it against PHReg.
    """
    time, event = np.asarray(time, float), np.asarray(event, bool)
    x = np.asarray(exog, float).reshape(len(time), -1)
    order = np.argsort(-time, kind="stable")
    time, event, x = time[order], event[order], x[order]
    # the risk set of a death at t is everyone with time ≥ t: the prefix up to the last tie of t
    last = np.searchsorted(-time, -time, side="right") - 1
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        w = np.exp(x @ beta)
        s0 = np.cumsum(w)[last][event]
        s1 = np.cumsum(w[:, None] * x, axis=0)[last][event]
        s2 = np.cumsum(w[:, None, None] * x[:, :, None] * x[:, None, :], axis=0)[last][event]
        mean = s1 / s0[:, None]
        score = (x[event] - mean).sum(axis=0)
        info = (s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
        step = np.linalg.solve(info, score)
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return beta, np.sqrt(np.diag(np.linalg.inv(info)))


def _rademacher(n_clusters: int, reps: int, seed: int) -> np.ndarray:
    """Rademacher weights, clusters × draws: every sign pattern when 2^G ≤ reps (exact), else random."""
    if 2 ** n_clusters <= reps:
        codes = np.arange(2 ** n_clusters)
        return 1.0 - 2.0 * ((codes[None, :] >> np.arange(n_clusters)[:, None]) & 1)
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_clusters, reps))


def _wcr_pvalue(x, y, groups, j, null, weights) -> float:
    """Restricted wild cluster bootstrap (WCR) p-value of β_j = null (t statistics with CR0 variance:
    the CR1 factor cancels between the statistic and its bootstrap draws)."""
    xtx_inv = np.linalg.inv(x.T @ x)
    a = x @ xtx_inv[:, j]                               # β̂_j = a'y
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    n_groups = groups.max() + 1
    score = np.bincount(groups, weights=a * resid, minlength=n_groups)
    t_stat = (beta[j] - null) / np.sqrt((score ** 2).sum())
    # restricted residuals: the model refitted with β_j fixed at the null
    others = np.delete(np.arange(x.shape[1]), j)
    y_null = y - null * x[:, j]
    restricted = y_null - x[:, others] @ np.linalg.lstsq(x[:, others], y_null, rcond=None)[0]
    s = np.bincount(groups, weights=a * restricted, minlength=n_groups)
    # bootstrap residuals M(v∘ũ): cluster h's score is Σ_g C[h, g] v_g
    xg_u = np.vstack([x[groups == g].T @ restricted[groups == g] for g in range(n_groups)])   # G × k
    ah_xh = np.vstack([a[groups == h] @ x[groups == h] for h in range(n_groups)])              # G × k
    c = np.diag(s) - ah_xh @ xtx_inv @ xg_u.T
    t_boot = (s @ weights) / np.sqrt(((c @ weights) ** 2).sum(axis=0))
    return float(np.mean(np.abs(t_boot) >= abs(t_stat) * (1 - 1e-9)))   # the draw v = ±1 ties with t


def wild_cluster_bootstrap(data: pd.DataFrame, formula: str, term: str, cluster: str, null: float = 0.0,
                           reps: int = 9999, seed: int = 0, interval: bool = True) -> pd.DataFrame:
    """Restricted wild cluster bootstrap (WCR, Rademacher weights) for one coefficient of a linear model.

    With few clusters (fewer than about 40, or very unequal ones) cluster-robust standard errors are
    too small and t tests reject a true null too often. The WCR bootstrap imposes the null, flips the
    sign of each cluster's restricted residuals, and compares the CR1 t statistic with its bootstrap
    distribution (Cameron, Gelbach and Miller 2008). With 2^G ≤ ``reps`` every sign pattern is used, so
    the p-value is exact and needs no seed. ``interval=True`` inverts the test: the 95% interval holds
    every value of the coefficient that the bootstrap test does not reject at 5%. The p-value equals
    that of ``wildboottest`` up to the two draws v = ±1, which tie with the observed statistic and are
    counted here as at least as extreme (``tests/test_models.py``). One row: estimate, CR1 standard error,
    inverted interval, bootstrap p-value, ``p_value_cr1`` (t with G−1 df) and ``n_clusters``.
    """
    frame = _fit_formula(data, formula, [cluster])
    model = smf.ols(formula, frame)
    if term not in model.exog_names:
        raise ValueError(f"模型中没有自变量 “{term}” (term {term!r} not in {model.exog_names})")
    x, y = model.exog, model.endog
    groups = pd.factorize(frame[cluster])[0]
    n_groups = int(groups.max()) + 1
    if n_groups < 2:
        raise ValueError(f"列 “{cluster}” 只有一个聚类 (column {cluster!r} has a single cluster)")
    j = model.exog_names.index(term)
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    weights = _rademacher(n_groups, reps, seed)
    p_value = _wcr_pvalue(x, y, groups, j, null, weights)
    estimate, se = float(fit.params.iloc[j]), float(fit.bse.iloc[j])
    low = high = np.nan
    if interval:
        def rejected(value):
            return _wcr_pvalue(x, y, groups, j, value, weights) <= 0.05

        def edge(inside, outside):
            while not rejected(outside):          # widen until the test rejects
                inside, outside = outside, outside + (outside - inside)
            for _ in range(30):                   # then bisect
                middle = (inside + outside) / 2
                inside, outside = (inside, middle) if rejected(middle) else (middle, outside)
            return (inside + outside) / 2
        low, high = edge(estimate, estimate - 4 * se), edge(estimate, estimate + 4 * se)
    p_cr1 = float(2 * stats.t.sf(abs(estimate / se), n_groups - 1))
    return pd.DataFrame([{"term": term, "estimate": estimate, "std_error": se, "conf_low": low,
                          "conf_high": high, "p_value": p_value, "n": int(fit.nobs),
                          "model": f"野聚类自助法（WCR，{n_groups} 个聚类）", "p_value_cr1": p_cr1,
                          "n_clusters": n_groups}])

# ---- Monte Carlo coverage of intervals (chapters 07–09) --------------------------------------

#: A coverage statement rests on at least this many replications (issue 14).
MIN_REPLICATIONS = 200


def interval_coverage(estimates, std_errors, true_value: float, level: float = 0.95) -> dict[str, float]:
    """Share of Wald intervals ``estimate ± z·se`` that contain ``true_value``, over Monte Carlo replications.

    Returns ``replications``, ``coverage`` (a share, 0–1) and ``mc_se``, its Monte Carlo standard error
    √(p(1−p)/R). Refuses fewer than :data:`MIN_REPLICATIONS` replications: a handful of draws cannot
    show coverage.
    """
    estimates, std_errors = np.asarray(estimates, float), np.asarray(std_errors, float)
    if estimates.shape != std_errors.shape or estimates.ndim != 1:
        raise ValueError("estimates 与 std_errors 必须是等长的一维序列 (estimates and std_errors must be 1-D, same length)")
    if len(estimates) < MIN_REPLICATIONS:
        raise ValueError(f"覆盖率至少需要 {MIN_REPLICATIONS} 次重复，只有 {len(estimates)} 次 "
                         f"(coverage needs at least {MIN_REPLICATIONS} replications, got {len(estimates)})")
    if not (np.isfinite(estimates).all() and (std_errors > 0).all()):
        raise ValueError("估计值须为有限数、标准误须为正 (estimates must be finite and standard errors positive)")
    z = stats.norm.ppf(0.5 + level / 2)
    share = float(np.mean(np.abs(estimates - true_value) <= z * std_errors))
    return {"replications": len(estimates), "coverage": share,
            "mc_se": math.sqrt(share * (1 - share) / len(estimates))}


# ---- power of a cluster-randomised evaluation (path chapters 07–11) --------------------------------

def design_effect(m: float, icc: float, cv: float = 0.0) -> float:
    """Design effect of cluster sampling: 1 + (m − 1)·ICC with ``m`` residents per community.

    With unequal community sizes (coefficient of variation ``cv`` of the sizes) the Eldridge–Ashby–
    Kerry (2006) form 1 + ((cv² + 1)·m − 1)·ICC is used; cv = 0 gives the usual formula.
    """
    if not m >= 1:
        raise ValueError(f"每个社区的居民数 m 至少为 1 (m must be at least 1, got {m!r})")
    if not 0 <= icc < 1:
        raise ValueError(f"ICC 应在 [0, 1) 之间 (icc must be in [0, 1), got {icc!r})")
    if not cv >= 0:
        raise ValueError(f"社区规模的变异系数 cv 不能为负 (cv must be non-negative, got {cv!r})")
    return 1 + ((cv ** 2 + 1) * m - 1) * icc


def cluster_power(effect_size: float, icc: float, m: int, n_clusters: float | None = None,
                  power: float | None = None, alpha: float = 0.05, cv: float = 0.0,
                  method: str = "t") -> dict:
    """Power, or the number of communities needed, for a two-arm comparison randomised by community.

    Give ``n_clusters`` (communities per arm) to get the power, or ``power`` to get the communities per
    arm (rounded up). ``effect_size`` is the standardised difference between the arms at the resident
    level (Cohen's d; for a share use ``statsmodels.stats.proportion.proportion_effectsize``); ``m``
    residents are surveyed in each community; ``icc`` is the share of the outcome's variance between
    communities. The resident-level sample is inflated by the design effect 1 + (m − 1)·ICC
    (:func:`design_effect`): the effective sample per arm is n_clusters · m / DE.

    ``method="normal"``: statsmodels ``NormalIndPower`` on that effective sample, the closed form
    n = 2 (z₁₋α/₂ + z₁₋β)² · DE / d² per arm. ``method="t"`` (default): the equivalent analysis of
    community means, a two-sample t test with 2·n_clusters − 2 degrees of freedom
    (``TTestIndPower`` with effect size d·√(m/DE)); with few communities it is the honest one.
    Returns a dict: effect_size, icc, m, design_effect, clusters_per_arm, clusters_total,
    residents_per_arm, residents_total, effective_n_per_arm, power, alpha, method.
    """
    from statsmodels.stats.power import NormalIndPower, TTestIndPower

    if (n_clusters is None) == (power is None):
        raise ValueError("n_clusters 和 power 要给且只给一个 (give exactly one of n_clusters and power)")
    if not effect_size > 0:
        raise ValueError(f"效应量应为正数 (effect_size must be positive, got {effect_size!r})")
    if method not in ("t", "normal"):
        raise ValueError(f"method 只能是 't' 或 'normal' (got {method!r})")
    deff = design_effect(m, icc, cv)
    if method == "t":   # community means: variance σ²·DE/m, so d_c = d·√(m/DE), n = communities per arm
        engine, size, per = TTestIndPower(), effect_size * math.sqrt(m / deff), 1.0
    else:               # residents: effective n = communities · m / DE
        engine, size, per = NormalIndPower(), effect_size, m / deff
    if n_clusters is None:
        if not 0 < power < 1:
            raise ValueError(f"power 应在 (0, 1) 之间 (power must be in (0, 1), got {power!r})")
        needed = float(engine.solve_power(effect_size=size, alpha=alpha, power=power, ratio=1.0)) / per
        n_clusters = max(math.ceil(needed - 1e-9), 2)
    if not n_clusters >= 2:
        raise ValueError(f"每组至少需要两个社区 (n_clusters must be at least 2, got {n_clusters!r})")
    achieved = float(engine.power(effect_size=size, nobs1=n_clusters * per, alpha=alpha, ratio=1.0))
    return {"effect_size": float(effect_size), "icc": float(icc), "m": m, "design_effect": deff,
            "clusters_per_arm": n_clusters, "clusters_total": 2 * n_clusters,
            "residents_per_arm": n_clusters * m, "residents_total": 2 * n_clusters * m,
            "effective_n_per_arm": n_clusters * m / deff, "power": achieved, "alpha": alpha,
            "method": method}

# ---- survey design: weights, strata and clusters (chapter 03) ------------------------------------
# samplics 0.6.1 does this too, but would add polars, polars-runtime and pyarrow to the lock (measured with
# ``pip install --dry-run samplics``); the weighted mean below is a few lines, and weighted regressions use
# statsmodels (WLS with cluster-robust SEs), which the lock already has.

def _survey_frame(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"survey_mean: 数据中没有列 {missing} (missing columns)")
    frame = data[columns].dropna()
    if frame.empty:
        raise ValueError(f"survey_mean: 列 {columns} 去掉缺失值后没有观测 (no complete rows)")
    return frame


def survey_mean(data: pd.DataFrame, y: str, weight: str, cluster: str, strata: str | None = None,
                level: float = 0.95) -> pd.DataFrame:
    """Weighted (Hájek) mean of ``y`` in a stratified cluster sample, with its Taylor-linearised standard error.

    Clusters (``cluster``, e.g. communities) are the primary sampling units, treated as drawn with replacement
    within strata (``strata``, e.g. community type; None = one stratum) — the usual approximation of survey
    software. With z_i = w_i (y_i − ȳ_w) / Σw and Z_hc the sum of z_i over cluster c of stratum h,
    Var(ȳ_w) = Σ_h n_h/(n_h − 1) Σ_c (Z_hc − Z̄_h)², n_h the clusters of stratum h. The interval uses a t
    distribution with (clusters − strata) degrees of freedom.

    Returns one tidy row: term, estimate, std_error, conf_low, conf_high, n, n_clusters, n_strata,
    design_effect (design variance ÷ the variance of an unweighted mean of n independent draws) and
    kish_deff = n·Σw²/(Σw)² (the part of the design effect due to unequal weights alone).
    """
    frame = _survey_frame(data, [y, weight, cluster] + ([strata] if strata else []))
    values, w = frame[y].astype(float).to_numpy(), frame[weight].astype(float).to_numpy()
    if (w <= 0).any() or not np.isfinite(w).all():
        bad = frame.index[(w <= 0) | ~np.isfinite(w)][0]
        raise ValueError(f"survey_mean: 权重必须为正 (weights must be positive): 行 {bad!r}, 列 {weight!r}")
    mean = float(np.sum(w * values) / np.sum(w))
    z = pd.Series(w * (values - mean) / np.sum(w), index=frame.index)
    stratum = frame[strata] if strata else pd.Series(0, index=frame.index)
    totals = z.groupby([stratum, frame[cluster]]).sum()
    n_h = totals.groupby(level=0).size()
    if (n_h < 2).any():
        raise ValueError(f"survey_mean: 层 {list(n_h[n_h < 2].index)} 只有一个聚类，无法估计方差 "
                         "(a stratum with a single cluster)")
    centred = totals - totals.groupby(level=0).transform("mean")
    variance = float((centred.pow(2).groupby(level=0).sum() * n_h / (n_h - 1)).sum())
    se = math.sqrt(variance)
    df = int(len(totals) - len(n_h))
    t = stats.t.ppf(0.5 + level / 2, df)
    n = len(frame)
    return pd.DataFrame([{"term": y, "estimate": mean, "std_error": se, "conf_low": mean - t * se,
                          "conf_high": mean + t * se, "n": n, "n_clusters": len(totals), "n_strata": len(n_h),
                          "design_effect": variance / (np.var(values, ddof=1) / n),
                          "kish_deff": float(n * np.sum(w ** 2) / np.sum(w) ** 2),
                          "model": "加权均值（泰勒线性化，" + (f"按 {strata} 分层、" if strata else "")
                                   + f"按 {cluster} 聚类）"}])



# ---- path chapters 07–09: group-time effects by hand, observed-scale ICC (w2-embed) --------------

def group_time_att(data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
                   control: str = "not_yet") -> pd.DataFrame:
    """Callaway–Sant'Anna group-time effects ATT(g, t) from four means (balanced panel, no covariates).

    ATT(g, t) = [mean change of cohort g from g−1 to t] − [the same change for the comparison units];
    comparison units are never-adopters (``control="never"``) or, with ``control="not_yet"``, also the
    cohorts that have not adopted by max(t, g−1). The base period is g−1 for every t (a "universal"
    base), so pre-adoption cells are placebo checks. A teaching version: the chapter uses diff-diff's
    ``CallawaySantAnna``, which gives the same point estimates and the standard errors.
    """
    if control not in ("never", "not_yet"):
        raise ValueError(f"control 只能是 'never' 或 'not_yet' (got {control!r})")
    for name in (outcome, unit, time, cohort):
        if name not in data.columns:
            raise ValueError(f"数据中没有列 “{name}” (column {name!r} not found)")
    wide = data.pivot_table(index=unit, columns=time, values=outcome, aggfunc="first")
    if wide.isna().any().any():
        raise ValueError(f"列 “{outcome}” 的面板不平衡或有缺失 (panel of {outcome!r} is unbalanced or has missing values)")
    adopt = _numeric(data.drop_duplicates(unit).set_index(unit)[cohort]).reindex(wide.index)
    rows = []
    for g in sorted(adopt.dropna().unique()):
        base = g - 1
        if base not in wide.columns:
            continue
        for t in wide.columns:
            if t == base:
                continue
            later = adopt > max(t, base) if control == "not_yet" else pd.Series(False, index=adopt.index)
            comparison = adopt.isna() | (later & (adopt != g))
            change = wide[t] - wide[base]
            rows.append({"cohort": int(g), "time": int(t), "event_time": int(t - g),
                         "estimate": float(change[adopt == g].mean() - change[comparison].mean()),
                         "n_treated": int((adopt == g).sum()), "n_comparison": int(comparison.sum())})
    if not rows:
        raise ValueError(f"列 “{cohort}” 中没有可用的采用时间 (column {cohort!r} has no usable adoption times)")
    return pd.DataFrame(rows)


def observed_icc(sd: float, mean: float, nodes: int = 60) -> float:
    """ICC of a 0/1 outcome on its own scale, from a random-intercept logit's SD and the mean share.

    The design effect 1 + (m − 1)·ICC needs the ICC of the 0/1 responses, not the latent-scale
    σ²/(σ² + π²/3): it is Var_u(p_j) / (p̄(1 − p̄)), with p_j = expit(η + u_j), u_j ~ N(0, σ²) and η
    chosen so that E(p_j) = ``mean`` (Gauss–Hermite quadrature).
    """
    if not 0 < mean < 1:
        raise ValueError(f"平均比例应在 (0, 1) 之间 (mean must be in (0, 1), got {mean!r})")
    if not sd >= 0:
        raise ValueError(f"随机截距标准差不能为负 (sd must be non-negative, got {sd!r})")
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    expit = lambda eta: 1 / (1 + np.exp(-(eta + sd * z)))
    from scipy.optimize import brentq
    eta = brentq(lambda e: float(w @ expit(e)) - mean, -30, 30)
    p = expit(eta)
    return float(w @ (p - mean) ** 2) / (mean * (1 - mean))


def its_ar1(data: pd.DataFrame, outcome: str, time: str, start, maxiter: int = 10) -> pd.DataFrame:
    """Interrupted time series with AR(1) errors: feasible GLS (statsmodels ``GLSAR``, iterated).

    The same design as :func:`its`, but instead of correcting OLS standard errors afterwards (HAC),
    the first-order autocorrelation ρ of the errors is estimated from the residuals and the series
    is quasi-differenced (y_t − ρ y_{t−1}), refitting until ρ settles; the first period is dropped.
    In short series with AR(1) errors its intervals cover far better than Newey–West's (chapter 11).
    The estimated ρ is in column ``rho``.
    """
    frame, design = _its_design(data, outcome, time, start)
    model = sm.GLSAR(frame[outcome].to_numpy(float), design, rho=1)
    fit = model.iterative_fit(maxiter=maxiter)
    rho = float(model.rho[0])
    return tidy(fit, f"中断时间序列（AR(1) 误差，GLSAR，ρ = {rho:.2f}）").assign(rho=rho)

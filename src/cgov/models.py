"""Estimators that take a DataFrame and return tidy results.

Every function returns a DataFrame with one row per estimate (term, estimate, std_error,
conf_low, conf_high, p_value, n, model), because statsmodels' summary tables render badly
in HTML and LaTeX.
"""
from __future__ import annotations

import pandas as pd

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "model"]


def tidy(result, model: str = "", alpha: float = 0.05) -> pd.DataFrame:
    """Tidy coefficient table of a fitted statsmodels result (95% intervals by default)."""
    ci = result.conf_int(alpha=alpha)
    ci = pd.DataFrame(ci, index=result.params.index) if not isinstance(ci, pd.DataFrame) else ci
    return pd.DataFrame({
        "term": result.params.index,
        "estimate": result.params.to_numpy(),
        "std_error": result.bse.to_numpy(),
        "conf_low": ci.iloc[:, 0].to_numpy(),
        "conf_high": ci.iloc[:, 1].to_numpy(),
        "p_value": result.pvalues.to_numpy(),
        "n": int(result.nobs),
        "model": model,
    }, columns=TIDY_COLUMNS)

"""The table of true parameters for the questionnaire appendix (the items come from :mod:`cgov.codebook`)."""
from __future__ import annotations

import pandas as pd

from cgov.sim.parameters import PARAMETERS


def parameters_table() -> pd.DataFrame:
    """Every true parameter with its value, scale and source."""
    return pd.DataFrame([{"参数": f"`{name}`", "取值": f"{p.value:.4g}", "含义与单位": p.scale,
                          "来源": "教学设定 (chosen for teaching)" if p.source == "chosen for teaching" else p.source}
                         for name, p in PARAMETERS.items()])

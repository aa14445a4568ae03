"""The true parameters of the simulated world, read from ``data/sim/sim_parameters.json``.

Chapters and tests compare estimates with these values through :func:`truth` — one reader, not one
per chapter. The file is written by the simulator beside the data it describes.
"""
from __future__ import annotations

import json
from functools import lru_cache

from cgov import paths

#: Sections of the parameter file searched in this order.
_SECTIONS = ("parameters", "truth", "design", "shuangbaodao_cohorts")


@lru_cache(maxsize=1)
def _stored() -> dict:
    return json.loads((paths.SIM / "sim_parameters.json").read_text(encoding="utf-8"))


def truth(name: str):
    """The true value called ``name``: a generating parameter's ``value``, a derived truth (e.g.
    ``sbd_att_overall``), a design constant (``n_streets``) or a cohort setting. Unknown names fail
    with the list of known ones."""
    stored = _stored()
    for section in _SECTIONS:
        if name in stored.get(section, {}):
            entry = stored[section][name]
            return entry["value"] if section == "parameters" else entry
    known = sorted(k for section in _SECTIONS for k in stored.get(section, {}))
    raise KeyError(f"模拟世界没有名为 {name!r} 的真实参数 (no true parameter {name!r}); known: {', '.join(known)}")


def source(name: str) -> str:
    """Where a generating parameter's value comes from (a published figure, or 'chosen for teaching')."""
    return _stored()["parameters"][name]["source"]

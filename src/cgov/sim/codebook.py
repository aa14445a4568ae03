"""The simulated files: the questionnaire codebook of :mod:`cgov.codebook`, with ``sim_`` names and a flag.

Each table of the neutral codebook becomes one simulated file ``sim_<name>.csv`` whose last column,
``is_simulated``, is always true. The generator writes columns in this order and :mod:`cgov.sim.files`
derives the Table Schema of ``data/sim/datapackage.json`` from it, so data and schema cannot drift apart.
"""
from __future__ import annotations

from dataclasses import replace

from cgov import codebook
from cgov.codebook import SECTIONS, YES_NO, Table, Var

SIM_PREFIX = "sim_"
SIM_FLAG_NOTE = "固定为 true：本行是模拟数据（教学用，非真实数据）"
IS_SIMULATED = Var("is_simulated", "boolean", "是否模拟数据", SIM_FLAG_NOTE, answers=YES_NO, kind="record")


def simulated(table: Table) -> Table:
    """The simulated file of a codebook table: ``sim_`` name, the same variables, then ``is_simulated``."""
    return replace(table, name=SIM_PREFIX + table.name, variables=(*table.variables, IS_SIMULATED))


COMMUNITIES, RESIDENTS, WORKERS, MONTHS, YEARS = TABLES = tuple(simulated(t) for t in codebook.TABLES)

__all__ = ["COMMUNITIES", "IS_SIMULATED", "MONTHS", "RESIDENTS", "SECTIONS", "TABLES", "Table", "Var", "WORKERS",
           "YEARS", "simulated"]

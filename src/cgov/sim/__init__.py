"""The simulated teaching world — 模拟数据（教学用，非真实数据）.

``simulate(Design(seed=...))`` returns the tables in memory; ``write`` stores them in ``data/sim/``
with their data package and true parameters; ``python -m cgov.sim`` does both. This package never
imports :mod:`cgov.models`: the truth is not computed by the tools it is used to test.
"""
from cgov.sim.codebook import SECTIONS, TABLES
from cgov.sim.files import SIM_TITLE, write
from cgov.sim.parameters import PARAMETERS, Param
from cgov.sim.truth import truth
from cgov.sim.world import Design, World, simulate

__all__ = ["Design", "PARAMETERS", "Param", "SECTIONS", "SIM_TITLE", "TABLES", "World", "simulate", "truth", "write"]

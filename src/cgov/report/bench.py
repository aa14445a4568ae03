"""``make bench-report``: time and peak memory of ``cgov report`` on 100 000 respondents in 500 communities.

The survey and community files are drawn at random from the codebook (every answer a valid code or a
value in its plausible range; :mod:`cgov.report` never uses the simulator) and written to a temporary
folder; the report runs as a separate process, as a user would run it. Exits non-zero when the issue's
limits (30 s, 2 GB) are exceeded. Wall time depends on what else the machine runs; the CPU time printed
beside it does not.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cgov.codebook import COMMUNITIES, RESIDENTS, Table, Var

N_COMMUNITIES, PER_COMMUNITY, SEED = 500, 200, 20240701
LIMIT_SECONDS, LIMIT_MB = 30.0, 2048.0
#: Upper ends for variables without a maximum in the codebook (random draws only).
_SPAN = {"integer": 60, "number": 60.0}


def _column(var: Var, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random valid values of one codebook variable (within its plausible range, nothing in the future)."""
    if var.answers:
        return rng.choice([str(code) for code, _ in var.answers], size=n)
    field = var.field()
    if var.type == "date":
        low, high = pd.Timestamp(field.minimum), pd.Timestamp(field.maximum)
        return low + pd.to_timedelta(rng.integers(0, (high - low).days + 1, n), unit="D")
    low = field.minimum if field.minimum is not None else 0
    high = min(field.maximum, low + _SPAN[var.type]) if field.maximum is not None else low + _SPAN[var.type]
    if var.type == "integer":
        return rng.integers(int(low), int(high) + 1, n)
    return np.round(rng.uniform(low, high, n), var.decimals)


def synthetic(table: Table, ids: dict[str, np.ndarray], n: int, seed: int) -> pd.DataFrame:
    """A random table of ``n`` rows with the codebook columns of ``table``; ``ids`` gives the id columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({v.name: ids[v.name] if v.name in ids else _column(v, n, rng) for v in table.variables})


def files(folder: Path) -> tuple[Path, Path]:
    """Write the benchmark's survey and community files into ``folder``."""
    community_ids = np.array([f"C{i + 1:03d}" for i in range(N_COMMUNITIES)])
    n = N_COMMUNITIES * PER_COMMUNITY
    places = synthetic(COMMUNITIES, {"community_id": community_ids,
                                     "street_id": np.repeat([f"S{i + 1:02d}" for i in range(N_COMMUNITIES // 10)],
                                                            10)}, N_COMMUNITIES, SEED)
    people = synthetic(RESIDENTS, {"resident_id": np.array([f"R{i + 1:06d}" for i in range(n)]),
                                   "community_id": np.repeat(community_ids, PER_COMMUNITY)}, n, SEED + 1)
    survey, communities = folder / "survey.csv", folder / "communities.csv"
    people.to_csv(survey, index=False)
    places.to_csv(communities, index=False, date_format="%Y-%m-%d")
    return survey, communities


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cgov-bench-report-") as folder:
        folder = Path(folder)
        survey, places = files(folder)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cgov", "report", str(survey), "--communities", str(places),
                               "--out", str(folder / "report")], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        if proc.returncode:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return proc.returncode
        size = sum(p.stat().st_size for p in (folder / "report").rglob("*") if p.is_file())
    print(f"cgov report: {N_COMMUNITIES * PER_COMMUNITY:,} respondents in {N_COMMUNITIES} communities: "
          f"{seconds:.1f} s wall ({cpu:.1f} s CPU), peak memory {peak_mb:.0f} MB, report {size / 1e6:.1f} MB "
          f"(limits {LIMIT_SECONDS:.0f} s, {LIMIT_MB:.0f} MB)")
    return 0 if seconds < LIMIT_SECONDS and peak_mb < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())

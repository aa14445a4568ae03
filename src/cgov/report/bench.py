"""``make bench-report``: time and peak memory of ``cgov report`` on 100 000 respondents in 500 communities.

The survey is simulated (:func:`cgov.sim.simulate` with a larger design) and written to a temporary
folder; the report runs as a separate process, as a user would run it. Exits non-zero when the issue's
limits (30 s, 2 GB) are exceeded. Wall time depends on what else the machine runs; the CPU time
printed beside it does not.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cgov.sim import Design, simulate

DESIGN = Design(n_streets=50, communities_per_street=10, residents_per_community=200)
LIMIT_SECONDS, LIMIT_MB = 30.0, 2048.0


def main() -> int:
    tables = simulate(DESIGN).tables
    with tempfile.TemporaryDirectory(prefix="cgov-bench-report-") as folder:
        folder = Path(folder)
        survey, places = folder / "survey.csv", folder / "communities.csv"
        tables["sim_residents"].to_csv(survey, index=False)
        tables["sim_communities"].to_csv(places, index=False)
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
    n = len(tables["sim_residents"])
    print(f"cgov report: {n:,} respondents in {tables['sim_residents']['community_id'].nunique()} communities: "
          f"{seconds:.1f} s wall ({cpu:.1f} s CPU), peak memory {peak_mb:.0f} MB, report {size / 1e6:.1f} MB "
          f"(limits {LIMIT_SECONDS:.0f} s, {LIMIT_MB:.0f} MB)")
    return 0 if seconds < LIMIT_SECONDS and peak_mb < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())

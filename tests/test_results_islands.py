"""Key results of chapter 06-mechanisms (11-platforms: tests/chapters/test_11_platforms.py), checked against something independent:
the data files read directly (csv module, not cgov.data), or the simulation's true parameters."""
from __future__ import annotations

import csv
import json

import pytest

from conftest import ROOT

TRUTH = json.loads((ROOT / "data" / "sim" / "sim_parameters.json").read_text(encoding="utf-8"))["parameters"]


def true(name: str) -> float:
    return TRUTH[name]["value"]


def rows(name: str) -> list[dict]:
    path = ROOT / "data" / ("sim" if name.startswith("sim_") else "processed") / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def mechanisms(published):
    return published("06-mechanisms")


# ---- 06: real division codes ------------------------------------------------------------------

def test_code_retention_matches_the_matching_table(mechanisms):
    table = rows("unit_matching")
    kept = sum(int(r["matched_by_code"]) for r in table) / sum(int(r["units_from"]) for r in table)
    assert mechanisms["mech_code_kept_pooled"] == pytest.approx(100 * kept)
    worst = min(table, key=lambda r: int(r["matched_by_code"]) / int(r["units_from"]))
    assert mechanisms["mech_worst_period"] == int(worst["vintage_from"])
    assert mechanisms["mech_worst_lost_n"] == int(worst["unmatched_from"])
    # every earlier unit is matched by code, by name or not at all
    assert all(int(r["matched_by_code"]) + int(r["matched_by_name"]) + int(r["unmatched_from"]) == int(r["units_from"])
               for r in table)


def test_latest_unit_count_agrees_across_two_tables(mechanisms):
    last = max(rows("division_vintages"), key=lambda r: int(r["vintage"]))
    units = int(last["village_rows"]) - int(last["placeholder_rows"])
    assert mechanisms["mech_units_last"] == units
    assert units == int(max(rows("unit_matching"), key=lambda r: int(r["vintage_to"]))["units_to"])


def test_renamed_and_reused_county_codes(mechanisms):
    by_year: dict[int, dict[str, dict]] = {}
    for r in rows("county_units"):
        by_year.setdefault(int(r["vintage"]), {})[r["county_code"]] = r
    years = sorted(by_year)
    renamed = reused = 0
    for a, b in zip(years, years[1:]):
        for code, r in by_year[a].items():
            later = by_year[b].get(code)
            if later and later["county"] != r["county"]:
                renamed += 1
                reused += later["group_id"] != r["group_id"]
    assert (mechanisms["mech_counties_renamed"], mechanisms["mech_counties_reused"]) == (renamed, reused)
    assert 0 < reused < renamed


def test_village_to_rc_transitions_from_the_table(mechanisms):
    total = sum(int(r["units"]) for r in rows("unit_transitions")
                if (r["from_type"], r["to_type"]) == ("村委会", "居委会"))
    assert mechanisms["mech_village_to_rc"] == total


# ---- 06: simulated descriptives recover the generator's parameters -------------------------------

def test_simulated_descriptives_recover_the_truth(mechanisms):
    assert mechanisms["mech_sim_per_system_low"] <= true("duplicate_per_system") <= mechanisms["mech_sim_per_system_high"]
    assert mechanisms["mech_sim_days"] == pytest.approx(true("resolve_days_base"), abs=0.5)
    assert mechanisms["mech_sim_repeat"] == pytest.approx(100 * true("repeat_share"), abs=1.5)
    sd = {k: true(f"resolve_days_{k}_sd") for k in ("community", "month", "noise")}
    icc = sd["community"] ** 2 / sum(v ** 2 for v in sd.values())
    assert mechanisms["mech_sim_icc"] == pytest.approx(icc, abs=0.1)

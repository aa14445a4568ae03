"""Chapter 10-reorganisation: real numbers recomputed from the code and census tables and checked against
the published bulletins; simulated estimates checked against the true parameters and recomputed by hand."""
from __future__ import annotations

import csv
import math

import pytest

from cgov import data, paths
from cgov.sim import truth

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def reorganisation(published):
    return published("10-reorganisation")


@pytest.fixture(scope="module")
def units():
    frame = data.load("county_units")
    return frame[frame["vintage"] == frame["vintage"].max()]


# ---------- real data ----------

def test_national_counts_are_the_code_table_sums(reorganisation, units):
    assert reorganisation["rc_codes_last"] == int(units["residents_committees"].sum())
    assert reorganisation["streets_codes_last"] == int(units["subdistricts"].sum())
    assert reorganisation["rc_per_street_national_last"] > reorganisation["per_street_pooled"]   # the bound is an upper bound


def test_communities_per_street_in_street_only_units(reorganisation, units):
    only = units[(units["towns"] + units["townships"] + units["township_like"] == 0) & (units["subdistricts"] > 0)]
    ratio = only["residents_committees"] / only["subdistricts"]
    assert reorganisation["n_only_streets"] == len(only)
    assert reorganisation["per_street_median"] == pytest.approx(float(ratio.median()))
    assert reorganisation["per_street_q25"] < reorganisation["per_street_median"] < reorganisation["per_street_q75"]


def test_committee_members_per_committee_match_the_bulletins(reorganisation):
    # 2014 bulletin: 49.7万 居委会成员, 96,693 居委会; 2021: 65.7万 and 11.7万 (published counts)
    assert reorganisation["members_per_rc_2014"] == pytest.approx(497_000 / 96_693)
    assert reorganisation["members_per_rc_2021"] == pytest.approx(657_000 / 117_000)


def test_residents_per_committee_recomputed_from_the_census_table(reorganisation):
    with (paths.DATA / "processed" / "county_2020.csv").open(encoding="utf-8", newline="") as handle:
        values = sorted(float(r["urban_residents_per_committee"]) for r in csv.DictReader(handle)
                        if r["county_type"] == "市辖区" and r["urban_residents_per_committee"] != "")
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    assert reorganisation["residents_per_rc_median"] == pytest.approx(median)
    assert reorganisation["residents_per_member"] == pytest.approx(median / (616_000 / 113_000))


# ---------- simulated workers ----------

def workers() -> list[dict]:
    with (paths.SIM / "sim_workers.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_direct_effects_of_hours_and_intention_recover_the_truth(reorganisation):
    assert reorganisation["direct_hours"] == pytest.approx(truth("exit_hours"), abs=0.15)          # ≈ 2.5 SE
    assert reorganisation["direct_intention"] == pytest.approx(truth("exit_intention"), abs=0.2)   # ≈ 2.5 SE


def test_pay_misses_in_this_draw_and_the_text_calls_it_rare(reorganisation):
    assert reorganisation["direct_pay_low"] > truth("exit_pay")      # the interval lies above the true −0.30
    z = reorganisation["direct_pay_z"]
    assert reorganisation["direct_pay_p_miss"] == pytest.approx(100 * math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert reorganisation["direct_pay_p_miss"] < 2


def test_coverage_over_at_least_200_replications_with_its_monte_carlo_error(reorganisation):
    n = reorganisation["n_reps"]
    assert n >= 200
    share = reorganisation["rep_direct_cover"] / n
    assert reorganisation["rep_cover_share"] == pytest.approx(100 * share)
    assert reorganisation["rep_cover_mcse"] == pytest.approx(100 * math.sqrt(share * (1 - share) / n))
    assert abs(reorganisation["rep_cover_share"] - 95) < 3 * reorganisation["rep_cover_mcse"]
    assert reorganisation["rep_direct_mean"] == pytest.approx(truth("exit_pay"), abs=4 * reorganisation["rep_direct_mean_mcse"])
    assert reorganisation["rep_far"] <= 0.02 * n            # a miss as far as this draw's is rare over fresh worlds


def test_total_effect_mixes_mediation_with_non_collapsibility(reorganisation):
    assert reorganisation["rep_total_mean"] < truth("exit_pay") - 0.02                 # includes the path through intention
    # adding hours, independent of pay, still moves the pay coefficient away from zero (non-collapsibility)
    assert reorganisation["rep_noncollapse"] == pytest.approx(
        reorganisation["rep_total_mean"] - reorganisation["rep_pay_only_mean"])
    assert reorganisation["rep_noncollapse"] < 0
    assert reorganisation["rep_a_minus_b"] < reorganisation["rep_noncollapse"] < 0


def test_omitted_pay_makes_tenure_look_protective(reorganisation):
    assert reorganisation["c_tenure_high"] < 0                                   # tenure alone looks protective …
    assert reorganisation["d_tenure_low"] < 0 < reorganisation["d_tenure_high"]  # … not once pay is in the model


def test_exit_rate_in_the_first_year_in_post_recomputed_with_delayed_entry(reorganisation):
    exposure = exits = naive_exposure = 0.0
    for r in workers():
        entry, follow = float(r["tenure_years"]), float(r["followup_years"])
        end = entry + follow
        exposure += max(0.0, min(end, 1.0) - max(entry, 0.0))
        naive_exposure += max(0.0, min(end, 1.0))
        exits += r["exited"] == "true" and end < 1.0
    assert reorganisation["tenure_rate_first"] == pytest.approx(100 * exits / exposure)
    assert reorganisation["tenure_rate_first_naive"] == pytest.approx(100 * exits / naive_exposure)
    assert reorganisation["tenure_rate_first_naive"] < reorganisation["tenure_rate_first"]   # ignoring entry hides early exits


def test_tenure_time_scale_agrees_with_the_survey_time_scale(reorganisation):
    assert reorganisation["tenure_scale_pay"] == pytest.approx(reorganisation["direct_pay"], abs=0.05)
    assert reorganisation["tenure_ph_min_p"] > 0.01


def test_retention_is_higher_in_the_higher_pay_group(reorganisation):
    assert 0 < reorganisation["km_low"] < reorganisation["km_high"] < 100

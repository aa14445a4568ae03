"""Chapter 06-mechanisms: its published numbers against independent derivations.

Real numbers are recomputed from the processed CSV files with the csv module (not cgov.data), and the
new findings on type reversals and the Sichuan merger also straight from the raw division-code
tarballs (tarfile + csv, not cgov.divisions or the pipeline). Simulated numbers are checked against
the generator's true parameters.
"""
from __future__ import annotations

import csv
import re
import io
import statistics
import tarfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from cgov.divisions import VERSIONS, tarball
from cgov.sim import truth

pytestmark = pytest.mark.build       # every test reads the numbers of the strict build

ROOT = Path(__file__).resolve().parents[2]
VERSION_OF = {year: version for version, (year, _) in VERSIONS.items()}
RC, VC = range(1, 200), range(200, 400)          # digits 10-12 of a 居委会 / 村委会 code
UNIT_ENDINGS = ("社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会", "社区", "村")
TOWN_ENDINGS = ("街道办事处", "街道", "办事处", "镇", "乡", "苏木")


def rows(name: str) -> list[dict]:
    path = ROOT / "data" / "processed" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def mechanisms(published):
    return published("06-mechanisms")


# ---- raw tarballs, read independently of cgov.divisions ------------------------------------------

@lru_cache(maxsize=4)
def raw(year: int) -> tuple[dict[str, str], dict[str, str]]:
    """(village code -> name, township code -> name) of one vintage, read straight from its tarball."""
    path = tarball(VERSION_OF[year])
    if not path.is_file():
        pytest.fail(f"{path} not cached: run `make data` first (make test does)")
    tables = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in ("villages", "streets"):
            text = tar.extractfile(f"package/dist/{member}.csv").read().decode("utf-8")
            tables[member] = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
    tables["villages"].pop("350527000000", None)   # 金门县 placeholder, not a unit
    return tables["villages"], tables["streets"]


def kind(code: str) -> int:
    return int(code[9:12])


def stem(name: str, endings) -> str:
    """The name without any run of the given endings (社区居民委员会, 村 …)."""
    changed = True
    while changed:
        changed = False
        for ending in endings:
            if name.endswith(ending) and len(name) > len(ending):
                name, changed = name[: -len(ending)], True
    return name


@lru_cache(maxsize=2)
def name_matches(year: int) -> tuple[tuple[str, str], ...]:
    """(old code, new code) of units whose code is gone in the next vintage and that reappear under a
    new code with the same province, township name and name stem, each key unique among the left-over units."""
    (old, old_towns), (new, new_towns) = raw(year), raw(year + 1)

    def keyed(units, towns, other):
        left = [c for c in units if c not in other]
        keys = {c: (c[:2], stem(towns.get(c[:9], ""), TOWN_ENDINGS), stem(units[c], UNIT_ENDINGS)) for c in left}
        counts = Counter(keys.values())
        return {k: c for c, k in keys.items() if counts[k] == 1}

    before, after = keyed(old, old_towns, new), keyed(new, new_towns, old)
    return tuple((before[k], after[k]) for k in before.keys() & after.keys())


def reversals(year: int) -> list[tuple[str, str]]:
    """The name matches of :func:`name_matches` that were a 居委会 and are a 村委会."""
    return [(a, b) for a, b in name_matches(year) if kind(a) in RC and kind(b) in VC]


def committees(year: int, province: str) -> int:
    return sum(1 for code in raw(year)[0] if code.startswith(province) and kind(code) in VC)


# ---- code retention and county joins (processed tables) --------------------------------------------

def test_code_retention_matches_the_matching_table(mechanisms):
    table = rows("unit_matching")
    kept = sum(int(r["matched_by_code"]) for r in table) / sum(int(r["units_from"]) for r in table)
    assert mechanisms["mech_code_kept_pooled"] == pytest.approx(100 * kept)
    worst = min(table, key=lambda r: int(r["matched_by_code"]) / int(r["units_from"]))
    assert mechanisms["mech_worst_period"] == int(worst["vintage_from"])
    assert mechanisms["mech_worst_lost_n"] == int(worst["unmatched_from"])
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
    renamed = reused = broken = 0
    for a, b in zip(years, years[1:]):
        for code, r in by_year[a].items():
            later = by_year[b].get(code)
            if later and later["county"] != r["county"]:
                renamed += 1
                reused += later["group_id"] != r["group_id"]
            broken += bool(later) and later["county"] == r["county"] and later["group_id"] != r["group_id"]
    assert (mechanisms["mech_counties_renamed"], mechanisms["mech_counties_reused"]) == (renamed, reused)
    assert 0 < reused < renamed
    assert mechanisms["mech_broken_total"] == broken



def test_name_join_exercise_extra_rows_mix_wrong_and_right_matches():
    """The name-join exercise's solution: the looser key (province + name) gives fewer rows than there are
    units, its extra rows over province + prefecture + name hold wrong joins and right ones (a renamed
    prefecture), and a wrong join can be one-to-one (邢台's 桥东区, renamed, meets 张家口's)."""
    by_year: dict[int, list[dict]] = {}
    for r in rows("county_units"):
        by_year.setdefault(int(r["vintage"]), []).append(r)
    first, last = by_year[min(by_year)], by_year[max(by_year)]

    def pairs(keys):
        index: dict[tuple, list[str]] = {}
        for r in last:
            index.setdefault(tuple(r[k] for k in keys), []).append(r["county_code"])
        return [(r["county_code"], code) for r in first for code in index.get(tuple(r[k] for k in keys), [])]

    loose, strict = pairs(("province", "county")), pairs(("province", "city", "county"))
    assert len(strict) < len(loose) < len(first) and set(strict) <= set(loose)
    group = {r["county_code"]: r["group_id"] for r in first}
    group_after = {r["county_code"]: r["group_id"] for r in last}
    extra = set(loose) - set(strict)
    assert any(group[a] == group_after[b] for a, b in extra) and any(group[a] != group_after[b] for a, b in extra)
    many = [(a, b) for a, b in loose if sum(x == a for x, _ in loose) > 1]      # the solution's 一对多的行
    assert any(group[a] == group_after[b] for a, b in many) and any(group[a] != group_after[b] for a, b in many)
    assert [b for a, b in loose if a == "130502"] == ["130702"]
    assert ("542422", "540621") in extra                                    # 那曲地区 -> 那曲市

def test_type_flows_from_the_table(mechanisms):
    def total(pair):
        return sum(int(r["units"]) for r in rows("unit_transitions") if (r["from_type"], r["to_type"]) == pair)
    assert mechanisms["mech_village_to_rc"] == total(("村委会", "居委会"))
    assert mechanisms["mech_rc_to_village"] == total(("居委会", "村委会")) == 2909


# ---- reversals: 居委会 -> 村委会 ----------------------------------------------------------------------

def test_reversal_peak_and_its_provinces_from_the_table(mechanisms):
    per = Counter()
    for r in rows("unit_transitions"):
        if (r["from_type"], r["to_type"]) == ("居委会", "村委会"):
            per[(int(r["vintage_from"]), r["county_code"][:2])] += int(r["units"])
    by_period = Counter()
    for (year, _), n in per.items():
        by_period[year] += n
    peak = max(by_period, key=by_period.get)
    assert (mechanisms["mech_rev_peak_from"], mechanisms["mech_rev_peak"]) == (peak, by_period[peak]) == (2020, 1471)
    assert (mechanisms["mech_rev_shandong"], mechanisms["mech_rev_guizhou"]) == (per[(2020, "37")], per[(2020, "52")])
    assert mechanisms["mech_rev_two_share"] == pytest.approx(100 * (per[(2020, "37")] + per[(2020, "52")]) / 1471)
    assert mechanisms["mech_rev_peak"] > mechanisms["mech_fwd_peak"]   # more reversals than conversions that period
    assert mechanisms["mech_rev_gap"] == mechanisms["mech_gap_max"] == 16   # "是相邻版本间隔中最长的"


def test_reversals_recomputed_from_the_raw_tarballs(mechanisms):
    found = reversals(2020)
    assert len(found) == mechanisms["mech_rev_peak"]
    by_province = Counter(old[:2] for old, _ in found)
    assert (by_province["37"], by_province["52"]) == (mechanisms["mech_rev_shandong"], mechanisms["mech_rev_guizhou"])
    by_city = Counter(old[:4] for old, _ in found)
    assert (by_city["3707"], by_city["5205"]) == (mechanisms["mech_rev_weifang"], mechanisms["mech_rev_bijie"])


def test_reversed_units_were_renamed_as_village_committees_and_are_no_round_trips():
    """What the prose says of the reversals: the names change with the code (a 居 ending becomes a 村
    ending) almost without exception, and the great majority held the same 居委会 code a vintage earlier."""
    old, new = raw(2020)[0], raw(2021)[0]
    found = reversals(2020)
    residents = ("社区居民委员会", "社区居委会", "居民委员会", "居委会", "社区")
    villages = ("村民委员会", "村委会", "村")
    renamed = sum(old[a].endswith(residents) and new[b].endswith(villages) for a, b in found)
    assert renamed >= len(found) - 5
    same_code_earlier = sum(a in raw(2019)[0] for a, _ in found)
    assert same_code_earlier / len(found) > 0.9
    # the examples named in the prose
    named = {(old[a], new[b]) for a, b in found if a[:6] in ("370785", "520527")}
    assert {("东庄居民委员会", "东庄村民委员会"), ("拱桥社区居民委员会", "拱桥村民委员会")} <= named


def test_county_reversal_table_shares(mechanisms):
    base = Counter()                  # 2020 居委会 per harmonised county group (黔西县 520522 -> 黔西市 520581)
    for r in rows("county_units"):
        if r["vintage"] == "2020":
            base[r["group_id"]] += int(r["residents_committees"])
    moved, group = Counter(), {}
    for r in rows("unit_transitions"):
        if r["vintage_from"] == "2020" and (r["from_type"], r["to_type"]) == ("居委会", "村委会"):
            moved[r["county_code"]] += int(r["units"])
            group[r["county_code"]] = r["group_id"]
    large = {c: n for c, n in moved.items() if n >= 20}
    assert mechanisms["mech_rev_counties"] == len(moved)
    assert mechanisms["mech_rev_large"] == len(large)
    assert mechanisms["mech_rev_large_half"] == sum(n / base[group[c]] >= 0.5 for c, n in large.items())
    assert moved["370725"] / base[group["370725"]] > 0.95          # 昌乐县: nearly every 居委会


def test_later_reversals_moved_to_other_prefectures():
    """The exercise's solution: after the peak the reversals cluster in other prefectures."""
    city = {(r["vintage"], r["county_code"]): r["city"] for r in rows("county_units")}
    per = {2020: Counter(), 2021: Counter(), 2022: Counter()}
    for r in rows("unit_transitions"):
        year = int(r["vintage_from"])
        if year in per and (r["from_type"], r["to_type"]) == ("居委会", "村委会"):
            per[year][city[(str(year + 1), r["county_code"])]] += int(r["units"])
    assert {name for name, _ in per[2021].most_common(2)} == {"青岛市", "铜仁市"}
    assert [name for name, _ in per[2022].most_common(2)] == ["淄博市", "枣庄市"]
    assert per[2021]["潍坊市"] < per[2020]["潍坊市"] / 5          # "大为减少"


# ---- the 2019->20 spike: Sichuan's village merger ------------------------------------------------

def test_sichuan_committees_recomputed_from_the_raw_tarballs(mechanisms):
    assert mechanisms["mech_sc_vc_before"] == committees(2019, "51") == 45284
    assert mechanisms["mech_sc_vc_after"] == committees(2020, "51")
    assert mechanisms["mech_sc_vc_2021"] == committees(2021, "51")
    assert mechanisms["mech_sc_vc_pct"] == pytest.approx(100 * (1 - committees(2020, "51") / committees(2019, "51")))


def test_spike_code_changes_and_sichuans_share_from_the_raw_tarballs(mechanisms):
    before, after = raw(2019)[0], raw(2020)[0]
    gone = [code for code in before if code not in after]
    assert mechanisms["mech_spike_changed"] == len(gone) == 54255
    sichuan = sum(code.startswith("51") for code in gone)
    # the published lower bound (net decrease) holds, and the exact share is more than half
    assert mechanisms["mech_sc_lower_bound"] <= 100 * sichuan / len(gone)
    assert sichuan / len(gone) > 0.5
    net = sum(c.startswith("51") for c in before) - sum(c.startswith("51") for c in after)
    assert mechanisms["mech_sc_net"] == net
    # "按名称也只能找回其中一小部分": Sichuan's name matches are a small part of its vanished codes
    recovered = sum(a.startswith("51") for a, _ in name_matches(2019))
    assert recovered / sichuan < 0.15


def test_sichuan_net_change_and_county_distribution_from_the_tables(mechanisms):
    def units(year, province=None):
        return sum(int(r[c]) for r in rows("province_units") if r["vintage"] == str(year)
                   and (province is None or r["province_code"] == province)
                   for c in ("residents_committees", "village_committees", "residents_like", "village_like"))
    national = units(2019) - units(2020)
    assert mechanisms["mech_nat_net"] == national
    assert mechanisms["mech_sc_net_share"] == pytest.approx(100 * (units(2019, "51") - units(2020, "51")) / national)
    county = {(r["vintage"], r["county_code"]): r for r in rows("county_units") if r["province_code"] == "51"}
    drops = [1 - int(county[("2020", c)]["village_committees"]) / int(r["village_committees"])
             for (y, c), r in county.items() if y == "2019" and ("2020", c) in county
             and county[("2020", c)]["county"] == r["county"] and int(r["village_committees"]) > 0]
    assert mechanisms["mech_sc_counties"] == len(drops)
    assert mechanisms["mech_sc_county_median"] == pytest.approx(100 * statistics.median(drops))
    assert mechanisms["mech_sc_counties_30"] == sum(d >= 0.3 for d in drops)


def test_official_figures_agree_with_the_codes(mechanisms):
    # the NBS 2019 count and the reported pre-reform count differ by well under 1%
    assert mechanisms["mech_sc_official_gap"] < 1
    assert mechanisms["mech_sc_official_cut"] / mechanisms["mech_sc_official_before"] == pytest.approx(
        mechanisms["mech_sc_official_pct"] / 100, abs=5e-4)


# ---- simulated descriptives recover the generator's parameters -------------------------------------

def test_simulated_descriptives_recover_the_truth(mechanisms):
    assert mechanisms["mech_sim_per_system_low"] <= truth("duplicate_per_system") <= mechanisms["mech_sim_per_system_high"]
    assert mechanisms["mech_sim_days"] == pytest.approx(truth("resolve_days_base"), abs=0.5)
    assert mechanisms["mech_sim_repeat"] == pytest.approx(100 * truth("repeat_share"), abs=1.5)
    sd = {k: truth(f"resolve_days_{k}_sd") for k in ("community", "month", "noise")}
    icc = sd["community"] ** 2 / sum(v ** 2 for v in sd.values())
    assert mechanisms["mech_sim_icc"] == pytest.approx(icc, abs=0.1)
    assert mechanisms["mech_true_icc"] == pytest.approx(icc)



def test_interval_of_mean_days_counts_the_city_wide_monthly_shocks(strict_build):
    """The generator adds a city-wide shock each month, shared by every community: the standard error of the
    mean days before the platform comes from community means and month means (two-way, balanced panel)."""
    def sim(name):
        with (ROOT / "data" / "sim" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    start = min(r["platform_date"] for r in sim("sim_communities") if r["platform_date"])
    cells = [r for r in sim("sim_community_months") if r["month"] < start]
    by_community, by_month = {}, {}
    for r in cells:
        by_community.setdefault(r["community_id"], []).append(float(r["days_to_resolve"]))
        by_month.setdefault(r["month"], []).append(float(r["days_to_resolve"]))
    means = {name: [statistics.mean(v) for v in groups.values()] for name, groups in
             (("community", by_community), ("month", by_month))}
    se = (statistics.variance(means["community"]) / len(by_community)
          + statistics.variance(means["month"]) / len(by_month)) ** 0.5
    with (strict_build.results / "06-mechanisms" / "mechanisms_sim_summary.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["指标"].startswith("平均办结天数"))
    low, high = (float(x) for x in row["95% 区间"].split("—"))
    assert (high - low) / (2 * 1.959964) == pytest.approx(se, rel=0.05)
    assert low < truth("resolve_days_base") < high

# ---- township level (街道、镇、乡), from the raw tarballs with dicts and Counters -----------------------

def town_stem(name: str) -> str:
    """Township name without a bracketed note and without the endings in TOWN_ENDINGS."""
    return stem(re.sub(r"[（(][^）)]*[）)]$", "", name), TOWN_ENDINGS)


@lru_cache(maxsize=8)
def township_classes(year: int) -> Counter:
    """Classes of the townships of ``year`` in ``year + 1``: kept, renamed, recoded, moved, unmatched."""
    old, new = ({c: n for c, n in raw(y)[1].items() if c != "350527000"} for y in (year, year + 1))
    out = Counter()
    for code in old.keys() & new.keys():
        out["kept" if town_stem(old[code]) == town_stem(new[code]) else "renamed"] += 1
    left = {c: n for c, n in old.items() if c not in new}
    right = {c: n for c, n in new.items() if c not in old}
    for label, width in (("recoded", 6), ("moved", 2)):
        def unique(units):
            keys = {c: (c[:width], town_stem(n)) for c, n in units.items()}
            counts = Counter(keys.values())
            return {k: c for c, k in keys.items() if counts[k] == 1}
        a, b = unique(left), unique(right)
        both = a.keys() & b.keys()
        out[label] = len(both)
        for key in both:
            del left[a[key]], right[b[key]]
    out["unmatched"] = len(left)
    return out


def test_township_counts_agree_with_the_county_table(mechanisms):
    """The pipeline's county counts of 街道 and of all township-level units, summed, give the same totals."""
    table = rows("county_units")
    columns = ("subdistricts", "towns", "townships", "township_like")
    for year, key in ((2016, "first"), (2023, "last")):
        mine = [r for r in table if r["vintage"] == str(year)]
        assert mechanisms[f"mech_town_units_{key}"] == sum(int(r[c]) for r in mine for c in columns)
        assert mechanisms[f"mech_town_streets_{key}"] == sum(int(r["subdistricts"]) for r in mine)


def test_township_changes_recomputed_from_the_raw_tarballs(mechanisms):
    years = range(2016, 2023)
    classes = {y: township_classes(y) for y in years}
    total = sum(classes.values(), Counter())
    assert mechanisms["mech_town_kept_pooled"] == pytest.approx(100 * total["kept"] / sum(total.values()))
    for name in ("renamed", "recoded", "moved", "unmatched"):
        assert mechanisms[f"mech_town_{name}"] == total[name]
    worst = min(years, key=lambda y: classes[y]["kept"] / sum(classes[y].values()))
    assert (mechanisms["mech_town_worst_from"], mechanisms["mech_town_worst_unmatched"]) == (worst, classes[worst]["unmatched"])
    # townships are far more stable than village-level codes, and the worst period is the Sichuan one
    assert mechanisms["mech_town_kept_pooled"] > mechanisms["mech_code_kept_pooled"]
    assert worst == mechanisms["mech_worst_period"] == 2019


def test_sichuan_townships_in_the_2019_spike_from_the_raw_tarballs(mechanisms):
    before = [c for c in raw(2019)[1] if c.startswith("51")]
    after = [c for c in raw(2020)[1] if c.startswith("51")]
    assert (mechanisms["mech_town_sc_before"], mechanisms["mech_town_sc_after"]) == (len(before), len(after))
    # townships of Sichuan whose code is gone and whose name stem reappears nowhere in Sichuan in 2020:
    # a lower bound on the unmatched ones (a unique-name match can fail where a plain name test succeeds)
    stems_after = {town_stem(raw(2020)[1][c]) for c in after}
    vanished = sum(1 for c in before if c not in raw(2020)[1] and town_stem(raw(2019)[1][c]) not in stems_after)
    assert vanished <= mechanisms["mech_town_sc_unmatched"] <= len(before) - len(set(before) & set(after))
    assert mechanisms["mech_town_sc_share"] > 50

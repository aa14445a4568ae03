"""Key results of chapter 12-action (10-reorganisation: tests/chapters/test_10_reorganisation.py), checked against published counts,
recomputation from the data tables, or the simulation's true parameters."""
from __future__ import annotations

import pytest

from cgov import data, paths


@pytest.fixture(scope="module")
def action(published):
    return published("12-action")


@pytest.fixture(scope="module")
def units():
    frame = data.load("county_units")
    return frame[frame["vintage"] == frame["vintage"].max()]


# ---------- 12-action ----------

def test_party_bulletin_figures_are_the_published_ones(action):
    assert action["communities_with_party_2023"] == 119_437          # 2023 党内统计公报
    assert action["coverage_2023"] == pytest.approx(99.9)


def test_indicator_counts_add_up(action):
    assert action["n_public"] + action["n_licensed"] + action["n_new"] == action["n_indicators"]
    assert action["n_new"] > action["n_public"]


def test_district_sizes_recomputed_from_the_code_table(action, units):
    districts = units[units["county_type"] == "市辖区"]
    assert action["n_districts"] == len(districts)
    assert action["district_rc_median"] == pytest.approx(float(districts["residents_committees"].median()))
    assert action["share_few_streets"] == pytest.approx(
        100 * float((districts["subdistricts"] < action["few_clusters"]).mean()))


def test_action_page_offers_the_memo_and_links_the_chapters(site):
    html = (site / "notebooks" / "12-action.html").read_text(encoding="utf-8")
    assert "evidence-memo.md" in html
    assert "10-reorganisation.html" in html
    memo = (paths.ROOT / "book" / "_static" / "evidence-memo.md").read_text(encoding="utf-8")
    for part in ["一、选定的诊断", "二、两个我能够实际采集的指标", "三、一个能够检验路径效果的设计", "五、不收集的数据"]:
        assert part in memo

"""Chapter 12-action: bulletin figures as published, the indicator table adds up, district sizes recomputed
from the code table, and the page offers the evidence memo."""
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


@pytest.mark.build
def test_party_bulletin_figures_are_the_published_ones(action):
    assert action["communities_with_party_2023"] == 119_437          # 2023 党内统计公报
    assert action["coverage_2023"] == pytest.approx(99.9)


@pytest.mark.build
def test_indicator_counts_add_up(action):
    assert action["n_public"] + action["n_licensed"] + action["n_new"] == action["n_indicators"]
    assert action["n_new"] > action["n_public"]
    assert 2 * action["n_new"] == action["n_indicators"]          # discussion question 1: "有一半指标需要新采集"


@pytest.mark.build
def test_district_sizes_recomputed_from_the_code_table(action, units):
    assert action["few_clusters"] == 40
    districts = units[units["county_type"] == "市辖区"]
    assert action["n_districts"] == len(districts)
    assert action["district_rc_median"] == pytest.approx(float(districts["residents_committees"].median()))
    assert action["share_few_streets"] == pytest.approx(
        100 * float((districts["subdistricts"] < action["few_clusters"]).mean()))
    # "以社区为单位……群组数大体够用" rests on this share, and only a majority of districts qualify
    enough = 100 * float((districts["residents_committees"] >= action["few_clusters"]).mean())
    assert action["share_enough_rc"] == pytest.approx(enough)
    assert 50 < action["share_enough_rc"] < 80


@pytest.mark.build
def test_action_page_offers_the_memo_and_links_the_chapters(site):
    html = (site / "notebooks" / "12-action.html").read_text(encoding="utf-8")
    assert "evidence-memo.md" in html
    assert "10-reorganisation.html" in html
    memo = (paths.ROOT / "book" / "_static" / "evidence-memo.md").read_text(encoding="utf-8")
    for part in ["一、选定的诊断", "二、两个我能够实际采集的指标", "三、一个能够检验路径效果的设计", "五、不收集的数据"]:
        assert part in memo


def test_few_cluster_rule_is_the_books_forty():
    """The book's rule (issue 14): fewer than about 40 clusters → wild cluster bootstrap."""
    text = (paths.ROOT / "notebooks" / "12-action.md").read_text(encoding="utf-8")
    assert "FEW = 40" in text


def test_memo_asks_for_an_evidence_label_on_every_reason():
    memo = (paths.ROOT / "book" / "_static" / "evidence-memo.md").read_text(encoding="utf-8")
    assert "证据类型" in memo
    for label in ("真实数据", "政策文件", "模拟演示"):
        assert label in memo


@pytest.mark.build
def test_power_table_follows_the_design_effect_and_the_published_iccs(action, published):
    from statsmodels.stats.power import TTestIndPower
    iccs = [published("04-participation")["vote_icc"], published("03-satisfaction")["icc_satisfaction"],
            published("04-participation")["belonging_icc"]]
    assert action["pw_icc_low"] == pytest.approx(min(iccs)) and action["pw_icc_high"] == pytest.approx(max(iccs))

    def per_arm(icc, m=20, d=0.2):
        """Smallest number of communities per arm: t test on community means, effect d·√(m/DE), DE = 1+(m−1)ICC."""
        deff = 1 + (m - 1) * icc
        n = TTestIndPower().solve_power(effect_size=d * (m / deff) ** 0.5, alpha=0.05, power=0.8)
        return max(2, int(-(-n // 1)))
    assert action["pw_total_low"] == 2 * per_arm(min(iccs))
    assert action["pw_total_high"] == 2 * per_arm(max(iccs))
    assert action["pw_iid"] == per_arm(0.0)
    assert action["pw_total_low"] > 4 * action["pw_iid"]          # ignoring the ICC understates the need
    days_icc = published("06-mechanisms")["mech_sim_icc"]
    assert action["pw_days_deff"] == pytest.approx(1 + 19 * days_icc)
    assert action["pw_days_per_arm"] == per_arm(days_icc)


@pytest.mark.build
def test_days_row_counts_months_not_residents(strict_build):
    """Chapter 06's ICC of resolution days is between community-month means: its m is months observed."""
    import pandas as pd
    roadmap = pd.read_csv(strict_build.results / "12-action" / "action_roadmap_table.csv")
    scale = roadmap.set_index(roadmap.columns[1]).filter(like="创新党建平台", axis=0).iloc[0, -1]
    assert "个月" in scale and "人）" not in scale


@pytest.mark.build
def test_share_of_districts_large_enough_recomputed(action, units):
    districts = units[units["county_type"] == "市辖区"]
    share = 100 * float((districts["residents_committees"] >= action["pw_total_low"]).mean())
    assert action["pw_share_districts_enough"] == pytest.approx(share)
    assert action["pw_share_districts_enough"] < 50                # "多数情况下检验力不足"


def test_memo_specification_lives_in_the_template_only():
    memo = (paths.ROOT / "book" / "_static" / "evidence-memo.md").read_text(encoding="utf-8")
    chapter = (paths.ROOT / "notebooks" / "12-action.md").read_text(encoding="utf-8")
    for rule in ("作业要求", "篇幅", "评阅要点", "1 + (m − 1)·ICC", "需要多少单位"):
        assert rule in memo
    assert "模板分五部分" not in chapter and "一页篇幅" not in chapter
    assert "evidence-memo.md" in chapter

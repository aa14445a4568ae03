"""cgov.tilemap: the tile grid has one distinct square per province, keeps neighbours together, and draws
Chinese labels without missing glyphs."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cgov  # noqa: E402
from cgov import tilemap  # noqa: E402

#: The 31 provincial codes of the statistical division codes (GB/T 2260), listed independently here.
CODES = ("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65").split()
#: Pairs of provinces that share a border and must sit in touching tiles (incl. diagonals).
NEIGHBOURS = [("京", "津"), ("京", "冀"), ("津", "冀"), ("黑", "吉"), ("吉", "辽"), ("晋", "冀"), ("蒙", "晋"),
              ("沪", "苏"), ("沪", "浙"), ("苏", "皖"), ("鲁", "苏"), ("豫", "鄂"), ("川", "渝"), ("渝", "黔"),
              ("滇", "黔"), ("粤", "桂"), ("粤", "闽"), ("粤", "湘"), ("琼", "粤"), ("陕", "甘"), ("青", "藏"),
              ("新", "青"), ("甘", "宁"), ("川", "藏"), ("浙", "闽"), ("赣", "闽")]


def values():
    return pd.Series(range(31), index=CODES, dtype=float)


def test_31_distinct_cells_and_every_code_present():
    assert sorted(tilemap.TILES) == sorted(CODES) == sorted(tilemap.NAMES) == sorted(tilemap.ABBREVIATIONS)
    assert len(set(tilemap.TILES.values())) == 31
    assert len(set(tilemap.ABBREVIATIONS.values())) == 31


@pytest.mark.parametrize("a,b", NEIGHBOURS)
def test_neighbours_sit_in_touching_tiles(a, b):
    code = {v: k for k, v in tilemap.ABBREVIATIONS.items()}
    (ca, ra), (cb, rb) = tilemap.TILES[code[a]], tilemap.TILES[code[b]]
    assert max(abs(ca - cb), abs(ra - rb)) == 1, (a, b)


def test_far_apart_provinces_are_far_apart():
    assert tilemap.TILES["65"][0] < tilemap.TILES["31"][0] - 4     # 新疆 well west of 上海
    assert tilemap.TILES["23"][1] < tilemap.TILES["46"][1] - 5     # 黑龙江 well north of 海南


def test_draw_labels_every_province_with_no_missing_glyphs():
    cgov.setup()
    fig, axes = plt.subplots(1, 2, figsize=(10, 6))
    tilemap.draw(values(), ax=axes[0], fmt="{:.0f}%", label="增幅（%）")
    tilemap.dot_plot(values(), ax=axes[1], label="增幅（%）", reference=15, reference_label="全国")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    texts = {t.get_text() for t in axes[0].texts}
    plt.close(fig)
    assert set(tilemap.NAMES.values()) <= texts
    assert "30%" in texts and len(axes[0].patches) == 31
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing


def test_dot_plot_is_sorted():
    cgov.setup()
    ax = tilemap.dot_plot(values().iloc[::-1])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    plt.close(ax.figure)
    assert labels[0] == tilemap.NAMES["11"] and labels[-1] == tilemap.NAMES["65"]


def test_alt_text_names_extremes():
    text = tilemap.alt_text(values(), "示例值", unit="%")
    assert "不是地图" in text and "新疆（30%）" in text and "北京（0%）" in text


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="缺少省级代码"):
        tilemap.draw(values().drop("54"))
    with pytest.raises(ValueError, match="未知的省级代码"):
        tilemap.alt_text(pd.concat([values(), pd.Series({"71": 1.0})]), "x")
    with pytest.raises(ValueError, match="非有限"):
        tilemap.alt_text(values().replace(3.0, float("nan")), "x")


def test_values_that_round_to_zero_carry_no_minus_sign():
    cgov.setup()
    ax = tilemap.draw(values().replace(0.0, -0.04), fmt="{:.0f}%")
    texts = {t.get_text() for t in ax.texts}
    plt.close(ax.figure)
    assert "0%" in texts and "-0%" not in texts

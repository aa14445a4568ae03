"""A tile-grid cartogram of China's 31 provincial-level units, and a sorted dot plot.

The book draws no boundary map of China: publishing one needs an approval number (审图号). Regional
patterns are shown instead as one equal square per province, placed roughly where the province lies
(:data:`TILES`), and as a sorted dot plot. The positions are this book's own table, modelled on the
tile grids commonly used for China's provinces; they keep the main neighbours next to each other
(京 beside 津 and 冀, 沪 beside 苏 and 浙, 川 beside 渝 …) at the price of distorting distance and area.
Taiwan, Hong Kong and Macao are not in the statistical division codes the book uses and have no tile.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cgov.style import COLORS

#: Province code → (column, row) of its tile; row 0 is the top (north), column 0 the left (west).
TILES = {
    "23": (7, 0),                                                   # 黑龙江
    "15": (4, 1), "11": (5, 1), "21": (6, 1), "22": (7, 1),         # 内蒙古 北京 辽宁 吉林
    "65": (1, 2), "62": (2, 2), "64": (3, 2), "14": (4, 2), "13": (5, 2), "12": (6, 2),  # 新 甘 宁 晋 冀 津
    "63": (1, 3), "61": (3, 3), "41": (4, 3), "37": (5, 3),         # 青海 陕西 河南 山东
    "54": (1, 4), "51": (2, 4), "50": (3, 4), "42": (4, 4), "34": (5, 4), "32": (6, 4),  # 藏 川 渝 鄂 皖 苏
    "53": (2, 5), "52": (3, 5), "43": (4, 5), "36": (5, 5), "33": (6, 5), "31": (7, 5),  # 云 贵 湘 赣 浙 沪
    "45": (3, 6), "44": (4, 6), "35": (5, 6),                       # 广西 广东 福建
    "46": (4, 7),                                                   # 海南
}
#: Province code → name without the suffix 省/市/自治区 (the tile and dot-plot label).
NAMES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆",
}
#: Province code → one-character abbreviation (简称).
ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}


def _checked(values: pd.Series) -> pd.Series:
    """``values`` indexed by 2-digit province code (str), all 31 present, finite; else a clear error."""
    values = pd.Series(values, dtype=float)
    values.index = values.index.astype(str).str.zfill(2)
    unknown = sorted(set(values.index) - set(TILES))
    if unknown:
        raise ValueError(f"tilemap: 未知的省级代码 {unknown} (unknown province codes; expected 2-digit codes such as '11')")
    missing = sorted(set(TILES) - set(values.index))
    if missing:
        raise ValueError(f"tilemap: 缺少省级代码 {missing} (missing provinces: {[NAMES[c] for c in missing]})")
    if values.index.duplicated().any():
        raise ValueError(f"tilemap: 省级代码重复 {sorted(values.index[values.index.duplicated()])} (duplicate codes)")
    bad = values[~np.isfinite(values.to_numpy())]
    if len(bad):
        raise ValueError(f"tilemap: 数值缺失或非有限 {[NAMES[c] for c in bad.index]} (non-finite values)")
    return values


def _label(fmt: str, value: float) -> str:
    """``fmt.format(value)`` without a minus sign on a value that rounds to zero ("-0%" → "0%")."""
    text = fmt.format(value)
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]
    return text


def draw(values: pd.Series, ax=None, fmt: str = "{:.0f}", cmap: str = "Blues", label: str = "",
         vmin: float | None = None, vmax: float | None = None):
    """Draw one value per province on the tile grid: a coloured square per province with its name and
    value (formatted with ``fmt``), and a colour bar titled ``label``. ``values`` is indexed by the
    2-digit province code. Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors
    from matplotlib.patches import Rectangle

    values = _checked(values)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 6.0))
    norm = mcolors.Normalize(vmin=values.min() if vmin is None else vmin,
                             vmax=values.max() if vmax is None else vmax)
    colormap = plt.get_cmap(cmap)
    for code, (col, row) in TILES.items():
        rgba = colormap(norm(values[code]))
        ax.add_patch(Rectangle((col, -row), 0.94, 0.94, facecolor=rgba, edgecolor="white"))
        luminance = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
        ink = "white" if luminance < 0.5 else "black"
        ax.text(col + 0.47, -row + 0.62, NAMES[code], ha="center", va="center", fontsize=7.5, color=ink)
        ax.text(col + 0.47, -row + 0.30, _label(fmt, values[code]), ha="center", va="center", fontsize=7, color=ink)
    columns = [c for c, _ in TILES.values()]
    rows = [r for _, r in TILES.values()]
    ax.set_xlim(min(columns) - 0.1, max(columns) + 1.04)
    ax.set_ylim(-max(rows) - 0.1, -min(rows) + 1.04)
    ax.set_aspect("equal")
    ax.axis("off")
    bar = ax.figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=colormap), ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(label)
    return ax


def dot_plot(values: pd.Series, ax=None, fmt: str = "{:.0f}", label: str = "", color: str | None = None,
             reference: float | None = None, reference_label: str = ""):
    """A sorted dot plot of one value per province (largest at the top), labelled with province names,
    with an optional vertical reference line (e.g. the national value). Returns the Axes."""
    import matplotlib.pyplot as plt

    values = _checked(values).sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 7.0))
    positions = np.arange(len(values))
    ax.hlines(positions, values.min(), values.to_numpy(), color=COLORS["grey_pale"], linewidth=0.8)
    ax.scatter(values.to_numpy(), positions, color=color or COLORS["blue"], s=22, zorder=3)
    ax.set_yticks(positions, [NAMES[c] for c in values.index], fontsize=8)
    if reference is not None:
        ax.axvline(reference, color=COLORS["red"], linestyle="--", linewidth=1, label=reference_label or None)
        if reference_label:
            ax.legend(fontsize=8, loc="lower right")
    ax.set_xlabel(label)
    return ax


def alt_text(values: pd.Series, what: str, fmt: str = "{:.0f}", unit: str = "", k: int = 3) -> str:
    """An accessible description of a tile map or dot plot: what is shown, the range, and the ``k``
    highest and lowest provinces with their values."""
    values = _checked(values).sort_values(ascending=False)
    show = lambda part: "、".join(f"{NAMES[c]}（{_label(fmt, v)}{unit}）" for c, v in part.items())
    return (f"中国 31 个省级单位的方格示意图（每个省级单位一个等大方格，按大致地理方位排列，不是地图），"
            f"颜色深浅表示{what}，从 {fmt.format(values.min())}{unit} 到 {fmt.format(values.max())}{unit}。"
            f"最高的是{show(values.head(k))}；最低的是{show(values.tail(k).iloc[::-1])}。")

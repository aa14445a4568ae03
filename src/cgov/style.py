"""The one set-up call at the top of every notebook: seeds, display options, plot style, CJK font."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

#: The seed every notebook and the simulator start from (the article's publication date).
SEED = 20240610
#: The CJK family used in every figure; the pinned wheel ``noto-cjk-sans-otc`` provides it.
CJK_FAMILY = "Noto Sans CJK SC"
#: Debian's ``fonts-noto-cjk`` carries the same file; used only if the wheel is missing.
SYSTEM_CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
#: One palette for the whole book (colour-blind safe).
PALETTE = "colorblind"
#: Named colours of the book's figures: chapters use these names, never hex codes.
COLORS = {
    "red": "#b71c1c",         # the series or line a figure is about
    "red_light": "#ef9a9a",
    "blue": "#1565c0",        # the comparison series
    "blue_light": "#90caf9",
    "blue_pale": "#9ecae1",
    "orange": "#ef6c00",
    "ink": "#212121",         # text-like marks
    "grey_dark": "#37474f",
    "grey": "#616161",
    "grey_mid": "#9e9e9e",
    "grey_light": "#bdbdbd",
    "grey_pale": "#e0e0e0",
    "slate": "#455a64",
    "slate_light": "#90a4ae",
    "slate_pale": "#cfd8dc",
    # Okabe–Ito colour-blind-safe hues
    "cb_blue": "#0072B2",
    "cb_vermilion": "#D55E00",
    "cb_orange": "#E69F00",
}
#: The mark inside every figure drawn from simulated data, so that a screenshot keeps it.
SIMULATED_MARK = "模拟数据 · 教学演示，非真实数据"


def mark_simulated(fig):
    """Write :data:`SIMULATED_MARK` inside ``fig`` (top right corner); returns ``fig``."""
    fig.text(0.995, 0.995, SIMULATED_MARK, ha="right", va="top", fontsize=8, color=COLORS["red"],
             bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": COLORS["red"], "linewidth": 0.6})
    return fig


def cjk_font_path() -> Path:
    """Return the path of the Noto Sans CJK font file, preferring the pinned wheel."""
    try:
        import noto_cjk_sans_otc
        candidates = (Path(noto_cjk_sans_otc.FONT_PATH), *SYSTEM_CJK_FONTS)
    except ImportError:
        candidates = SYSTEM_CJK_FONTS
    for path in candidates:
        if path.is_file():
            return path
    raise RuntimeError(
        "找不到中文字体 Noto Sans CJK：请运行 make book 安装锁定的依赖 "
        "(no CJK font: install the locked requirements or Debian's fonts-noto-cjk)")


def register_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default family; return its name."""
    import matplotlib as mpl
    from matplotlib import font_manager

    if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(cjk_font_path()))
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK font's minus sign is not U+2212-safe
    return CJK_FAMILY


def setup(seed: int = SEED) -> np.random.Generator:
    """Prepare a notebook: seed the global generators, set display options, style and font.

    Returns a ``numpy.random.Generator`` seeded with ``seed`` for any randomness in the
    notebook, so results are identical on every build.
    """
    import matplotlib as mpl
    import pandas as pd
    import seaborn as sns

    random.seed(seed)
    np.random.seed(seed)
    pd.set_option("display.max_columns", 20)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 3)
    pd.set_option("display.notebook_repr_html", False)  # a frame shows as text: a few page elements, not a table of hundreds
    pd.set_option("display.unicode.east_asian_width", True)  # Chinese labels keep their columns in that text
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    register_cjk_font()  # after set_theme, which resets the font family
    mpl.rcParams.update({
        "figure.figsize": (7.0, 4.0),
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "savefig.bbox": "tight",
        "axes.titleweight": "normal",  # the CJK font file has one weight; no faux bold
    })
    return np.random.default_rng(seed)

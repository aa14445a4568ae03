"""cgov.setup(): figures draw Chinese with a real CJK font, never tofu boxes."""
from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

import cgov  # noqa: E402
from cgov.style import CJK_FAMILY, cjk_font_path  # noqa: E402


def test_setup_selects_the_cjk_font():
    cgov.setup()
    found = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
    # The pinned wheel and Debian's fonts-noto-cjk carry the same file; matplotlib may pick either copy.
    assert Path(found).name == cjk_font_path().name == "NotoSansCJK-Regular.ttc"
    assert matplotlib.rcParams["font.sans-serif"][0] == CJK_FAMILY


def test_chinese_text_draws_without_missing_glyphs():
    cgov.setup()
    fig, ax = plt.subplots()
    ax.set_title("基层党组织覆盖率与居委会数量")
    ax.set_xlabel("年份 −1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing


def test_setup_is_deterministic():
    first = cgov.setup().normal(size=3)
    second = cgov.setup().normal(size=3)
    assert (first == second).all()


def test_simulated_figures_carry_the_mark_inside_the_image():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cgov import style

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    style.mark_simulated(fig)
    assert any(t.get_text() == style.SIMULATED_MARK for t in fig.texts)
    plt.close(fig)

"""cgov.site.perf on small inputs: which code tokens lose their <span>, the folded download box, and the
style-sheet bundle's rewritten URLs (the whole site is checked in tests/test_browser.py)."""
from __future__ import annotations

from cgov.site import perf

PYGMENTS = """
html[data-theme="light"] .highlight { background: #fefefe; color: #080808 }
html[data-theme="light"] .highlight .n { color: #080808 } /* Name */
html[data-theme="light"] .highlight .p { color: #080808 } /* Punctuation */
html[data-theme="light"] .highlight .o { color: #00622F } /* Operator */
html[data-theme="light"] .highlight .ge { color: #080808; font-style: italic }
html[data-theme="dark"] .highlight { background: #2b2b2b; color: #F8F8F2 }
html[data-theme="dark"] .highlight .n { color: #F8F8F2 } /* Name */
html[data-theme="dark"] .highlight .p { color: #FFFFFF } /* Punctuation: differs in dark mode */
html[data-theme="dark"] .highlight .o { color: #ABE338 } /* Operator */
html[data-theme="dark"] .highlight .ge { color: #F8F8F2; font-style: italic }
"""


def test_plain_tokens_are_those_coloured_like_the_block_in_every_theme():
    assert perf.plain_token_classes(PYGMENTS) == {"n"}


def test_unwrapping_touches_code_blocks_only():
    body = ('<p><span class="n">prose</span></p><pre><span class="n">x</span> <span class="o">=</span> '
            '<span class="n">y</span></pre>')
    assert perf.unwrap_tokens(body, {"n"}) == ('<p><span class="n">prose</span></p><pre>x <span class="o">=</span> '
                                               'y</pre>')


def test_download_box_folds_into_one_summary_line():
    box = ('<div class="cgov-downloads docutils container">\n<p><strong>下载与复现：</strong>'
           '<a href="a.ipynb">本章 notebook</a>　<a href="b.csv">数据 b</a></p>\n</div>')
    folded = perf.fold_downloads(box)
    assert folded.startswith('<details class="cgov-downloads docutils container"><summary>下载与复现（2 个文件）</summary>')
    assert '<a href="a.ipynb">本章 notebook</a>　<a href="b.csv">数据 b</a></p></details>' in folded


def test_bundled_css_keeps_urls_and_inlines_imports(tmp_path):
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text(".x { background: url(file.png) }", encoding="utf-8")
    (static / "styles" / "theme.css").write_text('@import "../basic.css";\n'
                                                 '@font-face { src: url(../fonts/a.woff2) }', encoding="utf-8")
    text = perf.css_for_static(static / "styles" / "theme.css", static)
    assert 'url("file.png")' in text and 'url("fonts/a.woff2")' in text and "@import" not in text


def test_bundle_replaces_the_links_of_a_page(tmp_path):
    static = tmp_path / "_static"
    static.mkdir()
    (static / "a.css").write_text("a { color: red }", encoding="utf-8")
    (static / "b.css").write_text("b { color: blue }", encoding="utf-8")
    page = tmp_path / "p.html"
    html = ('<html><head><link rel="stylesheet" type="text/css" href="_static/a.css?v=1" />\n'
            '<script src="x.js"></script>\n<link href="_static/b.css" rel="stylesheet" />\n</head><body></body></html>')
    bundled = perf.bundle_css(page, html, static)
    assert bundled.count('rel="stylesheet"') == 1 and '<script src="x.js"></script>' in bundled
    bundle = next(static.glob("cgov-*.css")).read_text(encoding="utf-8")
    assert bundle.index("color: red") < bundle.index("color: blue")

"""cgov.site.perf on small inputs: which code tokens lose their <span> or share one, collapsed code kept for
later, the folded download box, and the style-sheet bundle's rewritten URLs (the whole site is checked in tests/test_browser.py)."""
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


def test_attribute_dots_and_the_empty_leading_span_go():
    body = '<pre><span></span>data<span class="o">.</span>load <span class="o">=</span> 1</pre>'
    assert perf.unwrap_tokens(body, set()) == '<pre>data.load <span class="o">=</span> 1</pre>'


def test_neighbouring_tokens_of_one_colour_in_every_theme_share_a_span():
    colours, base = perf.token_colours(PYGMENTS + """
html[data-theme="light"] .highlight .s2 { color: #00622F }
html[data-theme="dark"] .highlight .s2 { color: #ABE338 }
html[data-theme="light"] .highlight .mi { color: #7F4707 }
html[data-theme="dark"] .highlight .mi { color: #FFD900 }
""")
    assert base == ("#F8F8F2", "#080808") and "ge" not in colours  # italic: never merged
    body = ('<pre>x<span class="o">=</span> <span class="s2">"a"</span><span class="o">+</span><span class="mi">1</span>'
            '<span class="o">-</span><span class="s2">"b"</span> <span class="s2">"c"</span></pre>')
    assert perf.merge_tokens(body, colours) == ('<pre>x<span class="o">= "a"+</span><span class="mi">1</span>'
                                                '<span class="o">-"b" "c"</span></pre>')
    assert perf.merge_tokens('<p><span class="o">=</span><span class="s2">"a"</span></p>', colours).count("<span") == 2


def test_a_table_cell_of_one_paragraph_loses_the_paragraph_only():
    body = ('<table><tr><th class="head"><p>省份</p></th><td class="text-right"><p>4,291 <code>x</code></p></td>'
            '<td><p>a</p><p>b</p></td><td><p class="x">c</p></td></tr></table><p>prose</p>')
    assert perf.unwrap_cell_paragraphs(body) == (
        '<table><tr><th class="head">省份</th><td class="text-right">4,291 <code>x</code></td>'
        '<td><p>a</p><p>b</p></td><td><p class="x">c</p></td></tr></table><p>prose</p>')


def test_collapsed_code_waits_in_noscript_until_opened():
    cell = ('<div class="cell tag_hide-input docutils container">\n<details class="admonition hide above-input">\n'
            '<summary aria-label="Toggle hidden content">\n<p>显示代码</p>\n</summary>\n'
            '<div class="cell_input docutils container">\n<div class="highlight"><pre>plt.plot()</pre></div>\n'
            '</div>\n</details>\n</div>')
    lazy = perf.lazy_hidden_code("<p>x</p>" + cell)
    assert '<div class="cell_input docutils container"><noscript class="cgov-lazy">\n<div class="highlight">' in lazy
    assert lazy.count("</noscript></div>\n</details>") == 1 and lazy.endswith(perf.LAZY_SCRIPT)
    assert perf.lazy_hidden_code("<p>no collapsed code</p>") == "<p>no collapsed code</p>"


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


def test_sidebar_toggles_get_a_name():
    html = '<details open><summary><span class="toctree-toggle" role="presentation"><i></i></span></summary>'
    assert perf.named_toggles(html).startswith('<details open><summary aria-label="展开或收起本节的子页面"><span')

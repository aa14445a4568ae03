"""Sphinx extension: pages that stay light on a mid-range phone (issue 19), with no edit to the chapters.

Per page, while Sphinx writes it: the chapter's download box folds into one line (``<details>``) so that
the title and the learning objectives fill a phone's first screen; collapsed code is built only when a
reader opens it (:func:`lazy_hidden_code`); a table cell's only paragraph gives way to its text
(:func:`unwrap_cell_paragraphs`).

After the build, on the written site (:func:`optimise_site`):

- code keeps its colours with fewer elements: Pygments tokens whose colour is the code block's own
  (names, punctuation, whitespace) lose their ``<span>`` (:func:`plain_token_classes`), so does the
  attribute dot (drawn in the text colour: the one visible change), and neighbouring
  tokens of one colour share one (:func:`merge_tokens`; the theme writes ``pygments.css`` only when the
  build finishes);
- figures: each PNG also as lossless WebP when that is smaller (pixel for pixel the same), with
  explicit ``width``/``height`` (no layout shift), ``loading="lazy"`` and ``decoding="async"``;
- render-blocking CSS: the theme's style sheets keep only the rules the site's pages and scripts use
  (PurgeCSS, ``package.json``), with a safelist for classes scripts toggle; then a page's eleven style
  sheets become one file, a single render-blocking request;
- the sidebar's expand/collapse toggles get an accessible name (:func:`named_toggles`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.util import logging

from cgov import paths

logger = logging.getLogger(__name__)

PURGE_JS = Path(__file__).resolve().parent / "purge.js"
#: The style sheets PurgeCSS cuts down (relative to ``_static``); the book's own ``cgov.css`` stays whole.
PURGED_CSS = ("styles/pydata-sphinx-theme.css", "styles/sphinx-book-theme.css", "sphinx-design.min.css",
              "mystnb.*.css", "basic.css")
#: Selectors PurgeCSS keeps although no page names them: states the theme's scripts set. Dark mode
#: (``html[data-theme=dark]``) and print rules stay because their attribute and classes are in the pages.
SAFELIST_GREEDY = [r"show", r"active", r"collaps", r"scroll", r"toggle", r"hidden", r"headerlink", r"copybtn",
                   r"highlighted", r"focus", r"search", r"dropdown", r"tooltip", r"modal"]

_DOWNLOAD_BOX = re.compile(r'<div class="cgov-downloads([^"]*)">\s*<p><strong>([^<]*?)：?</strong>(.*?)</p>\s*</div>',
                           re.S)
_PRE = re.compile(r"<pre>.*?</pre>", re.S)
_IMG = re.compile(r'<img (?![^>]*\bwidth=)([^>]*?)src="([^"]+\.png)"([^>]*?)/?>')


def fold_downloads(body: str) -> str:
    """The download box as ``<details>``: one summary line (label and the number of files) opens the links."""
    def folded(match: re.Match) -> str:
        classes, label, links = match.groups()
        count = links.count("<a ")
        return (f'<details class="cgov-downloads{classes}"><summary>{label}（{count} 个文件）</summary>'
                f'<p>{links}</p></details>')
    return _DOWNLOAD_BOX.sub(folded, body)


def token_colours(pygments_css: str) -> tuple[dict[str, tuple], tuple]:
    """Each Pygments token class drawn by colour alone, with its colour in every theme (a tuple), and the
    code block's own colour in the same form. Classes with any other property (bold, italic, background)
    are left out: they are never merged or unwrapped."""
    themes = sorted(set(re.findall(r'html\[data-theme="(\w+)"\] \.highlight \{', pygments_css)))
    prefixes = [re.escape(f'html[data-theme="{t}"] .highlight') for t in themes] or [r"(?<![\w\]] )\.highlight"]
    base, colours = [], []
    for prefix in prefixes:
        block = re.search(rf"{prefix} \{{[^}}]*color: (#\w+)", pygments_css)
        if block is None:
            return {}, ()
        base.append(block.group(1))
        colours.append({cls: rule.strip()[len("color: "):]
                        for cls, rule in re.findall(rf"{prefix} \.(\w+) \{{([^}}]*)\}}", pygments_css)
                        if re.fullmatch(r"\s*color: #\w+\s*", rule)})
    common = set.intersection(*(set(c) for c in colours))
    return {cls: tuple(c[cls] for c in colours) for cls in common}, tuple(base)


def plain_token_classes(pygments_css: str) -> set[str]:
    """Pygments token classes drawn exactly like the code block's own text in every colour theme."""
    colours, base = token_colours(pygments_css)
    return {cls for cls, colour in colours.items() if colour == base}


#: The attribute dot (``data.load``), a Python operator token of its own, drawn in the text colour: in a
#: code line it is a point a few pixels wide, and a chapter has 100–160 of them.
_DOT = '<span class="o">.</span>'


def unwrap_tokens(body: str, classes: set[str]) -> str:
    """``<span class="X">text</span>`` inside ``<pre>`` blocks becomes ``text`` for the token classes
    ``classes``, and so does the attribute dot."""
    names = "|".join(map(re.escape, sorted(classes))) or "(?!)"
    token = re.compile(rf'<span class="(?:{names})">([^<]*)</span>')
    return _PRE.sub(lambda m: token.sub(r"\1", m.group(0).replace(_DOT, ".").replace("<pre><span></span>", "<pre>")),
                    body)


_TOKEN = re.compile(r'<span class="(\w+)">([^<]*)</span>')
_TOKEN_SPLIT = re.compile(r'(<span class="\w+">[^<]*</span>)')


def merge_tokens(body: str, colours: dict[str, tuple]) -> str:
    """Inside ``<pre>`` blocks, neighbouring tokens of the same colour in every theme, with at most white
    space between them (which shows no colour), share one ``<span>``: ``=`` and ``"text"`` in
    ``name="text"`` look as before with one element less."""
    def block(match: re.Match) -> str:
        pieces = _TOKEN_SPLIT.split(match.group(0))  # text, token, text, token, …, text
        out = [pieces[0]]
        for token, after in zip(pieces[1::2], pieces[2::2]):
            cls, text = _TOKEN.fullmatch(token).groups()
            last = _TOKEN.fullmatch(out[-2]) if len(out) > 1 and not out[-1].strip() else None
            if last and last[1] in colours and colours.get(cls) == colours[last[1]]:
                out[-2:] = [f'<span class="{last[1]}">{last[2]}{out[-1]}{text}</span>', after]
            else:
                out += [token, after]
        return "".join(out)
    return _PRE.sub(block, body)


_HIDDEN_INPUT = re.compile(r'(<details class="[^"]*\bhide above-input">\s*<summary.*?</summary>\s*'
                           r'<div class="cell_input docutils container">)(.*?)(</div>\s*</details>)', re.S)
#: Builds a collapsed cell's code when a reader opens it, with the copy button the visible code has.
LAZY_SCRIPT = """<script>document.addEventListener("toggle", function (event) {
  var box = event.target, lazy = box.open && box.querySelector("noscript.cgov-lazy");
  if (!lazy) return;
  var holder = document.createElement("template"), button = document.querySelector("button.copybtn");
  holder.innerHTML = lazy.textContent;
  holder.content.querySelectorAll("div.highlight pre").forEach(function (pre, i) {
    if (!button) return;
    pre.id = "cgov-lazy-" + Math.random().toString(36).slice(2) + i;
    var copy = button.cloneNode(true);
    copy.setAttribute("data-clipboard-target", "#" + pre.id);
    pre.after(copy);
  });
  lazy.replaceWith(holder.content);
}, true);</script>"""


def lazy_hidden_code(body: str) -> str:
    """The code of a collapsed (``hide-input``) cell inside ``<noscript>``: with scripts on, the browser
    keeps it as text, and :data:`LAZY_SCRIPT` builds it when the reader opens the cell; with scripts off,
    the browser shows it as before. A page of collapsed plotting code no longer carries hundreds of
    elements a reader may never open."""
    lazy = _HIDDEN_INPUT.sub(lambda m: f'{m.group(1)}<noscript class="cgov-lazy">{m.group(2)}</noscript>{m.group(3)}',
                             body)
    return lazy + LAZY_SCRIPT if lazy != body else body


#: A table cell whose only content is one paragraph: ``<td class="text-right"><p>4,291</p></td>``.
_CELL_PARAGRAPH = re.compile(r"(<t[dh]\b[^>]*>)<p>((?:(?!<p[\s>]|</p>).)*?)</p>(</t[dh]>)", re.S)


def unwrap_cell_paragraphs(body: str) -> str:
    """A table cell holding one paragraph and nothing else keeps its text without the ``<p>``: the theme
    gives the first and last child of a cell no margin, so it looks the same with one element less per
    cell (a glued table of 30 rows has 200 such paragraphs). Cells with more than one block are left."""
    return _CELL_PARAGRAPH.sub(r"\1\2\3", body)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = lazy_hidden_code(unwrap_cell_paragraphs(fold_downloads(context["body"])))


# ---------- after the build: figures and style sheets ----------

def webp_version(png: Path) -> Path | None:
    """Write ``png`` as lossless WebP beside it when that is smaller; return the WebP, or None."""
    from PIL import Image

    target = png.with_suffix(".webp")
    if not target.is_file() or target.stat().st_mtime < png.stat().st_mtime:
        with Image.open(png) as image:
            image.save(target, "WEBP", lossless=True, quality=100, method=6)
    if target.stat().st_size < png.stat().st_size:
        return target
    target.unlink()
    return None


def sized_images(html: str, page: Path) -> str:
    """Content figures (PNG) of one written page: WebP where smaller, explicit size, lazy and async."""
    from PIL import Image

    def sized(match: re.Match) -> str:
        before, src, after = match.groups()
        png = (page.parent / src).resolve()
        if not png.is_file():
            return match.group(0)
        with Image.open(png) as image:
            width, height = image.size
        webp = webp_version(png)
        if webp is not None:
            src = src[: -len(".png")] + ".webp"
        return (f'<img {before}src="{src}"{after.rstrip()} width="{width}" height="{height}" '
                f'loading="lazy" decoding="async" />')
    return _IMG.sub(sized, html)


def purge_css(site: Path) -> dict[str, list[int]]:
    """Cut the theme's style sheets down to the rules the pages and scripts of ``site`` use; returns
    bytes before and after per sheet (empty when Node or PurgeCSS is missing: sheets ship whole)."""
    static = site / "_static"
    sheets = [str(p) for pattern in PURGED_CSS for p in static.glob(pattern)]
    node = shutil.which("node")
    if not sheets or node is None or not (paths.ROOT / "node_modules" / "purgecss").is_dir():
        logger.warning("PurgeCSS is missing (run `npm ci`): the theme's style sheets ship whole")
        return {}
    request = {"css": sheets, "content": [str(site / "**" / "*.html"), str(static / "**" / "*.js")],
               "greedy": SAFELIST_GREEDY, "standard": ["html", "body", "pre", "code"]}
    proc = subprocess.run([node, str(PURGE_JS)], input=json.dumps(request), capture_output=True, text=True,
                          cwd=paths.ROOT)
    if proc.returncode:
        logger.warning(f"PurgeCSS failed, the theme's style sheets ship whole: {proc.stderr[-800:]}")
        return {}
    return json.loads(proc.stdout)


_STYLESHEET = re.compile(r'<link (?=[^>]*rel="stylesheet")[^>]*?href="([^"]+)"[^>]*>\s*')
_BUNDLE = re.compile(r"cgov-[0-9a-f]{12}\.css")
_CSS_URL = re.compile(r'url\((["\']?)(?!data:|https?:|/|#)([^"\')]+)\1\)')
_CSS_IMPORT = re.compile(r'@import\s+(?:url\()?["\']([^"\']+)["\']\)?\s*;')


def css_for_static(sheet: Path, static: Path) -> str:
    """``sheet`` as it reads from ``_static``: ``@import``s inlined, relative ``url()``s rewritten."""
    text = _CSS_URL.sub(lambda m: f'url("{os.path.relpath((sheet.parent / m.group(2)).resolve(), static)}")',
                        sheet.read_text(encoding="utf-8"))
    return _CSS_IMPORT.sub(lambda m: css_for_static((sheet.parent / m.group(1)).resolve(), static), text)


def bundle_css(page: Path, html: str, static: Path) -> str:
    """All style sheets of ``page`` in one file (``_static/cgov-HASH.css``, shared by pages with the same
    sheets): one render-blocking request instead of eleven. Order and cascade are kept."""
    head_end = html.find("</head>")
    links = [m for m in _STYLESHEET.finditer(html, 0, head_end)]
    sheets = [(page.parent / m.group(1).split("?")[0]).resolve() for m in links]
    if len(links) < 2 or not all(s.is_file() and s.is_relative_to(static) for s in sheets):
        return html
    text = "\n".join(css_for_static(sheet, static) for sheet in sheets)
    bundle = static / f"cgov-{hashlib.sha256(text.encode()).hexdigest()[:12]}.css"
    if not bundle.is_file():
        bundle.write_text(text, encoding="utf-8")
    href = os.path.relpath(bundle, page.parent)
    first, last = links[0], links[-1]
    return (html[:first.start()] + f'<link rel="stylesheet" type="text/css" href="{href}" />\n'
            + _STYLESHEET.sub("", html[first.end():last.end()]) + html[last.end():])


def site_pages(site: Path) -> list[Path]:
    """The written pages of ``site`` (not the theme's fragments under ``_static``)."""
    return [p for p in site.rglob("*.html") if not p.is_relative_to(site / "_static")]


_ICON_SUMMARY = re.compile(r'<summary>(\s*<span class="toctree-toggle")')


def named_toggles(html: str) -> str:
    """The sidebar's expand/collapse toggles (an icon in a ``<summary>``) get a name screen readers say."""
    return _ICON_SUMMARY.sub(r'<summary aria-label="展开或收起本节的子页面">\1', html)


def optimise_site(site: Path) -> None:
    """Figures and style sheets of the written ``site`` (idempotent: a rebuild may run it again)."""
    site = site.resolve()
    pygments = site / "_static" / "pygments.css"  # written by the theme when the build finishes
    css = pygments.read_text(encoding="utf-8") if pygments.is_file() else ""
    plain, (colours, _) = plain_token_classes(css), token_colours(css)
    for page in site_pages(site):
        html = page.read_text(encoding="utf-8")
        lighter = named_toggles(sized_images(merge_tokens(unwrap_tokens(html, plain), colours), page))
        if lighter != html:
            page.write_text(lighter, encoding="utf-8")
    purge_css(site)
    for page in site_pages(site):
        html = page.read_text(encoding="utf-8")
        bundled = bundle_css(page, html, site / "_static")
        if bundled != html:
            page.write_text(bundled, encoding="utf-8")
    used = {name for page in site_pages(site) for name in _BUNDLE.findall(page.read_text(encoding="utf-8"))}
    for stale in (site / "_static").glob("cgov-*.css"):
        if _BUNDLE.fullmatch(stale.name) and stale.name not in used:
            stale.unlink()  # a bundle an earlier build wrote that no page links any more


def _build_finished(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        optimise_site(Path(app.outdir))


def setup(app):
    app.connect("html-page-context", _page_context, priority=600)
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

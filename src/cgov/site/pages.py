"""Sphinx extension: pages that load nothing from outside the site, and load little.

- Math is rendered at build time to SVG by MathJax under Node (``tex2svg.js``), so pages carry no MathJax
  script or fonts and formulas show offline. Each formula is one ``<img>`` (the SVG as a data URL, the TeX
  as its alt text), not hundreds of inline SVG and MathML elements: a phone lays out a smaller page.
- The theme's 1.5 MB ``fontawesome.js`` goes (its icon CSS stays), and its icon font is cut down to the
  glyphs the site uses; the search index loads only on the search page.
- Accessibility: empty table header cells become data cells, bibliography entries list items
  (:func:`accessible_body`); the sidebar logo sits in a navigation landmark (``templates/``).
- Line breaks of the Markdown source between two Chinese characters do not become spaces.
- Scripts are deferred, so that text shows before they load; sphinx-thebe's assets are dropped (the book
  has no live kernels).
"""
from __future__ import annotations

import atexit
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

from docutils import nodes
from sphinx.builders.html._assets import _JavaScript
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number

from cgov import paths

HERE = Path(__file__).resolve().parent
TEX2SVG = HERE / "tex2svg.js"
#: Icons of the theme's solid Font Awesome face kept in the cut-down font (``_static/cgov-icons.woff``).
ICON_FONT = "vendor/fontawesome/webfonts/fa-solid-900.ttf"
ICON_SUBSET = "cgov-icons.woff"


class MathError(RuntimeError):
    """A formula that MathJax cannot typeset."""


class _Tex2Svg:
    """One Node process for the whole build, typesetting one formula per request."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None

    def __call__(self, request: dict) -> str:
        if self._process is None:
            node = shutil.which("node")
            if node is None:
                raise MathError("Node.js is missing: math is typeset at build time (make book installs it)")
            self._process = subprocess.Popen([node, str(TEX2SVG)], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, text=True, encoding="utf-8")
            atexit.register(self._process.kill)
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise MathError("the MathJax process died (is `npm ci` done? it needs node_modules/mathjax-full)")
        reply = json.loads(line)
        if "error" in reply:
            raise MathError(f"{reply['error']} in: {request.get('tex')}")
        return reply["svg"]


tex2svg = _Tex2Svg()

#: The theme's text colour in light mode: an image cannot inherit it (dark mode inverts it, ``cgov.css``).
MATH_COLOUR = "#222832"
_SVG_TAG = re.compile(r"<svg [^>]*>")
_SVG_WIDTH = re.compile(r' width="([\d.]+ex)"')
_SVG_HEIGHT = re.compile(r' height="([\d.]+ex)"')
_SVG_ALIGN = re.compile(r'vertical-align: ?([-\d.]+ex)')


def math_image(tex: str, display: bool) -> str:
    """``tex`` typeset as one ``<img>``: the SVG as a data URL, sized in ``ex`` like inline MathJax, with
    the TeX as its alt text (screen readers read it; copying the page copies it)."""
    svg = tex2svg({"tex": tex, "display": display})
    tag = _SVG_TAG.match(svg)
    width, height = (tag and pattern.search(tag.group(0)) for pattern in (_SVG_WIDTH, _SVG_HEIGHT))
    if not (width and height):
        raise MathError(f"MathJax wrote an SVG without size for: {tex}")
    align = _SVG_ALIGN.search(tag.group(0))  # absent when the formula sits on the baseline
    style = f"vertical-align:{align.group(1) if align else 0};width:{width.group(1)};height:{height.group(1)}"
    svg = svg.replace("currentColor", MATH_COLOUR).replace('"', "'")
    source = "data:image/svg+xml," + quote(svg, safe=" '/:=;,.()-_!*+")
    kind = "cgov-math cgov-math-display" if display else "cgov-math"
    return f'<img class="{kind}" src="{source}" alt="{html.escape(tex.strip())}" style="{style}" />'


def _visit_math(self, node) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(math_image(node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def _visit_displaymath(self, node) -> None:
    # A wide formula scrolls sideways on a phone: keyboard users must be able to reach it too.
    self.body.append(self.starttag(node, "div", CLASS="math", tabindex="0"))
    if node["number"] and not node["nowrap"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(math_image(node.astext(), display=True) + "</div>\n")
    raise nodes.SkipNode


def without_scripts(html: str, *names: str) -> str:
    """``html`` less its ``<script src=…>`` tags that load one of the files ``names``."""
    pattern = "|".join(re.escape(name) for name in names)
    return re.sub(rf'\s*<script[^>]*\bsrc="[^"]*\b(?:{pattern})(?:\?[^"]*)?"[^>]*>\s*</script>', "", html)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    """Per page: no thebe, deferred scripts, accessible markup, and a description where the page has none
    of its own."""
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _mentions_thebe(a)]
    if "script_files" in context and pagename != "search":  # its inline script needs them at once
        context["script_files"] = [_deferred(a) for a in context["script_files"]]
    if "body" in context:
        context["body"] = accessible_body(context["body"])
    if 'name="description"' not in context.get("metatags", ""):  # pages Sphinx writes: search, index
        title = "：".join(filter(None, [context.get("title"), context.get("docstitle")]))
        description = html.escape(html.unescape(re.sub(r"<[^>]+>", "", title)), quote=True)
        context["metatags"] = context.get("metatags", "") + f'\n<meta name="description" content="{description}" />'


def accessible_body(body: str) -> str:
    """Empty header cells (the pandas index corner) become data cells (axe ``empty-table-header``);
    bibliography entries get the list-item role their ``role="list"`` parent requires (docutils writes
    the deprecated ``doc-biblioentry``)."""
    body = re.sub(r"<th(\s[^>]*)?>\s*</th>", r"<td\1></td>", body)
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _deferred(script):
    """The script loaded with ``defer``: it no longer holds up the first paint. Order is kept (deferred
    scripts run in document order), and the inline scripts between them only define settings."""
    if not script.filename or {"async", "defer"} & set(script.attributes):
        return script
    return _JavaScript(script.filename, priority=script.priority, **script.attributes, defer="defer")


def _mentions_thebe(asset) -> bool:
    body = getattr(asset, "attributes", {}).get("body", "")
    return "thebe" in str(asset.filename or "") or "thebe" in body


def used_icon_codepoints(site: Path) -> set[int]:
    """Code points of the Font Awesome icons the site shows: ``fa-NAME`` classes in its pages and the
    theme's own CSS icons (``--pst-icon-…``, written as private-use characters)."""
    css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    names = {name for page in site.rglob("*.html")
             for name in re.findall(r"\bfa-([a-z0-9-]+)", page.read_text(encoding="utf-8"))}
    points = {ord(ch) for ch in css if 0xE000 <= ord(ch) <= 0xF8FF}
    for name in names:
        match = re.search(rf'\.fa-{re.escape(name)}:before[^{{]*\{{content:"\\([0-9a-f]+)"', css)
        if match:
            points.add(int(match.group(1), 16))
    return points


def _subset_icon_font(app, exception) -> None:
    """Write ``_static/cgov-icons.woff``: the solid icon face with only the glyphs the site uses
    (a few KB instead of 156 KB); ``cgov.css`` declares it after the theme's own font face."""
    if exception is not None or app.builder.format != "html":
        return
    from fontTools import subset

    static = Path(app.outdir) / "_static"
    options = subset.Options()
    options.flavor, options.layout_features, options.name_IDs = "woff", [], []
    font = subset.load_font(str(static / ICON_FONT), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=used_icon_codepoints(Path(app.outdir)))
    subsetter.subset(font)
    target = static / ICON_SUBSET
    subset.save_font(font, str(target.with_suffix(".tmp")), options)
    target.with_suffix(".tmp").replace(target)


def _config_inited(app, config) -> None:
    config.html_math_renderer = "cgov_svg"
    config.templates_path = [*config.templates_path, str(HERE / "templates")]
    config.html_static_path = [*config.html_static_path, str(paths.ROOT / "book" / "_static")]


def _builder_inited(app) -> None:
    if app.builder.format == "html":
        app.builder.templates.environment.filters["without_scripts"] = without_scripts
        app.add_css_file("cgov.css")


#: Chinese punctuation (full-width forms, curly quotes, dash, ellipsis, middle dot): a line break next to one
#: is never a word space, whatever stands on the other side (``67\n（`` or ``称为\n“``).
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
#: CJK characters and punctuation: a line break between two of them is not a word space.
_CJK = "\u2e80-\u9fff" + _CJK_PUNCT
_CJK_BREAK = re.compile(rf"(?:(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])"
                        rf"|(?<=[{_CJK_PUNCT}])[ \t]*\n[ \t]*|[ \t]*\n[ \t]*(?=[{_CJK_PUNCT}]))")
_IS_CJK = re.compile(rf"[{_CJK}]")
_IS_PUNCT = re.compile(rf"[{_CJK_PUNCT}]")


def _join_cjk_lines(app, doctree, docname) -> None:
    """Drop the spaces that source line breaks would put between Chinese characters or next to Chinese
    punctuation (a break between a Chinese character and a number or a Latin word stays a space, as around
    inline numbers).

    MyST keeps a soft line break as its own text node, so a break is judged by the last
    character before it and the first after it within the paragraph (empty text nodes skipped). Runs on resolved doctrees,
    so generated content (bibliography entries) is joined too.
    """
    for paragraph in doctree.findall(nodes.paragraph):
        texts = [t for t in paragraph.findall(nodes.Text)
                 if not isinstance(t.parent, (nodes.literal, nodes.raw))]
        for i, text in enumerate(texts):
            value = _CJK_BREAK.sub("", text.astext())
            if value.strip() == "" and "\n" in value:
                before = next((t.astext()[-1] for t in reversed(texts[:i]) if t.astext()), "")
                after = next((t.astext()[0] for t in texts[i + 1:] if t.astext()), "")
                if (_IS_CJK.match(before) and _IS_CJK.match(after)) or _IS_PUNCT.match(before) or _IS_PUNCT.match(after):
                    value = ""
            if value != text.astext():  # by identity: Text nodes are strings, equal ones abound
                parent = text.parent
                parent[next(i for i, child in enumerate(parent.children) if child is text)] = nodes.Text(value)


def setup(app):
    app.setup_extension("cgov.site.perf")  # lighter pages and figures (issue 19)
    app.connect("doctree-resolved", _join_cjk_lines)
    app.add_html_math_renderer("cgov_svg", (_visit_math, None), (_visit_displaymath, None))
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _subset_icon_font)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

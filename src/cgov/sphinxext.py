"""Sphinx extension of the book: keep every page inside the site's own folder.

The default Jupyter Book page loads MathJax from a public CDN, so formulas show as raw LaTeX
offline or where the CDN is blocked. This copies the few MathJax 3 files a page needs (``mathjax_path`` in ``_config.yml``) from the
pinned wheel ``sphinx-mathjax-offline`` into ``_static/mathjax`` and points Sphinx at them.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

#: Files and folders of MathJax 3 that TeX input with CHTML output needs at run time.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions")


def mathjax_source() -> Path:
    """The MathJax folder inside the installed ``sphinx-mathjax-offline`` wheel."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("sphinx-mathjax-offline is not installed: run make book")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src, dst = source / part, target / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    """Remove sphinx-thebe's assets: the book has no live kernels, and its inline script
    names an external URL (and raises a console error in the browser)."""
    def mentions_thebe(asset) -> bool:
        body = getattr(asset, "attributes", {}).get("body", "")
        return "thebe" in str(asset.filename or "") or "thebe" in body
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not mentions_thebe(a)]


#: CJK characters and punctuation: a line break between two of them is not a word space.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t]*(?=[{_CJK}])")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _join_cjk_lines(app, doctree) -> None:
    """Drop the spaces that source line breaks would put between Chinese characters
    (a break next to a number or a Latin word stays a space, as around inline numbers).

    MyST keeps a soft line break as its own text node, so a break is judged by the last
    character before it and the first after it within the paragraph.
    """
    from docutils import nodes

    for paragraph in doctree.findall(nodes.paragraph):
        texts = [t for t in paragraph.findall(nodes.Text)
                 if not isinstance(t.parent, (nodes.literal, nodes.raw))]
        for i, text in enumerate(texts):
            value = _CJK_BREAK.sub("", text.astext())
            if value.strip() == "" and "\n" in value:
                before = texts[i - 1].astext()[-1:] if i > 0 else ""
                after = texts[i + 1].astext()[:1] if i + 1 < len(texts) else ""
                if _IS_CJK.match(before) and _IS_CJK.match(after):
                    value = ""
            if value != text.astext():
                text.parent.replace(text, nodes.Text(value))


def setup(app):
    app.connect("doctree-read", _join_cjk_lines)
    app.connect("html-page-context", _drop_thebe)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Sphinx extension of the book: keep every page inside the site's own folder.

The default Jupyter Book page loads MathJax from a public CDN, so formulas show as raw LaTeX
offline or where the CDN is blocked. This copies the few MathJax 3 files a page needs (``mathjax_path`` in ``_config.yml``) from the
pinned wheel ``sphinx-mathjax-offline`` into ``_static/mathjax`` and points Sphinx at them.
"""
from __future__ import annotations

import importlib.util
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


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Sphinx extension: stable URLs for the published site.

- ``html_baseurl`` comes from the environment variable ``CGOV_BASEURL`` when it is set (else from
  ``html.baseurl`` in ``_config.yml``, empty by default); with it every page carries a canonical link;
- ``sitemap.xml`` lists every page (absolute URLs under the base URL; paths relative to the site root
  when there is none);
- ``book/redirects.yml`` (old path → new path) becomes redirect pages, so a cited URL never dies.
"""
from __future__ import annotations

import html
import os
import posixpath
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

BASEURL_ENV = "CGOV_BASEURL"
REDIRECTS = "book/redirects.yml"
SITEMAP = "sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Pages Sphinx makes that are not content (the index and the search page): not in the sitemap.
NOT_CONTENT = {"genindex", "search"}


class RedirectError(ValueError):
    """``book/redirects.yml`` is malformed, points to a page that is not built, or moves a page that exists."""


def base_url(configured: str = "") -> str:
    """The site's public address, ending in ``/``: ``$CGOV_BASEURL``, else ``configured``; "" if neither."""
    url = os.environ.get(BASEURL_ENV, "").strip() or (configured or "").strip()
    return url if not url or url.endswith("/") else url + "/"


def sitemap_xml(pages: list[str], base: str) -> str:
    """A sitemaps.org sitemap of ``pages`` (paths relative to the site root) under ``base``."""
    urls = "".join(f"  <url><loc>{escape(base + page)}</loc></url>\n" for page in pages)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{urls}</urlset>\n'


def sitemap_paths(xml: str) -> list[str]:
    """The page paths (relative to the site root) a sitemap lists, whatever base URL it was made with:
    the base is where the root page ``index.html`` sits."""
    from xml.etree import ElementTree

    locs = [loc.text.strip() for loc in ElementTree.fromstring(xml).iter(f"{{{SITEMAP_NS}}}loc")]
    root = min((loc for loc in locs if loc.endswith("index.html")), key=len, default="index.html")
    base = root.removesuffix("index.html")
    return [loc.removeprefix(base) for loc in locs]


def load_redirects(path: Path) -> dict[str, str]:
    """The ``old path → new path`` mapping of ``book/redirects.yml`` (paths relative to the site root)."""
    if not path.is_file():
        return {}
    mapping = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in mapping.items()):
        raise RedirectError(f"{path}: expected a mapping of old page path to new page path")
    return mapping


def redirect_page(old: str, new: str, title: str, base: str, icon: str = "") -> str:
    """A static page at ``old`` that sends the reader on to ``new`` (relative link; canonical link to
    ``new`` when the base URL is known; ``icon`` is the favicon's path from the site root)."""
    here = posixpath.dirname(old) or "."
    target = html.escape(posixpath.relpath(new, here))
    canonical = f'<link rel="canonical" href="{html.escape(base + new)}">\n' if base else ""
    icon = f'<link rel="icon" href="{html.escape(posixpath.relpath(icon, here))}">\n' if icon else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f'<title>页面已迁移：{html.escape(title)}</title>\n'
            f'<meta name="description" content="本页已迁移至《{html.escape(title)}》。">\n'
            f'<meta name="robots" content="noindex">\n<meta http-equiv="refresh" content="0; url={target}">\n'
            f'{canonical}{icon}</head>\n<body>\n'
            f'<p>本页已迁移至 <a href="{target}">{html.escape(title)}</a>。</p>\n</body>\n</html>\n')


def write_redirects(outdir: Path, mapping: dict[str, str], titles: dict[str, str], base: str,
                    icon: str = "") -> list[Path]:
    """Write a redirect page for each moved page; RedirectError if a target is missing or an old path
    is still a page of this build."""
    written = []
    for old, new in sorted(mapping.items()):
        if not (outdir / new).is_file():
            raise RedirectError(f"{REDIRECTS}: {old} → {new}, but {new} is not in the build")
        if (outdir / old).is_file():
            raise RedirectError(f"{REDIRECTS}: {old} is still a page of the book; remove its redirect")
        page = outdir / old
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(redirect_page(old, new, titles.get(new, new), base, icon), encoding="utf-8")
        written.append(page)
    return written


def _set_baseurl(app, config) -> None:
    config.html_baseurl = base_url(config.html_baseurl)


def _write_sitemap_and_redirects(app, exception) -> None:
    if exception is not None or app.builder.name != "html":
        return
    outdir, base = Path(app.outdir), app.config.html_baseurl
    docs = sorted(d for d in app.env.found_docs if d not in NOT_CONTENT)
    pages = [app.builder.get_target_uri(d) for d in docs]
    titles = {page: app.env.titles[d].astext() for d, page in zip(docs, pages) if d in app.env.titles}
    icon = f"_static/{Path(app.config.html_favicon).name}" if app.config.html_favicon else ""
    write_redirects(outdir, load_redirects(Path(app.srcdir) / REDIRECTS), titles, base, icon)
    (outdir / SITEMAP).write_text(sitemap_xml(pages, base), encoding="utf-8")


def setup(app):
    app.connect("config-inited", _set_baseurl)
    app.connect("build-finished", _write_sitemap_and_redirects)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Publishing: stable URLs on the site, the release archive, and what changed in the numbers.

As a Sphinx extension (``_config.yml``):

- ``html_baseurl`` comes from the environment variable ``CGOV_BASEURL`` when it is set (else from
  ``html.baseurl`` in ``_config.yml``, empty by default); with it every page carries a canonical link;
- ``sitemap.xml`` lists every page (absolute URLs under the base URL; paths relative to the site root
  when there is none);
- ``book/redirects.yml`` (old path → new path) becomes redirect pages, so a cited URL never dies.

On the command line:

- ``python -m cgov.publish dist`` (``make dist``): a clean strict build in ``_build/dist-site``, then
  ``dist/cgov-<version>-site.zip``, the PDF handouts when ``make pdf`` has made them, and ``SHA256SUMS``;
- ``python -m cgov.publish diff OLD NEW``: which published numbers and tables changed between two
  results folders (``_build/results``); exit status 1 when something changed, as diff(1).
"""
from __future__ import annotations

import argparse
import hashlib
import html
import csv
import json
import math
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

import yaml

import cgov
from cgov import paths

NAME = "cgov"
BASEURL_ENV = "CGOV_BASEURL"
REDIRECTS = "book/redirects.yml"
SITEMAP = "sitemap.xml"
MANIFEST = "MANIFEST.json"
CHECKSUMS = "SHA256SUMS"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Pages Sphinx makes that are not content (the index and the search page): not in the sitemap.
NOT_CONTENT = {"genindex", "search"}
#: Relative difference below which two published numbers count as the same (see :func:`same`).
TOLERANCE = 5e-6
#: A fixed timestamp for zip entries, so the same files always pack into the same archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ReleaseError(RuntimeError):
    """The release cannot be made as asked (versions disagree, a redirect is wrong, a link is broken)."""


# ---------- the site: base URL, sitemap, redirects ----------

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
        raise ReleaseError(f"{path}: expected a mapping of old page path to new page path")
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
    """Write a redirect page for each moved page; ReleaseError if a target is missing or an old path
    is still a page of this build."""
    written = []
    for old, new in sorted(mapping.items()):
        if not (outdir / new).is_file():
            raise ReleaseError(f"{REDIRECTS}: {old} → {new}, but {new} is not in the build")
        if (outdir / old).is_file():
            raise ReleaseError(f"{REDIRECTS}: {old} is still a page of the book; remove its redirect")
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


# ---------- checking a built site ----------

_LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src"}
_NOT_A_FILE = re.compile(r"^([a-z][a-z0-9+.-]*:|#)", re.I)  # http:, mailto:, data:, javascript:, #anchor


class _Links(HTMLParser):
    """The URLs a page links to or loads (canonical links aside)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _LINK_ATTRS and attrs.get(_LINK_ATTRS[tag]) and attrs.get("rel") != "canonical":
            self.urls.append(attrs[_LINK_ATTRS[tag]].strip())


def site_problems(site: Path, base: str = "") -> list[str]:
    """Links that break when the site is served from another sub-path or opened from disk: root-relative
    links, links to the site's own public address (other than the canonical link), and local links to
    files that are not there. Pages in ``_static`` are theme templates, not pages."""
    problems, root = [], site.resolve()
    for page in sorted(site.rglob("*.html")):
        where = page.relative_to(site)
        if where.parts[0] == "_static":
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            if url.startswith("/"):
                problems.append(f"{where.as_posix()}: root-relative link {url}")
            elif base and url.startswith(base):
                problems.append(f"{where.as_posix()}: absolute link to the site itself {url}")
            elif url and not _NOT_A_FILE.match(url):
                target = (page.parent / unquote(urlsplit(url).path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file() or root not in target.parents:
                    problems.append(f"{where.as_posix()}: missing {url}")
    return problems


# ---------- the release archive ----------

def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def changelog_top(text: str) -> tuple[str, str]:
    """(version, date or "unreleased") of the newest entry of CHANGELOG.md (``## 0.1.0 — 2026-11-27``)."""
    match = re.search(r"^## (\S+) — (\S+)", text, re.M)
    if not match:
        raise ReleaseError("CHANGELOG.md has no entry of the form '## <version> — <date or unreleased>'")
    return match.group(1), match.group(2)


def release_version(root: Path = paths.ROOT) -> str:
    """The version in pyproject.toml, checked against the installed package, the newest CHANGELOG entry
    and any ``v*`` tag on HEAD (a tagged release must have a dated CHANGELOG entry)."""
    declared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    if cgov.__version__ != declared:
        raise ReleaseError(f"installed cgov is {cgov.__version__}, pyproject.toml says {declared}: "
                           f"reinstall (make does it)")
    logged, date = changelog_top((root / "CHANGELOG.md").read_text(encoding="utf-8"))
    if logged != declared:
        raise ReleaseError(f"the newest CHANGELOG.md entry is {logged}, the version is {declared}")
    tags = subprocess.run(["git", "tag", "--points-at", "HEAD", "--list", "v*"], cwd=root,
                          capture_output=True, text=True).stdout.split()
    wrong = [tag for tag in tags if tag != f"v{declared}"]
    if wrong:
        raise ReleaseError(f"HEAD is tagged {', '.join(wrong)}, but the version is {declared} (tag v{declared})")
    if tags and date == "unreleased":
        raise ReleaseError(f"HEAD is tagged v{declared}: give its CHANGELOG.md entry the release date")
    return declared


def pack_site(site: Path, archive: Path, manifest: dict) -> Path:
    """Zip the site under one folder named like the archive, with ``MANIFEST.json`` (the manifest given,
    plus the sha256 of every file); dot-files (Sphinx's ``.buildinfo``) stay out."""
    folder = archive.name.removesuffix(".zip")
    files = sorted(p for p in site.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(site).parts))
    manifest = {**manifest, "files": {p.relative_to(site).as_posix(): sha256(p) for p in files}}
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=archive.parent, suffix=".part", delete=False) as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                _add(zf, f"{folder}/{path.relative_to(site).as_posix()}", path.read_bytes())
            _add(zf, f"{folder}/{MANIFEST}", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    os.replace(handle.name, archive)
    return archive


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
    zf.writestr(info, data)


def write_checksums(files: list[Path], target: Path) -> Path:
    """``SHA256SUMS`` in the format of ``sha256sum`` (check with ``sha256sum -c SHA256SUMS``)."""
    target.write_text("".join(f"{sha256(f)}  {f.name}\n" for f in sorted(files)), encoding="utf-8")
    return target


def build_site(output: Path, pdfs: list[Path]) -> Path:
    """A clean strict build of the book into ``output`` (with the PDF handouts, so the site links them);
    returns the HTML folder."""
    shutil.rmtree(output, ignore_errors=True)
    latex = output / "_build" / "latex"
    latex.mkdir(parents=True)
    for pdf in pdfs:
        shutil.copyfile(pdf, latex / pdf.name)
    env = {**os.environ, "CGOV_RESULTS": str(output / "results")}
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jupyter_book), "build", str(paths.ROOT), "--path-output", str(output),
                           "--all", "-W", "-n", "--keep-going"], cwd=paths.ROOT, env=env)
    if proc.returncode:
        raise ReleaseError(f"the book build failed (exit status {proc.returncode})")
    return output / "_build" / "html"


def dist() -> list[Path]:
    """Build and pack the release into ``dist/``; return the files written."""
    from cgov.apparatus import git_commit

    version = release_version()
    pdfs = sorted((paths.BUILD / "latex").glob("*.pdf"))
    site = build_site(paths.BUILD / "dist-site", pdfs)
    base = base_url(_configured_baseurl())
    problems = site_problems(site, base)
    if problems:
        raise ReleaseError("the site has broken links:\n" + "\n".join(problems[:20]))
    shutil.rmtree(paths.DIST, ignore_errors=True)
    manifest = {"name": NAME, "version": version, "commit": git_commit(paths.ROOT), "base_url": base,
                "pdfs": [p.name for p in pdfs],
                "pdf_note": ("PDF handouts included in downloads/pdf/" if pdfs else
                             "no PDF handouts: run `make pdf` before `make dist` to include them")}
    written = [pack_site(site, paths.DIST / f"{NAME}-{version}-site.zip", manifest)]
    written += [Path(shutil.copyfile(pdf, paths.DIST / f"{NAME}-{version}-{pdf.name}")) for pdf in pdfs]
    return written + [write_checksums(written, paths.DIST / CHECKSUMS)]


def _configured_baseurl() -> str:
    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    return (config.get("html") or {}).get("baseurl", "")


# ---------- what changed in the numbers ----------

def read_results(folder: Path) -> dict[str, dict[str, object]]:
    """chapter → {result name → record} for every ``<chapter>.json``, and {table.csv → rows} for
    every ``<chapter>/<table>.csv``."""
    if not folder.is_dir():
        raise ReleaseError(f"{folder}: no such results folder")
    found: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("*.json")):
        found.setdefault(path.stem, {}).update(json.loads(path.read_text(encoding="utf-8")))
    for path in sorted(folder.glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [[_cell(cell) for cell in row] for row in csv.reader(handle)]
        found.setdefault(path.parent.name, {})[path.name] = rows
    return found


def _cell(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def same(old, new) -> bool:
    """Equal; floats within :data:`TOLERANCE` (relative), texts exactly. Iterative estimators (factor
    analysis, multilevel models) differ by up to 2e-6 (relative) between two runs of the same commit, far
    below what a page shows."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new))
    if isinstance(old, float) or isinstance(new, float):
        return isinstance(old, (int, float)) and isinstance(new, (int, float)) and \
            math.isclose(old, new, rel_tol=TOLERANCE, abs_tol=1e-12)
    return old == new  # texts, formats and labels exactly


def diff_results(old: Path, new: Path) -> list[str]:
    """One line per chapter whose published numbers or tables differ between two results folders."""
    before, after = read_results(old), read_results(new)
    lines = []
    for chapter in sorted(before.keys() | after.keys()):
        a, b = before.get(chapter, {}), after.get(chapter, {})
        if chapter not in before or chapter not in after:
            lines.append(f"{chapter}: chapter {'added' if chapter in after else 'removed'} "
                         f"({len(a or b)} results)")
            continue
        changes = [f"added {n}" for n in sorted(b.keys() - a.keys())]
        changes += [f"removed {n}" for n in sorted(a.keys() - b.keys())]
        changes += [_change(n, a[n], b[n]) for n in sorted(a.keys() & b.keys()) if not same(a[n], b[n])]
        if changes:
            lines.append(f"{chapter}: " + "; ".join(changes))
    return lines


def _change(name: str, old, new) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        if old.get("text") != new.get("text"):
            return f"{name} {old.get('text')} → {new.get('text')}"
        if not same(old.get("value"), new.get("value")):
            return f"{name} {old.get('value')!r} → {new.get('value')!r} (both shown as {new.get('text')})"
    return f"{name} changed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cgov.publish", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dist", help="build and pack the release into dist/")
    diff = commands.add_parser("diff", help="which chapter results changed between two results folders")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "dist":
            for path in dist():
                print(f"{path.relative_to(paths.ROOT)}  {path.stat().st_size:,} bytes")
            return 0
        lines = diff_results(args.old, args.new)
    except ReleaseError as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines) if lines else f"no change in {len(read_results(args.new))} chapters "
                                         f"(numbers compared to a relative {TOLERANCE:g})")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

"""``cgov dist`` (``make dist``): the release archive of the site.

A clean strict build in ``_build/dist-site`` (``_build/html`` is left alone), checked for links that
would break on another host or from disk, packed as ``dist/cgov-<version>-site.zip`` with a manifest of
checksums, plus the PDF handouts when ``cgov pdf`` has made them, the slide decks when ``cgov slides``
has made them, and ``SHA256SUMS``. The version is
pyproject.toml's; the newest CHANGELOG entry and a ``v*`` tag on HEAD must agree with it.
"""
from __future__ import annotations

import argparse
import json
import os
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

import yaml

import cgov
from cgov import paths
from cgov.data import sha256
from cgov.release import ReleaseError
from cgov.site.apparatus import git_commit
from cgov.site.urls import base_url

NAME = "cgov"
MANIFEST = "MANIFEST.json"
CHECKSUMS = "SHA256SUMS"
#: A fixed timestamp for zip entries, so the same files always pack into the same archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


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


def build_site(output: Path, pdfs: list[Path], decks: list[Path] = ()) -> Path:
    """A clean strict build of the book into ``output`` (with the PDF handouts and the slide decks, so the
    site links them and copies them to its downloads); returns the HTML folder."""
    shutil.rmtree(output, ignore_errors=True)
    for files, folder in ((pdfs, "latex"), (decks, "slides")):
        target = output / "_build" / folder
        target.mkdir(parents=True)
        for file in files:
            shutil.copyfile(file, target / file.name)
    env = {**os.environ, "CGOV_RESULTS": str(output / "results")}
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jupyter_book), "build", str(paths.ROOT), "--path-output", str(output),
                           "--all", "-W", "-n", "--keep-going"], cwd=paths.ROOT, env=env)
    if proc.returncode:
        raise ReleaseError(f"the book build failed (exit status {proc.returncode})")
    return output / "_build" / "html"


def dist() -> list[Path]:
    """Build and pack the release into ``dist/``; return the files written."""
    version = release_version()
    pdfs = sorted((paths.BUILD / "latex").glob("*.pdf"))
    decks = sorted((paths.BUILD / "slides").glob("*.pptx"))
    site = build_site(paths.BUILD / "dist-site", pdfs, decks)
    base = base_url(_configured_baseurl())
    problems = site_problems(site, base)
    if problems:
        raise ReleaseError("the site has broken links:\n" + "\n".join(problems[:20]))
    shutil.rmtree(paths.DIST, ignore_errors=True)
    manifest = {"name": NAME, "version": version, "commit": git_commit(paths.ROOT), "base_url": base,
                "pdfs": [p.name for p in pdfs],
                "pdf_note": ("PDF handouts included in downloads/pdf/" if pdfs else
                             "no PDF handouts: run `make pdf` before `make dist` to include them"),
                "slides": [d.name for d in decks],
                "slides_note": ("PowerPoint decks included in downloads/slides/" if decks else
                                "no slide decks: run `make slides` before `make dist` to include them")}
    written = [pack_site(site, paths.DIST / f"{NAME}-{version}-site.zip", manifest)]
    written += [Path(shutil.copyfile(file, paths.DIST / f"{NAME}-{version}-{file.name}")) for file in pdfs + decks]
    return written + [write_checksums(written, paths.DIST / CHECKSUMS)]


def _configured_baseurl() -> str:
    config = yaml.safe_load((paths.ROOT / "_config.yml").read_text(encoding="utf-8"))
    return (config.get("html") or {}).get("baseurl", "")


def run(args: argparse.Namespace) -> int:
    """``cgov dist`` (arguments in :mod:`cgov.__main__`)."""
    for path in dist():
        print(f"{path.relative_to(paths.ROOT)}  {path.stat().st_size:,} bytes")
    return 0

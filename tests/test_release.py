"""Publishing (cgov.publish): the release archive, the sitemap and canonical links, redirects for moved
pages, the version in one place, the CI workflow, and the diff of chapter results between builds."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import jupytext
import pytest
import yaml
from nbclient import NotebookClient

import cgov
from cgov import publish
from cgov.apparatus import chapters
from conftest import ROOT

BASE = "https://book.invalid/cgov/"  # a reserved, never-resolving domain: test value only


# ---------- the archive ----------

@pytest.fixture(scope="module")
def archive(site, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    manifest = {"name": publish.NAME, "version": cgov.__version__, "pdfs": []}
    return publish.pack_site(site, folder / f"cgov-{cgov.__version__}-site.zip", manifest)


def test_archive_holds_every_file_of_the_site_and_a_manifest_with_their_checksums(site, archive):
    folder = archive.name.removesuffix(".zip")
    expected = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(site).parts)}
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert names == {f"{folder}/{name}" for name in expected | {publish.MANIFEST}}
        manifest = json.loads(zf.read(f"{folder}/{publish.MANIFEST}"))
        assert manifest["version"] == cgov.__version__
        assert set(manifest["files"]) == expected
        for name, digest in manifest["files"].items():
            assert publish.hashlib.sha256(zf.read(f"{folder}/{name}")).hexdigest() == digest, name
    assert {"index.html", "sitemap.xml", "search.html", "searchindex.js"} <= expected


def test_unpacked_archive_works_from_disk_with_relative_links_only(archive, tmp_path):
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "any" / "sub-path")
    unpacked = tmp_path / "any" / "sub-path" / archive.name.removesuffix(".zip")
    pages = [p for p in unpacked.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) >= 10
    assert publish.site_problems(unpacked, BASE) == []


def test_checksums_file_matches_and_sha256sum_agrees(archive, tmp_path):
    other = tmp_path / "cgov-book.pdf"
    other.write_bytes(b"%PDF-1.5 stand-in")
    shutil.copy(archive, tmp_path / archive.name)
    sums = publish.write_checksums([tmp_path / archive.name, other], tmp_path / publish.CHECKSUMS)
    lines = dict(reversed(line.split("  ")) for line in sums.read_text().splitlines())
    assert lines == {archive.name: publish.sha256(archive), other.name: publish.sha256(other)}
    check = subprocess.run(["sha256sum", "-c", publish.CHECKSUMS], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    other.write_bytes(b"tampered")
    assert subprocess.run(["sha256sum", "-c", "--quiet", publish.CHECKSUMS], cwd=tmp_path,
                          capture_output=True).returncode != 0


def test_site_problems_finds_broken_absolute_and_root_relative_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "ok.html").write_text('<a href="a/page.html#x">x</a><link rel="canonical" href="/x">')
    (tmp_path / "a" / "page.html").write_text(
        '<a href="/index.html">r</a><img src="../missing.png"><a href="https://book.invalid/cgov/ok.html">s</a>'
        '<a href="https://example.org/">e</a><a href="#top">t</a><script src="../ok.html"></script>')
    problems = publish.site_problems(tmp_path, BASE)
    assert problems == ["a/page.html: root-relative link /index.html", "a/page.html: missing ../missing.png",
                        "a/page.html: absolute link to the site itself https://book.invalid/cgov/ok.html"]


# ---------- the sitemap, canonical links and redirects ----------

def content_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_static" not in p.parts
            and p.name not in {"genindex.html", "search.html"} and 'http-equiv="refresh"' not in p.read_text()}


def test_sitemap_lists_every_page_of_the_book_once(site):
    listed = publish.sitemap_paths((site / publish.SITEMAP).read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed))
    assert set(listed) == content_pages(site)


def test_every_url_of_the_previous_release_still_resolves(site):
    previous = publish.sitemap_paths((ROOT / "tests" / "data" / "sitemap-previous.xml").read_text())
    assert "index.html" in previous
    missing = [page for page in previous if not (site / page).is_file()]
    assert not missing, f"pages of the previous release that are gone (add them to {publish.REDIRECTS}): {missing}"


def test_each_redirect_of_the_book_is_a_page_that_sends_readers_on(site):
    for old, new in publish.load_redirects(ROOT / publish.REDIRECTS).items():
        text = (site / old).read_text(encoding="utf-8")
        target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', text).group(1)
        assert (site / old).parent.joinpath(target).resolve() == (site / new).resolve()


@pytest.fixture
def mini_book(tmp_path):
    """A two-page Sphinx project with cgov.publish and one moved page."""
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    (src / "_static").mkdir()
    (src / "_static" / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (src / "conf.py").write_text('extensions = ["cgov.publish"]\nhtml_favicon = "_static/favicon.svg"\n'
                                 'html_static_path = ["_static"]\n')
    (src / "index.rst").write_text("首页\n====\n\n.. toctree::\n\n   book/chapter\n")
    (src / "book" / "chapter.rst").write_text("第一章\n======\n\n正文。\n")
    (src / "book" / "redirects.yml").write_text("notebooks/01-old.html: book/chapter.html\n")
    return src


def build_mini(src: Path, out: Path) -> Path:
    from sphinx.application import Sphinx

    app = Sphinx(str(src), str(src), str(out), str(out / ".doctrees"), "html", status=None, warning=None,
                 freshenv=True)
    app.build()
    return out


def test_canonical_links_sitemap_and_redirect_pages_under_a_base_url(mini_book, tmp_path, monkeypatch):
    monkeypatch.setenv(publish.BASEURL_ENV, BASE.rstrip("/"))  # the slash is added
    out = build_mini(mini_book, tmp_path / "html")
    for page in ("index.html", "book/chapter.html"):
        assert f'<link rel="canonical" href="{BASE}{page}" />' in (out / page).read_text()
    sitemap = (out / publish.SITEMAP).read_text()
    assert re.findall(r"<loc>(.*?)</loc>", sitemap) == [f"{BASE}book/chapter.html", f"{BASE}index.html"]
    assert publish.sitemap_paths(sitemap) == ["book/chapter.html", "index.html"]
    redirect = (out / "notebooks" / "01-old.html").read_text()
    assert 'content="0; url=../book/chapter.html"' in redirect
    assert f'<link rel="canonical" href="{BASE}book/chapter.html">' in redirect
    assert '<a href="../book/chapter.html">第一章</a>' in redirect
    assert publish.site_problems(out, BASE) == []


def test_without_a_base_url_no_canonical_link_and_a_relative_sitemap(mini_book, tmp_path, monkeypatch):
    monkeypatch.delenv(publish.BASEURL_ENV, raising=False)
    out = build_mini(mini_book, tmp_path / "html")
    assert 'rel="canonical"' not in (out / "index.html").read_text()
    assert re.findall(r"<loc>(.*?)</loc>", (out / publish.SITEMAP).read_text()) == ["book/chapter.html", "index.html"]


@pytest.mark.parametrize("mapping, message", [("notebooks/01-old.html: book/gone.html", "not in the build"),
                                              ("book/chapter.html: index.html", "still a page")])
def test_a_wrong_redirect_fails_the_build(mini_book, tmp_path, mapping, message):
    (mini_book / "book" / "redirects.yml").write_text(mapping + "\n")
    with pytest.raises(Exception, match=message):
        build_mini(mini_book, tmp_path / "html")


# ---------- the version in one place ----------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_version_comes_from_pyproject_and_a_tag_must_agree(tmp_path):
    assert publish.release_version(ROOT) == cgov.__version__ == tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["version"]
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## {cgov.__version__} — unreleased\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "release")
    assert publish.release_version(tmp_path) == cgov.__version__
    git(tmp_path, "tag", "v9.9.9")
    with pytest.raises(publish.ReleaseError, match="v9.9.9"):
        publish.release_version(tmp_path)
    git(tmp_path, "tag", "-d", "v9.9.9")
    git(tmp_path, "tag", f"v{cgov.__version__}")
    with pytest.raises(publish.ReleaseError, match="release date"):
        publish.release_version(tmp_path)
    (tmp_path / "CHANGELOG.md").write_text(f"## {cgov.__version__} — 2026-11-27\n")
    assert publish.release_version(tmp_path) == cgov.__version__
    (tmp_path / "CHANGELOG.md").write_text("## 0.0.1 — 2026-11-27\n")
    with pytest.raises(publish.ReleaseError, match="newest CHANGELOG.md entry is 0.0.1"):
        publish.release_version(tmp_path)


# ---------- the CI workflow ----------

def make_targets(commands: str) -> set[str]:
    return set(re.findall(r"\bmake ([a-z][\w-]*)", commands))


def test_workflow_parses_and_runs_the_same_make_targets_as_ci():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert "v*" in triggers["push"]["tags"]
    runs = {name: "\n".join(step.get("run", "") for step in job.get("steps", []))
            for name, job in workflow["jobs"].items()}
    ci_targets = make_targets((ROOT / ".ci" / "run").read_text())
    assert ci_targets == {"test"} and make_targets(runs["test"]) == ci_targets
    release = workflow["jobs"]["release"]
    assert release["if"].startswith("startsWith(github.ref, 'refs/tags/v")
    assert {"pdf", "dist"} <= make_targets(runs["release"])
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any(step.get("with", {}).get("files") == "dist/*" for step in release["steps"])
    makefile_targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    assert make_targets("\n".join(runs.values())) <= makefile_targets


def test_changelog_has_an_entry_for_this_version():
    version, _ = publish.changelog_top((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert version == cgov.__version__


# ---------- what changed in the numbers ----------

def write_results(folder: Path, chapters: dict[str, dict], tables: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True)
    for chapter, results in chapters.items():
        (folder / f"{chapter}.json").write_text(json.dumps(results))
    for path, text in (tables or {}).items():
        (folder / path).parent.mkdir(exist_ok=True)
        (folder / path).write_text(text)
    return folder


def number(value, text):
    return {"value": value, "fmt": "{:,.1f}", "unit": "万名", "label": "党员", "source": "", "text": text}


def test_diff_names_each_changed_number_and_table(tmp_path, capsys):
    old = write_results(tmp_path / "old", {"01-a": {"x": number(1.0, "1.0"), "y": number(2.0, "2.0"),
                                                    "n": number(0.2813533, "0.28"), "m": number(0.2813, "0.28")},
                                           "02-b": {"z": number(3.0, "3.0")}, "03-c": {"w": number(4, "4")}},
                        {"02-b/t.csv": "a,b\n1,10027.1\n", "03-c/u.csv": "a,b\nx,0.2813533\n"})
    new = write_results(tmp_path / "new", {"01-a": {"x": number(1.5, "1.5"), "v": number(0.0, "0.0"),
                                                    "n": number(0.2813528, "0.28"), "m": number(0.2850, "0.28")},
                                           "02-b": {"z": number(3.0, "3.0")}, "03-c": {"w": number(4, "4")},
                                           "04-d": {"u": number(5, "5")}},
                        {"02-b/t.csv": "a,b\n1,10027.2\n", "03-c/u.csv": "a,b\nx,0.2813528\n"})
    assert publish.diff_results(old, new) == [
        "01-a: added v; removed y; m 0.2813 → 0.285 (both shown as 0.28); x 1.0 → 1.5",
        "02-b: t.csv changed", "04-d: chapter added (1 results)"]
    assert publish.main(["diff", str(old), str(new)]) == 1
    assert "01-a: added v" in capsys.readouterr().out
    assert publish.main(["diff", str(old), str(old)]) == 0
    assert capsys.readouterr().out.startswith("no change in 3 chapters")
    assert publish.main(["diff", str(old), str(tmp_path / "nowhere")]) == 2


BOOK_CHAPTERS = [Path(doc).name for _, doc, _ in chapters(ROOT) if doc.startswith("notebooks/")]


@pytest.fixture(scope="module")
def second_execution(tmp_path_factory) -> Path:
    """The book's chapters' results from a second, independent execution of each notebook: those that
    tests/test_notebooks.py wrote in this session, or (where it has not run) a fresh execution here."""
    merged = tmp_path_factory.mktemp("second-execution")
    for folder in tmp_path_factory.getbasetemp().glob("test_notebook_executes*/results"):
        for stem in BOOK_CHAPTERS:
            if (folder / f"{stem}.json").is_file():
                shutil.copy(folder / f"{stem}.json", merged)
            if (folder / stem).is_dir():
                shutil.copytree(folder / stem, merged / stem, dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CGOV_RESULTS", str(merged))
        for stem in BOOK_CHAPTERS:
            if not (merged / f"{stem}.json").is_file():
                path = ROOT / "notebooks" / f"{stem}.md"
                NotebookClient(jupytext.read(path), timeout=600, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}}).execute()
    return merged


def test_two_clean_executions_of_this_commit_publish_the_same_results(strict_build, site, second_execution):
    assert {p.stem for p in second_execution.glob("*.json")} == set(BOOK_CHAPTERS)
    assert {p.stem for p in strict_build.results.glob("*.json")} == set(BOOK_CHAPTERS)
    assert publish.diff_results(strict_build.results, second_execution) == []

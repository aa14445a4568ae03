"""The release (cgov.release): the archive and its checksums, links that survive another host, the
version in one place, the CI workflow, and the diff of chapter results between builds (cgov diff)."""
from __future__ import annotations

import hashlib
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
from cgov.__main__ import main
from cgov.data import sha256
from cgov.release import ReleaseError, diff, dist
from cgov.toc import chapters
from conftest import ROOT

BASE = "https://book.invalid/cgov/"  # a reserved, never-resolving domain: test value only


# ---------- the archive ----------

@pytest.fixture(scope="module")
def archive(site, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    manifest = {"name": dist.NAME, "version": cgov.__version__, "pdfs": []}
    return dist.pack_site(site, folder / f"cgov-{cgov.__version__}-site.zip", manifest)


def test_archive_holds_every_file_of_the_site_and_a_manifest_with_their_checksums(site, archive):
    folder = archive.name.removesuffix(".zip")
    expected = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(site).parts)}
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert names == {f"{folder}/{name}" for name in expected | {dist.MANIFEST}}
        manifest = json.loads(zf.read(f"{folder}/{dist.MANIFEST}"))
        assert manifest["version"] == cgov.__version__
        assert set(manifest["files"]) == expected
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zf.read(f"{folder}/{name}")).hexdigest() == digest, name
    assert {"index.html", "sitemap.xml", "search.html", "searchindex.js"} <= expected


def test_unpacked_archive_works_from_disk_with_relative_links_only(archive, tmp_path):
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "any" / "sub-path")
    unpacked = tmp_path / "any" / "sub-path" / archive.name.removesuffix(".zip")
    pages = [p for p in unpacked.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) >= 10
    assert dist.site_problems(unpacked, BASE) == []


def test_checksums_file_matches_and_sha256sum_agrees(archive, tmp_path):
    other = tmp_path / "cgov-book.pdf"
    other.write_bytes(b"%PDF-1.5 stand-in")
    shutil.copy(archive, tmp_path / archive.name)
    sums = dist.write_checksums([tmp_path / archive.name, other], tmp_path / dist.CHECKSUMS)
    lines = dict(reversed(line.split("  ")) for line in sums.read_text().splitlines())
    assert lines == {archive.name: sha256(archive), other.name: sha256(other)}
    check = subprocess.run(["sha256sum", "-c", dist.CHECKSUMS], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    other.write_bytes(b"tampered")
    assert subprocess.run(["sha256sum", "-c", "--quiet", dist.CHECKSUMS], cwd=tmp_path,
                          capture_output=True).returncode != 0


def test_site_problems_finds_broken_absolute_and_root_relative_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "ok.html").write_text('<a href="a/page.html#x">x</a><link rel="canonical" href="/x">')
    (tmp_path / "a" / "page.html").write_text(
        '<a href="/index.html">r</a><img src="../missing.png"><a href="https://book.invalid/cgov/ok.html">s</a>'
        '<a href="https://example.org/">e</a><a href="#top">t</a><script src="../ok.html"></script>')
    problems = dist.site_problems(tmp_path, BASE)
    assert problems == ["a/page.html: root-relative link /index.html", "a/page.html: missing ../missing.png",
                        "a/page.html: absolute link to the site itself https://book.invalid/cgov/ok.html"]


# ---------- the version in one place ----------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_version_comes_from_pyproject_and_a_tag_must_agree(tmp_path):
    assert dist.release_version(ROOT) == cgov.__version__ == tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["version"]
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## {cgov.__version__} — unreleased\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "release")
    assert dist.release_version(tmp_path) == cgov.__version__
    git(tmp_path, "tag", "v9.9.9")
    with pytest.raises(ReleaseError, match="v9.9.9"):
        dist.release_version(tmp_path)
    git(tmp_path, "tag", "-d", "v9.9.9")
    git(tmp_path, "tag", f"v{cgov.__version__}")
    with pytest.raises(ReleaseError, match="release date"):
        dist.release_version(tmp_path)
    (tmp_path / "CHANGELOG.md").write_text(f"## {cgov.__version__} — 2026-11-27\n")
    assert dist.release_version(tmp_path) == cgov.__version__
    (tmp_path / "CHANGELOG.md").write_text("## 0.0.1 — 2026-11-27\n")
    with pytest.raises(ReleaseError, match="newest CHANGELOG.md entry is 0.0.1"):
        dist.release_version(tmp_path)


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
    assert {"pdf", "slides", "dist"} <= make_targets(runs["release"])
    order = [make_targets(step.get("run", "")) for step in release["steps"]]
    first = {target: next(i for i, targets in enumerate(order) if target in targets)
             for target in ("pdf", "slides", "dist")}
    assert first["pdf"] < first["dist"] and first["slides"] < first["dist"], "dist packs only what was made before it"
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert any(step.get("with", {}).get("files") == "dist/*" for step in release["steps"])
    makefile_targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    assert make_targets("\n".join(runs.values())) <= makefile_targets


def test_changelog_has_an_entry_for_this_version():
    version, _ = dist.changelog_top((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
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
                                                    "n": number(0.2813533, "0.28"), "m": number(0.2813, "0.28"),
                                                    "e": number(7.0, "7.0")},
                                           "02-b": {"z": number(3.0, "3.0")}, "03-c": {"w": number(4, "4")}},
                        {"02-b/t.csv": "a,b\n1,10027.1\n", "03-c/u.csv": "a,b\nx,0.2813533\n"})
    new = write_results(tmp_path / "new", {"01-a": {"x": number(1.5, "1.5"), "v": number(0.0, "0.0"),
                                                    "n": number(0.2813528, "0.28"), "m": number(0.2850, "0.28"),
                                                    "e": {**number(7.0, "7.0"), "label": "党员人数", "evidence": "real"}},
                                           "02-b": {"z": number(3.0, "3.0")}, "03-c": {"w": number(4, "4")},
                                           "04-d": {"u": number(5, "5")}},
                        {"02-b/t.csv": "a,b\n1,10027.2\n", "03-c/u.csv": "a,b\nx,0.2813528\n"})
    assert diff.diff_results(old, new) == [
        "01-a: added v; removed y; m 0.2813 → 0.285 (both shown as 0.28); x 1.0 → 1.5",
        "02-b: t.csv changed", "04-d: chapter added (1 results)"]
    assert main(["diff", str(old), str(new)]) == 1
    assert "01-a: added v" in capsys.readouterr().out
    assert main(["diff", str(old), str(old)]) == 0
    assert capsys.readouterr().out.startswith("no change in 3 chapters")
    assert main(["diff", str(old), str(tmp_path / "nowhere")]) == 2


#: The chapter executed a second time: its factor analysis is iterative, where run-to-run drift shows first.
#: (Executing every chapter twice would double the test time; the strict build is the first execution.)
SECOND_RUN = "04-participation"


@pytest.fixture(scope="module")
def second_execution(tmp_path_factory) -> Path:
    """The results of a second, independent execution of one chapter (:data:`SECOND_RUN`)."""
    results = tmp_path_factory.mktemp("second-execution")
    path = ROOT / "notebooks" / f"{SECOND_RUN}.md"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CGOV_RESULTS", str(results))
        NotebookClient(jupytext.read(path), timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return results


def test_two_clean_executions_of_a_chapter_publish_the_same_results(strict_build, second_execution,
                                                                   tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(strict_build.results / f"{SECOND_RUN}.json", first)
    if (strict_build.results / SECOND_RUN).is_dir():
        shutil.copytree(strict_build.results / SECOND_RUN, first / SECOND_RUN)
    assert diff.diff_results(first, second_execution) == []


def test_bench_marks_the_chapter_budgets():
    """✗ where a chapter's first view passes 250 KB or its DOM 1,500 elements; † where only the full scroll
    (lazy figures below the fold) passes 250 KB, as issue 19 defines the budgets."""
    from cgov.release import bench

    row = {"requests": 19, "outside": 0, "axe": []}
    rows = [{**row, "page": "notebooks/04-x.html", "bytes": 133_700, "scrolled": 270_600, "elements": 1354},
            {**row, "page": "notebooks/05-y.html", "bytes": 123_400, "scrolled": 189_200, "elements": 1501},
            {**row, "page": "book/data.html", "bytes": 112_000, "scrolled": 112_000, "elements": 3428}]
    table = bench.report({}, rows, {})
    assert "| notebooks/04-x.html | 133.7 | 270.6 † |" in table
    assert "| notebooks/05-y.html ✗ | 123.4 | 189.2 |" in table and "| book/data.html | 112.0 | 112.0 |" in table

"""Citation apparatus: CITATION.cff validates (CFF 1.2.0), every cited key exists and every entry states its
verification status, the 如何引用 forms come from CITATION.cff, the version and commit are printed,
and the PDF configuration asks for XeLaTeX with Chinese typesetting on A4."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_file

import cgov
from cgov import cite, data
from cgov.release.handouts import as_chapter
from cgov.site.apparatus import STATUS_LABELS, git_commit, verification_status
from cgov.toc import chapters
from conftest import ROOT

#: The CFF 1.2.0 JSON schema, copied unchanged from the PyPI wheel cffconvert==2.0.0
#: (cffconvert/schemas/1.2.0/schema.json, sha256 0b8d2214…c169b); cffconvert itself conflicts with our pins.
SCHEMA = ROOT / "tests" / "data" / "cff-1.2.0.schema.json"
BIB = ROOT / "book" / "references.bib"
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def book_sources() -> list[Path]:
    return [ROOT / "index.md", *sorted((ROOT / "book").glob("*.md")), *sorted((ROOT / "notebooks").glob("*.md"))]


def test_citation_cff_is_valid_cff_1_2_0():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    jsonschema.Draft7Validator(schema).validate(cite.load_cff(ROOT / "CITATION.cff"))


def test_the_schema_rejects_a_broken_file():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**cite.load_cff(ROOT / "CITATION.cff")}
    del broken["authors"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_citation_version_is_the_package_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cff = cite.load_cff(ROOT / "CITATION.cff")
    assert cff["version"] == project["version"] == cgov.__version__


def test_every_cited_key_is_in_the_bibliography():
    keys = set(parse_file(str(BIB)).entries)
    for page in book_sources():
        for group in CITE.findall(page.read_text(encoding="utf-8")):
            for key in (k.strip() for k in group.split(",")):
                assert key in keys, f"{page.relative_to(ROOT)} cites {key!r}, which is not in references.bib"


def test_every_entry_states_its_verification_status():
    for key, entry in parse_file(str(BIB)).entries.items():
        assert verification_status(entry.fields.get("note", "")) in STATUS_LABELS, key


#: Names the bibliography style must not lower-case in an English title.
PROPER_NAMES = ("Poisson", "China", "Chinese", "Shenzhen", "Beijing", "Taipei", "COVID-19", "Kaplan", "Cox")


def unprotected_capitals(title: str) -> list[str]:
    """Latin words of ``title`` the style would lower-case: in a Chinese title every Latin capital (“C市Y区”,
    “SOR”), in an English one the proper names of :data:`PROPER_NAMES`; braces protect them."""
    bare = re.sub(r"\{[^{}]*\}", "", title)
    if re.search(r"[\u4e00-\u9fff]", title):
        return re.findall(r"[A-Z][A-Za-z0-9-]*", bare)
    return [name for name in PROPER_NAMES if re.search(rf"\b{re.escape(name)}\b", bare)]


def test_titles_protect_capitals_the_style_would_lower():
    for key, entry in parse_file(str(BIB)).entries.items():
        assert not unprotected_capitals(entry.fields.get("title", "")), (key, entry.fields["title"])


def test_the_capitals_check_is_not_vacuous():
    assert unprotected_capitals("基于C市Y区的分析") == ["C", "Y"]
    assert unprotected_capitals("Tests in the Poisson model") == ["Poisson"]
    assert unprotected_capitals("Tests in the {Poisson} model") == []


def test_reproducibility_page_says_which_seed_the_simulator_uses():
    """The page once said the simulated data start from cgov.style.SEED; the simulator has its own seed."""
    from cgov.sim import Design

    text = (ROOT / "book" / "reproducibility.md").read_text(encoding="utf-8")
    stored = json.loads((ROOT / "data" / "sim" / "sim_parameters.json").read_text(encoding="utf-8"))
    assert stored["design"]["seed"] == Design().seed
    if Design().seed != cgov.style.SEED:
        assert "模拟数据的生成也从这个种子出发" not in text
        assert "`cgov.sim.Design` 的 `seed`" in text


@pytest.mark.parametrize("note", ["", "seen somewhere", "VERIFIED", "verified-seen"])
def test_a_note_without_a_status_is_rejected(note):
    with pytest.raises(ValueError):
        verification_status(note)


def test_citation_forms_carry_title_version_and_type():
    work = cite.book(cite.load_cff(ROOT / "CITATION.cff"))
    assert cite.gbt7714_book(work) == f"{work.authors}. {work.title}[M/OL]. {work.version} 版. {work.year}."
    chapter = cite.gbt7714_chapter(work, "章题", 3)
    assert "章题[M/OL]//" in chapter and "第 3 章" in chapter
    assert "[DS/OL]" in cite.gbt7714_dataset(work, "数据")
    assert cite.apa_book(work).startswith(f"{work.authors}. ({work.year}). *{work.title}* (Version {work.version})")
    assert "Chapter 3" in cite.apa_chapter(work, "章题", 3)
    assert "[Data set]" in cite.apa_dataset(work, "数据")
    assert "@book{cgovbook," in cite.bibtex_book(work) and f"edition = {{{work.version}}}" in cite.bibtex_book(work)


def test_git_commit_falls_back_without_a_repository(tmp_path):
    assert git_commit(tmp_path) == "未知"
    assert re.fullmatch(r"[0-9a-f]{7,}", git_commit(ROOT))


SUBSTITUTION_IN_CODE = re.compile(r"`[^`\n]*\{\{\s*book_\w+\s*\}\}[^`\n]*`")


def test_no_substitution_sits_in_a_code_span():
    """MyST leaves ``{{ book_commit }}`` untouched inside backticks: the page would print the braces."""
    for page in book_sources():
        found = SUBSTITUTION_IN_CODE.findall(page.read_text(encoding="utf-8"))
        assert not found, f"{page.relative_to(ROOT)}: substitution inside a code span: {found}"


def test_a_chapter_handout_is_one_numbered_chapter(tmp_path):
    tex = tmp_path / "c.tex"
    tex.write_text("\\title{章题}\n\\begin{document}\n\\sphinxtableofcontents\n\\pagestyle{normal}\n导言\n"
                   "\\chapter{问题}\n\\section{细节}\n\\chapter*{附}\n", encoding="utf-8")
    as_chapter(tex, 3)
    as_chapter(tex, 3)
    body = tex.read_text(encoding="utf-8").split("\\pagestyle{normal}\n", 1)[1]
    assert body.startswith("\\def\\cgovchapter{}\\setcounter{chapter}{2}\\chapter{章题}\n导言\n")
    assert "\\section{问题}\n\\subsection{细节}\n\\section*{附}" in body
    assert body.count("\\chapter{") == 1


def test_pdf_configuration_is_xelatex_ctex_a4_with_noto_cjk():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["latex"]["latex_engine"] == "xelatex"
    assert config["latex"]["use_jupyterbook_latex"] is False
    sphinx = config["sphinx"]["config"]
    assert sphinx["latex_docclass"]["manual"] == "ctexbook"
    elements = sphinx["latex_elements"]
    assert elements["papersize"] == "a4paper"
    assert "Noto Serif CJK SC" in elements["preamble"] and "name={第,章}" in elements["preamble"]
    assert elements["fncychap"] == "" and elements["babel"] == "", "fncychap/babel would print CHAPTER"


# ---------- the built site ----------

def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_footer_prints_version_and_commit(site):
    footer = soup(site / "index.html").select_one(".cgov-version")
    assert footer is not None
    assert f"版本 {cgov.__version__}" in footer.get_text()
    assert re.search(r"提交 ([0-9a-f]{7,}|未知)", footer.get_text())


@pytest.mark.parametrize("page", ["citing", "reproducibility"])
def test_version_pages_print_the_commit_not_the_placeholder(site, page):
    text = soup(site / "book" / f"{page}.html").select_one("main").get_text(" ", strip=True)
    assert not re.search(r"\{\{\s*book_", text), "a substitution was printed as it stands"
    assert re.search(r"提交 ?([0-9a-f]{7,}|未知)", text)


def test_bibliography_page_shows_each_entry_with_its_status(site):
    text = soup(site / "book" / "bibliography.html").select_one("main").get_text(" ", strip=True)
    entries = parse_file(str(BIB)).entries
    statuses = [verification_status(entry.fields["note"]) for entry in entries.values()]
    for status, label in STATUS_LABELS.items():
        assert text.count(f"【{label}】") == statuses.count(status), status


def test_citing_page_has_forms_for_book_chapters_and_datasets(site):
    text = soup(site / "book" / "citing.html").select_one("main").get_text(" ", strip=True)
    work = cite.book(cite.load_cff(ROOT / "CITATION.cff"))
    assert cite.gbt7714_book(work) in text
    for number, _, title in chapters(ROOT):
        assert cite.gbt7714_chapter(work, title, number) in text
    resources = [res for _, res in data.resources().values()]
    for resource in resources:
        assert cite.gbt7714_dataset(work, resource.get("title", resource["name"])) in text, resource["name"]
    assert text.count("APA") >= 1 + len(chapters(ROOT)) + len(resources)


def test_reproducibility_page_states_seed_versions_and_times(site):
    text = soup(site / "book" / "reproducibility.html").select_one("main").get_text(" ", strip=True)
    assert str(cgov.style.SEED) in text
    pins = [line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line]
    assert all(name in text for name, _ in pins)
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        assert path.stem in text, f"no execution time for {path.stem}"

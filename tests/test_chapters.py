"""Every chapter has the teaching apparatus: labels, hidden set-up, learning objectives with
prerequisites, at least two exercises with hidden (dropdown) solutions, discussion questions at the end,
glossary links. The conventions are written down in book/_templates/chapter.md; a chapter without
one of these parts fails here. The built site is checked too: solutions, downloads, the provenance map (an index and one page per chapter)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cgov import toc
from cgov.glue import EVIDENCE
from cgov.site.provenance import PAGES, chapter_items, page_of
from conftest import NOTEBOOKS, ROOT

TEMPLATE = ROOT / "book" / "_templates" / "chapter.md"
LABEL_KINDS = {"figure": "fig", "table": "tbl"}
#: Most elements of a page of the provenance map in its static HTML (issue 19).
PROVENANCE_ELEMENTS = 1_500
DIRECTIVE = re.compile(r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")


def slug(path: Path) -> str:
    """``01-overview.md`` → ``overview``: the prefix of every label in the chapter."""
    return path.stem.split("-", 1)[1]


def blocks(text: str) -> list[dict]:
    """Directives in order: name, argument, options and body, with the line they start on."""
    lines, found, i = text.splitlines(), [], 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i].strip())
        if not match:
            i += 1
            continue
        body, j = [], i + 1
        while j < len(lines) and lines[j].strip() != match["fence"]:
            body.append(lines[j])
            j += 1
        options = dict(re.findall(r"^:(\w[\w-]*):\s*(.*)$", "\n".join(body), re.M))
        found.append({"name": match["name"], "arg": match["arg"].strip(), "options": options,
                      "body": "\n".join(body), "line": i})
        i = j + 1 if match["name"] in {"solution-start", "solution-end"} else i + 1
    return found


def headings(text: str, level: int) -> list[tuple[int, str]]:
    """(line, text) of the Markdown headings of ``level``, outside code cells."""
    marker, found, in_code = "#" * level + " ", [], False
    for i, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith(marker):
            found.append((i, line[len(marker):].strip()))
    return found


def numbered_items(text: str) -> int:
    return len(re.findall(r"^\s*\d+\.\s+\S", text, re.M))


def labels(text: str) -> list[tuple[str, str]]:
    """(kind, label) of each figure (``mystnb: figure: name``) and numbered table (``{table}`` ``:name:``)."""
    found = [("table", d["options"].get("name", "")) for d in blocks(text) if d["name"] == "table"]
    found += [("figure", name) for name in re.findall(r"^mystnb:\n  figure:\n    name:\s*(\S+)", text, re.M)]
    return found


def problems(text: str, chapter_slug: str, stem: str) -> list[str]:
    """What the chapter source ``text`` lacks of the apparatus conventions (empty when complete)."""
    found = []
    lines = text.splitlines()
    titles = headings(text, 1)
    sections = headings(text, 2)
    if len(titles) != 1:
        found.append("needs exactly one '# ' title")
        return found
    title_line = titles[0][0]
    if f"({chapter_slug})=" not in lines[title_line - 1:title_line]:
        found.append(f"the title needs the label '({chapter_slug})=' on the line before it")

    directives = blocks(text)
    code = [d for d in directives if d["name"] == "code-cell"]
    if not code or "remove-cell" not in code[0]["body"] or "cgov.setup()" not in code[0]["body"] \
            or f'CHAPTER = "{stem}"' not in code[0]["body"]:
        found.append(f'the first code cell must be hidden (remove-cell), call cgov.setup() and set CHAPTER = "{stem}"')

    first_section = sections[0][0] if sections else len(lines)
    objectives = [d for d in directives if d["name"] == "admonition" and d["arg"] == "学习目标"
                  and title_line < d["line"] < first_section]
    if not objectives:
        found.append("needs a '学习目标' admonition between the title and the first '## ' section")
    elif numbered_items(objectives[0]["body"]) < 1 or "**先修知识**" not in objectives[0]["body"]:
        found.append("the 学习目标 admonition needs a numbered list and a '**先修知识**' line")

    names = [name for _, name in sections]
    if "练习" not in names:
        found.append("needs a '## 练习' section")
    if not names or names[-1] != "讨论题":
        found.append("the last '## ' section must be '讨论题'")
    else:
        discussion = "\n".join(lines[sections[-1][0]:])
        if numbered_items(discussion) < 2:
            found.append("'## 讨论题' needs at least two numbered questions")

    exercises = [d for d in directives if d["name"] == "exercise"]
    if len(exercises) < 2:
        found.append(f"needs at least two {{exercise}} directives, found {len(exercises)}")
    starts = {d["arg"]: d for d in directives if d["name"] == "solution-start"}
    ends = [d for d in directives if d["name"] == "solution-end"]
    if len(ends) != len(starts):
        found.append("every {solution-start} needs its {solution-end}")
    for exercise in exercises:
        label = exercise["options"].get("label", "")
        if not label.startswith(f"{chapter_slug}-ex-"):
            found.append(f"exercise label {label!r} must start with '{chapter_slug}-ex-'")
        elif label not in starts:
            found.append(f"exercise {label} has no {{solution-start}} {label}")
        elif starts[label]["options"].get("class") != "dropdown":
            found.append(f"the solution of {label} must be hidden (:class: dropdown)")

    for kind, name in labels(text):
        prefix = f"{chapter_slug}-{LABEL_KINDS[kind]}-"
        if not name.startswith(prefix):
            found.append(f"{kind} label {name!r} must start with '{prefix}'")
    if "{term}`" not in text:
        found.append("link at least one term to the glossary with {term}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_has_the_teaching_apparatus(path):
    assert problems(path.read_text(encoding="utf-8"), slug(path), path.stem) == []


def test_the_template_follows_its_own_conventions():
    assert problems(TEMPLATE.read_text(encoding="utf-8"), "slug", "NN-slug") == []


@pytest.mark.parametrize("remove, expected", [
    ("## 讨论题", "the last '## ' section must be '讨论题'"),
    ("**先修知识**", "'**先修知识**'"),
    (":class: dropdown", "must be hidden"),
    (":::{admonition} 学习目标", "学习目标"),
])
def test_a_chapter_missing_a_part_fails(remove, expected):
    """The check is not vacuous: the model chapter without one part is rejected."""
    path = ROOT / "notebooks" / "01-overview.md"
    broken = path.read_text(encoding="utf-8").replace(remove, "", 1)
    assert any(expected in p for p in problems(broken, slug(path), path.stem))


def test_a_chapter_with_one_exercise_fails():
    path = ROOT / "notebooks" / "01-overview.md"
    text = path.read_text(encoding="utf-8")
    first = text.index(":::{exercise}")
    second = text.index(":::{exercise}", first + 1)
    only_one = text[:second] + "## 讨论题\n\n1. 一\n2. 二\n"
    assert any("at least two {exercise}" in p for p in problems(only_one, slug(path), path.stem))


def test_every_chapter_is_in_the_table_of_contents_and_numbered():
    numbered = {docname for _, docname, _ in toc.chapters(ROOT)}
    assert {f"notebooks/{p.stem}" for p in NOTEBOOKS} <= numbered <= set(toc.docnames(ROOT))


def test_the_table_of_contents_reader_numbers_chapters_and_reads_titles(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nparts:\n  - caption: 前言\n    numbered: false\n    chapters:\n"
        "      - file: book/preface\n  - caption: 正文\n    chapters:\n      - file: notebooks/01-a\n"
        "      - file: notebooks/02-b.md\n", encoding="utf-8")
    for name, text in {"book/preface": "# 前言\n", "notebooks/01-a": "---\nx: 1\n---\n\n# 第一章\n",
                       "notebooks/02-b": "没有标题\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    assert toc.docnames(tmp_path) == ["book/preface", "notebooks/01-a", "notebooks/02-b"]
    assert toc.chapters(tmp_path) == [(1, "notebooks/01-a", "第一章"), (2, "notebooks/02-b", "notebooks/02-b")]


def test_glossary_terms_used_in_the_book_exist():
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"^(\S[^\n]*)\n(?=(?:\S[^\n]*\n)*  \S)", glossary, re.M))
    for page in [*NOTEBOOKS, *sorted((ROOT / "book").glob("*.md"))]:
        for use in re.findall(r"\{term\}`([^`]+)`", page.read_text(encoding="utf-8")):
            term = re.sub(r"^.*<(.+)>$", r"\1", use).strip()
            assert term in defined, f"{page.name}: {{term}} {term!r} is not in book/glossary.md"


# ---------- the built site ----------

def page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_solutions_are_numbered_hidden_and_executed(site, path):
    html = page(site, f"notebooks/{path.stem}.html")
    exercises = html.select("div.exercise")
    solutions = html.select("div.solution")
    assert len(exercises) >= 2 and len(solutions) == len(exercises)
    assert all("dropdown" in s.get("class", []) for s in solutions), "a solution is not collapsed"
    numbers = [e.select_one(".admonition-title").get_text(" ", strip=True) for e in exercises]
    assert all(re.search(r"练习\s*\d+\.\d+", n) for n in numbers), numbers
    n_code = path.read_text(encoding="utf-8").count("```{code-cell}")
    if any("```{code-cell}" in s for s in re.findall(r"solution-start(.*?)solution-end",
                                                      path.read_text(encoding="utf-8"), re.S)):
        assert any(s.select(".cell_output") for s in solutions), "solution code ran without output"
    assert n_code >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_page_offers_its_notebook_and_data(site, path):
    html = page(site, f"notebooks/{path.stem}.html")
    box = html.select_one(".cgov-downloads")
    assert box is not None, "no download box"
    hrefs = [a["href"] for a in box.select("a[href]")]
    assert f"../downloads/notebooks/{path.stem}.ipynb" in hrefs
    for href in hrefs:
        assert (site / "notebooks" / href).resolve().is_file(), f"{path.stem}: {href} is missing"
    notebook = json.loads((site / "downloads" / "notebooks" / f"{path.stem}.ipynb").read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4 and any(c["cell_type"] == "code" for c in notebook["cells"])
    used = set(re.findall(r"""\bload\(\s*["']([\w-]+)["']""", path.read_text(encoding="utf-8")))
    assert all(any(name in a.get_text() for a in box.select("a")) for name in used)
    tables = re.findall(r"""publish_table\(\s*CHAPTER,\s*["'](\w+)["']""", path.read_text(encoding="utf-8"))
    missing = [t for t in tables if f"../downloads/results/{path.stem}/{t}.csv" not in hrefs]
    assert not missing, f"{path.stem}: published tables without their CSV in the download box: {missing}"


def test_every_chapter_has_a_page_of_the_provenance_map_named_after_it():
    pages = sorted((ROOT / PAGES).glob("*.md"))
    assert [p.stem for p in pages] == [p.stem for p in NOTEBOOKS], "one page of the map per chapter, no other"
    for number, docname, _ in toc.chapters(ROOT):
        text = (ROOT / f"{page_of(docname)}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# 第 {number} 章的") and "```{cgov-provenance}\n```" in text, docname


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_provenance_page_lists_every_figure_table_and_number_of_its_chapter(site, strict_build, path):
    html = page(site, f"{page_of(f'notebooks/{path.stem}')}.html")
    text = html.select_one("main").get_text(" ", strip=True)
    items = chapter_items(path)
    assert any(i.kind == "number" for i in items), f"{path.name} publishes no numbers"
    results = json.loads((strict_build.results / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert len(html.select("main tbody tr")) == len(items), "one row per figure, table and number"
    numbers = [item.name for item in items if item.kind == "number"]
    assert sorted(numbers) == sorted(results), "the map and the chapter's results name different numbers"
    for name in numbers:
        assert f"{results[name]['text']}（{name}）" in text, name
    targets = {a.get("href", "") for a in html.select("main td a")}
    for item in items:
        if item.kind != "number":
            assert f"../../notebooks/{path.stem}.html#{item.name}" in targets, f"the map does not link {item.name}"


def test_provenance_index_has_one_line_per_chapter_with_its_counts(site):
    lines = [a.find_parent("li") for a in page(site, "book/provenance.html").select("main li a[href^='provenance/']")]
    assert len(lines) == len(NOTEBOOKS)
    for line, path in zip(lines, NOTEBOOKS):
        items = chapter_items(path)
        assert line.a["href"] == f"provenance/{path.stem}.html"
        counts = {kind: sum(i.kind == kind for i in items) for kind in ("figure", "table", "number")}
        assert f"图 {counts['figure']}、表 {counts['table']}、正文数字 {counts['number']}" in line.get_text(), path.stem
        numbers = [i for i in items if i.kind == "number"]
        for key, label in EVIDENCE.items():
            n = sum(i.evidence == key for i in numbers)
            assert (f"{label} {n}" in line.get_text()) == (n > 0), f"{path.stem}: {label}"


def test_provenance_pages_have_a_small_dom(site):
    """The index and each chapter's page of the map, as built: at most 1,500 elements (issue 19)."""
    names = ["book/provenance.html", *(f"{page_of(f'notebooks/{p.stem}')}.html" for p in NOTEBOOKS)]
    sizes = {name: 1 + len(page(site, name).html.find_all(True)) for name in names}
    assert not {n: size for n, size in sizes.items() if size > PROVENANCE_ELEMENTS}, sizes

"""The editable PowerPoint decks (``cgov slides``): every chapter's deck from the session's strict build,
checked against the chapter's results and its built page; one deck rendered by LibreOffice."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from cgov.release import ReleaseError, slides
from cgov.release.chapter import ChapterError, plain, read
from cgov.toc import Chapter, chapters

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapters(ROOT)
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


# ---------- the MyST reader, without a build ----------

def test_plain_shows_glued_text_and_term_words():
    results = {"share": {"text": "97.5", "value": 0.975}}
    text = plain("覆盖率为 {glue}`share`%，见{term}`生态推断 <生态谬误>`与{term}`模拟数据` {cite:p}`a2024`。", results)
    assert text == "覆盖率为 97.5%，见生态推断与模拟数据。"


def test_plain_names_a_glued_number_missing_from_the_results():
    with pytest.raises(ChapterError, match="absent_key"):
        plain("{glue}`absent_key`", {})


def test_a_chapter_without_discussion_questions_is_named(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "x.md").write_text(
        "# 标题\n\n:::{admonition} 学习目标\n1. 目标一\n:::\n\n## 问题\n\n问题的说明。\n", encoding="utf-8")
    with pytest.raises(ChapterError, match=r"x\.md.*讨论题"):
        read(tmp_path, Chapter(1, "notebooks/x", "标题"), {})


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.docname.split("/")[1] for c in CHAPTERS])
def test_every_chapter_source_has_the_parts_of_a_deck(chapter):
    glued = set(re.findall(r"\{glue(?::\w+)?\}`([\w-]+)`", (ROOT / f"{chapter.docname}.md").read_text("utf-8")))
    parts = read(ROOT, chapter, {key: {"text": "0"} for key in glued})
    assert len(parts.objectives) >= 3 and parts.question and len(parts.discussion) >= 2
    assert parts.key_numbers, f"{chapter.docname}: no glued number in its conclusions"


def test_slides_without_a_build_say_what_to_do(tmp_path):
    with pytest.raises(ReleaseError, match="make book"):
        slides.build(ROOT, tmp_path / "html", tmp_path / "results", tmp_path / "slides", only=["02-"])


# ---------- the decks of the strict build ----------

@pytest.fixture(scope="module")
def decks(site, strict_build, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("slides")
    written = slides.build(ROOT, site, strict_build.results, out)
    return {deck.stem: deck for deck in written}


def _title(slide) -> str:
    return next(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def _page(site: Path, chapter: Chapter) -> BeautifulSoup:
    return BeautifulSoup((site / f"{chapter.docname}.html").read_text(encoding="utf-8"), "html.parser")


def test_twelve_decks(decks):
    assert sorted(decks) == sorted(c.docname.split("/")[1] for c in CHAPTERS) and len(decks) == 12


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.docname.split("/")[1] for c in CHAPTERS])
def test_deck_has_the_expected_slides(decks, site, chapter):
    prs = Presentation(str(decks[chapter.docname.split("/")[1]]))
    assert prs.slide_width * 9 == prs.slide_height * 16, "not 16:9"
    titles = [_title(s) for s in prs.slides]
    assert chapter.title in titles[0]
    order = [slides.TITLES[k] for k in ("objectives", "question")]
    assert titles[1:3] == order
    assert titles[-2:] == [slides.TITLES["discussion"], slides.TITLES["sources"]]
    assert any(t.startswith(slides.TITLES["numbers"]) for t in titles)
    # independent of the MyST reader: the built page's figures, objectives and discussion questions
    page = _page(site, chapter)
    figures = [f for f in page.find_all("figure") if "-fig-" in (f.get("id") or "")
               and f.find_parent("div", class_="solution") is None]
    pictures = [s for s in prs.slides if any(sh.shape_type == MSO_SHAPE_TYPE.PICTURE for sh in s.shapes)]
    assert len(pictures) == len(figures) >= 1
    objectives = next(a for a in page.select("div.admonition") if "学习目标" in a.get_text())
    body = prs.slides[1].shapes[1].text_frame.paragraphs
    assert len(body) == len(objectives.find("ol").find_all("li", recursive=False))
    discussion = next(h.find_parent("section") for h in page.find_all("h2") if "讨论题" in h.get_text())
    assert len(prs.slides[len(titles) - 2].shapes[1].text_frame.paragraphs) == len(discussion.find("ol").find_all("li", recursive=False))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.docname.split("/")[1] for c in CHAPTERS])
def test_deck_numbers_are_the_chapters_results(decks, site, strict_build, chapter):
    stem = chapter.docname.split("/")[1]
    results = json.loads((strict_build.results / f"{stem}.json").read_text(encoding="utf-8"))
    prs = Presentation(str(decks[stem]))
    rows = [[cell.text for cell in row.cells] for s in prs.slides for sh in s.shapes if sh.has_table
            for row in list(sh.table.rows)[1:]]
    assert rows, "no key numbers"
    by_label = {record["label"]: record for record in results.values()}
    page_text = re.sub(r"\s+", "", _page(site, chapter).get_text())
    for label, shown, evidence in rows:
        record = by_label[label]
        assert shown == record["text"] + (record.get("unit") or "")
        assert (evidence == "模拟数据") == (record.get("evidence") == "simulated")
        assert record["text"] in page_text, f"{label}: {record['text']} is not on the chapter's page"


def test_deck_fonts_are_declared_not_embedded_and_text_is_editable(decks):
    deck = decks["02-vitality"]
    with zipfile.ZipFile(deck) as zf:
        assert not [n for n in zf.namelist() if n.startswith("ppt/fonts/")]
        theme = next(zf.read(n).decode() for n in zf.namelist() if n.startswith("ppt/theme/"))
    assert f'<a:ea typeface="{slides.FONT_EA}"/>' in theme and 'script="Hans"' in theme
    prs = Presentation(str(deck))
    runs = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    assert len(runs) > 20
    assert {r._r.rPr.find(qn("a:ea")).get("typeface") for r in runs} == {slides.FONT_EA}
    assert {r.font.name for r in runs} == {slides.FONT_LATIN}


def _soffice() -> str:
    """LibreOffice Impress (Debian libreoffice-impress, installed by make test); installed here if missing."""
    if not Path(SOFFICE).exists():
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "libreoffice-impress"],
                       check=True, capture_output=True)
    return SOFFICE


def test_a_deck_renders_with_every_slide_and_its_chinese_text(decks, tmp_path):
    deck = decks["02-vitality"]
    subprocess.run([_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                   check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "02-vitality.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                            text=True, check=True).stdout)[1])
    assert pages == len(Presentation(str(deck)).slides)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Type 3" not in fonts and "CJK" in fonts, fonts
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    prs = Presentation(str(deck))
    first_question = prs.slides[len(prs.slides) - 2].shapes[1].text_frame.paragraphs[0].text
    for expected in ("学习目标", "讨论题", "资料来源", "模拟数据", CHAPTERS[1].title,
                     re.sub(r"\s+", "", first_question)[:20]):
        assert expected in text

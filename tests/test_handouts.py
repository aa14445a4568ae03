"""The trainee handouts and instructor editions (``cgov pdf``): two chapters printed from the session's
strict build by Chromium and read back with poppler-utils."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cgov.release import handouts
from cgov.toc import chapters

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ("02-vitality", "12-action")
A4_POINTS = (595, 842)  # 210 mm × 297 mm in points, rounded


def _text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def _info(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def printed(site, tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("handouts")
    pdfs = handouts.classroom_handouts(ROOT, site, out, only=[f"/{stem}" for stem in SAMPLE])
    return {(pdf.stem.split("-", 1)[1].rsplit("-", 1)[0], pdf.stem.rsplit("-", 1)[1]): pdf for pdf in pdfs}


def _solutions(site: Path, stem: str) -> list[str]:
    """The opening words of each solution's first paragraph on the built page."""
    page = BeautifulSoup((site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8"), "html.parser")
    openings = []
    for solution in page.select("div.solution"):
        para = solution.find("p", class_=None)
        if para is not None and len(re.sub(r"\s+", "", para.get_text())) >= 12:
            openings.append(re.sub(r"\s+", "", para.get_text())[:12])
    return openings


@pytest.mark.parametrize("stem", SAMPLE)
def test_trainee_handout_has_no_solutions_and_instructor_edition_has_them(printed, site, stem):
    solutions = _solutions(site, stem)
    assert solutions, f"{stem}: no solution text on the built page"
    trainee, instructor = _text(printed[stem, "trainee"]), _text(printed[stem, "instructor"])
    assert not [s for s in solutions if s in trainee]
    assert [s for s in solutions if s not in instructor] == []
    assert "解答" not in trainee and "解答" in instructor
    assert "练习" in trainee and "讨论题" in trainee and "笔记" in trainee


@pytest.mark.parametrize("stem", SAMPLE)
@pytest.mark.parametrize("edition", sorted(handouts.EDITIONS))
def test_handout_is_a4_and_starts_with_the_chapter(printed, stem, edition):
    pdf = printed[stem, edition]
    chapter = next(c for c in chapters(ROOT) if c.docname.endswith(stem))
    first = _text(pdf, 1)
    assert first.startswith(f"第{chapter.number}章") and re.sub(r"\s+", "", chapter.title) in first
    assert "学习目标" in first
    info = _info(pdf)
    sizes = {tuple(round(float(x)) for x in m) for m in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)}
    assert sizes == {A4_POINTS}, info
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert all(_text(pdf, page) for page in range(1, pages + 1)), "a blank page"


def test_handout_names_follow_the_chapter_pdfs():
    assert handouts.handout_name("notebooks/02-vitality", "trainee") == "notebooks-02-vitality-trainee.pdf"

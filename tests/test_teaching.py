"""The teaching page (book/teaching.md): two courses built on the chapters that teach most, each session with
its timing, what the instructor shows, what trainees do and what they hand in; the memo specified only in
its template; the handout list (``cgov-handouts``) names the PDFs and decks that exist and the target that
makes the missing ones."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from bs4 import BeautifulSoup

from cgov.site.apparatus import Handouts, built_materials
from cgov.toc import chapters
from conftest import NOTEBOOKS, ROOT

PAGE = ROOT / "book" / "teaching.md"
MEMO = ROOT / "book" / "_static" / "evidence-memo.md"
#: The pages the courses are built on (issue 17).
CORE = {"vitality", "embedding", "strong-participation", "action", "findings", "policy"}
MINUTES = re.compile(r"（(\d+) 分钟）")


def text() -> str:
    return PAGE.read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The page's text from the heading that starts with ``heading`` to the next heading of its level."""
    level = "#" * (re.search(rf"^(#+) {re.escape(heading)}", text(), re.M).group(1).count("#"))
    parts = re.split(rf"^(?={level} )", text(), flags=re.M)
    return next(part for part in parts if part.startswith(f"{level} {heading}"))


def sessions(block: str) -> list[list[str]]:
    """The rows of the session tables in ``block``: time slot, shown, done, handed in."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in block.splitlines() if line.startswith("| ") and MINUTES.search(line)]
    return [row for row in rows if not row[0].startswith("休息")]


def test_courses_are_built_on_the_chapters_that_teach_most():
    refs = set(re.findall(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`", text()))
    assert CORE <= refs
    for heading in ("半天课程", "三天课程"):
        for label in CORE - {"findings", "policy"}:  # a figure, table or exercise of each core chapter
            assert re.search(rf"`(?:[^`<]*<)?{label}-(?:fig|tbl|ex)-[\w-]+>?`", section(heading)), (heading, label)


def test_every_session_has_timing_what_is_shown_done_and_handed_in():
    half, three = sessions(section("半天课程")), sessions(section("三天课程"))
    assert len(half) >= 4 and len(three) == 12  # three days of four sessions
    for row in half + three:
        assert len(row) == 4 and all(cell and cell != "—" for cell in row), row
    stated = re.search(r"^## 半天课程（(\d+) 小时 (\d+) 分钟）", text(), re.M)
    total = sum(int(m) for line in section("半天课程").splitlines() if line.startswith("| ")
                for m in MINUTES.findall(line))
    assert total == 60 * int(stated[1]) + int(stated[2])


def test_what_the_page_points_to_exists():
    """Every figure, table and exercise a session names is a label in a chapter (the strict build checks the
    links too; this names the missing one without a build)."""
    labels = set()
    for path in NOTEBOOKS:
        labels |= set(re.findall(r"^\s*:?(?:name|label): ([\w-]+)", path.read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"\{(?:numref|ref)\}`(?:[^`<]*<)?([\w-]+-(?:fig|tbl|ex)-[\w-]+)>?`", text()))
    assert len(named) >= 20 and named <= labels, named - labels


def test_the_memo_is_specified_once_in_its_template():
    assert "{download}" in text() and "<_static/evidence-memo.md>" in text()
    assert "evidence-memo.md" in (ROOT / "notebooks" / "12-action.md").read_text(encoding="utf-8")
    assert "作业要求" in MEMO.read_text(encoding="utf-8")
    pages = [*NOTEBOOKS, *(ROOT / "book").glob("*.md")]
    restating = [p.name for p in pages if re.search(r"^\s*\d+\.\s+\*\*(命题|可检验的问题|指标与数据)\*\*",
                                                     p.read_text(encoding="utf-8"), re.M)]
    assert restating == []


def test_no_stale_text_and_the_materials_are_named():
    for stale in ("随本书陆续加入", "第 1 章练习（上机）", "分组讨论第 1 章的讨论题"):
        assert stale not in text()
    for material in ("课件", "学员讲义", "教师版讲义", "make slides", "make pdf", "```{cgov-handouts}"):
        assert material in text()
    assert "## 课堂练习：找到你所在的县" in text()


# ---------- the cgov-handouts directive ----------

def fake_app(build: Path) -> SimpleNamespace:
    (build / "html").mkdir(parents=True)
    return SimpleNamespace(outdir=str(build / "html"))


def test_built_materials_lists_what_exists_in_the_download_box_order(tmp_path):
    app = fake_app(tmp_path / "_build")
    assert built_materials(app, "notebooks/02-vitality", "../") == []
    (tmp_path / "_build" / "latex").mkdir()
    (tmp_path / "_build" / "slides").mkdir()
    for name in ("latex/notebooks-02-vitality-trainee.pdf", "latex/notebooks-02-vitality-instructor.pdf",
                 "slides/02-vitality.pptx"):
        (tmp_path / "_build" / name).write_bytes(b"x")
    assert built_materials(app, "notebooks/02-vitality", "../") == [
        ("../downloads/pdf/notebooks-02-vitality-trainee.pdf", "学员讲义（PDF）"),
        ("../downloads/pdf/notebooks-02-vitality-instructor.pdf", "教师版讲义（PDF，含解答）"),
        ("../downloads/slides/02-vitality.pptx", "课件（PowerPoint，可编辑）")]


def test_handouts_directive_links_each_chapter_and_names_the_target_of_what_is_missing(tmp_path):
    app = fake_app(tmp_path / "_build")
    (tmp_path / "_build" / "slides").mkdir()
    (tmp_path / "_build" / "slides" / "07-embedding.pptx").write_bytes(b"x")
    env = SimpleNamespace(app=app, docname="book/teaching", srcdir=str(ROOT))
    [items] = Handouts.run(SimpleNamespace(env=env))
    lines = [item.astext() for item in items.children]
    expected = chapters(ROOT)
    assert len(lines) == 1 + len(expected) and lines[0] == "全书：尚未生成（运行 make pdf）"
    for line, (number, docname, title) in zip(lines[1:], expected):
        assert line.startswith(f"第 {number} 章 {title}：")
        if docname.endswith("07-embedding"):
            assert "课件（PowerPoint，可编辑）" in line and line.endswith("（PDF 讲义尚未生成，运行 make pdf）")
        else:
            assert line == f"第 {number} 章 {title}：PDF 讲义、课件尚未生成，运行 make pdf、make slides"
    [deck] = [ref["refuri"] for ref in items.findall(lambda n: "refuri" in getattr(n, "attributes", {}))]
    assert deck == "../downloads/slides/07-embedding.pptx"


def test_built_teaching_page_links_the_memo_and_every_chapter(site):
    soup = BeautifulSoup((site / "book" / "teaching.html").read_text(encoding="utf-8"), "html.parser")
    assert any(a.get("href", "").endswith("evidence-memo.md") for a in soup.find_all("a"))
    listed = [li.get_text() for li in soup.find_all("li") if re.match(r"第 \d+ 章 ", li.get_text())]
    assert len(listed) == len(chapters(ROOT))


def test_every_chapter_has_an_exercise_marked_as_the_page_says():
    """The page promises one exercise per chapter marked with the wording it quotes (one wording for the whole
    book: chapters once said 无需编程, 不需要编程 or 不用代码, and the page named only two)."""
    promise = re.search(r"每章至少有一道标明(.+?)的练习", text()).group(1)
    wordings = re.findall(r"“([^”]+)”", promise)
    assert wordings
    for path in NOTEBOOKS:
        exercises = re.findall(r":::\{exercise\}(.*?)\n:::\n", path.read_text(encoding="utf-8"), re.S)
        assert any(w in block for block in exercises for w in wordings), f"{path.name}: none marked {wordings}"

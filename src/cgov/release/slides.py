"""Editable PowerPoint decks, one per chapter (``cgov slides``, ``make slides``).

Each deck (16:9) has: a title slide, the learning objectives, the question, one slide per key figure
(the image the HTML build made, with its caption), the key numbers (the numbers glued in the chapter's
解读与局限 section, shown as their ``text`` from ``_build/results/<chapter>.json`` and marked 模拟数据
when their evidence is simulated), the discussion questions and the sources. All text is in editable
text boxes and tables.

Fonts are declared, not embedded: 微软雅黑 (Microsoft YaHei, on every Windows PC since Vista and
substituted by WPS) as the theme's East Asian font and on every run, with the GB2312 character set so
that Office, WPS and LibreOffice substitute another Simplified Chinese sans font (等线, 黑体 SimHei,
Noto Sans CJK SC) where it is missing.

Run after the HTML build: ``cgov slides`` writes ``_build/slides/<chapter>.pptx``; ``make slides`` then
rebuilds the site, which copies the decks to ``downloads/slides`` and links each from its chapter's
download box (:mod:`cgov.site.apparatus`).
"""
from __future__ import annotations

import argparse
import html
import json
import re
import time
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from cgov import paths
from cgov.release import ReleaseError
from cgov.release.chapter import ChapterParts, read
from cgov.toc import Chapter, chapters

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 13.333 in × 7.5 in (PowerPoint’s widescreen)
MARGIN = Inches(0.6)
#: The declared font: Latin name, East Asian name; fallbacks are left to substitution (module docstring).
FONT_LATIN, FONT_EA = "Microsoft YaHei", "微软雅黑"
FALLBACKS = ("等线", "SimHei", "Noto Sans CJK SC")
DARK, ACCENT, SIMULATED = RGBColor(0x22, 0x2B, 0x45), RGBColor(0xB0, 0x1E, 0x23), RGBColor(0x9A, 0x5B, 0x00)
EVIDENCE_LABEL = {"real": "真实数据", "simulated": "模拟数据", "policy": "政策文件"}
NUMBERS_PER_SLIDE = 7
#: Slide titles, which the tests look for.
TITLES = {"objectives": "学习目标", "question": "问题", "numbers": "关键数字", "discussion": "讨论题",
          "sources": "资料来源"}
HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
DATASET = re.compile(r"""load\(\s*['"]([\w-]+)['"]""")
FIGURE_HTML = re.compile(r'<figure[^>]*\bid="(?P<id>[\w-]+)"[^>]*>(?P<body>.*?)</figure>', re.S)


def deck_name(docname: str) -> str:
    """The deck's file name: ``02-vitality.pptx`` for ``notebooks/02-vitality``."""
    return f"{Path(docname).name}.pptx"


# ---------- text ----------

def _set_font(run, size: float, bold: bool = False, color: RGBColor = DARK) -> None:
    """Size, weight, colour and the declared Latin and East Asian font of one run."""
    font = run.font
    font.size, font.bold, font.name = Pt(size), bold, FONT_LATIN
    font.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-CN")  # Simplified Chinese: substitution picks an SC font, spell-check leaves it alone
    rpr.set("altLang", "en-US")
    for tag in ("a:ea", "a:cs"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    ea = etree.SubElement(rpr, qn("a:ea"))
    ea.set("typeface", FONT_EA)
    ea.set("pitchFamily", "34")
    ea.set("charset", "-122")  # GB2312: substitute a Simplified Chinese font when 微软雅黑 is missing


def _text_box(slide, left, top, width, height, paragraphs: list[tuple[str, float, bool, RGBColor]]):
    """An editable, word-wrapped text box holding one paragraph per (text, size, bold, colour)."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, bold, color) in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.space_after = Pt(size * 0.6)
        _set_font(para.add_run(), size, bold, color)
        para.runs[0].text = text
    return box


def _titled(prs, title: str, subtitle: str = ""):
    """A blank slide with its title at the top (and an optional small line under it)."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    size = 30 if len(title) <= 24 else 24  # a long figure title still fits on two lines above the figure
    lines = [(title, size, True, DARK)] + ([(subtitle, 14, False, ACCENT)] if subtitle else [])
    _text_box(slide, MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(1.1), lines)
    return slide


def _list_slide(prs, title: str, items: list[str], numbered: bool = True, size: float = 20) -> None:
    """A slide of (numbered) paragraphs; the font shrinks a little for long lists."""
    total = sum(len(item) for item in items)
    size = size if total < 260 else size - 2 if total < 400 else size - 4
    slide = _titled(prs, title)
    lines = [((f"{i}. " if numbered else "") + item, size, False, DARK) for i, item in enumerate(items, 1)]
    _text_box(slide, MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, HEIGHT - Inches(2.0), lines)


# ---------- the theme ----------

def _declare_theme_fonts(prs) -> None:
    """Make 微软雅黑 the theme's East Asian font (major and minor) and its font for Simplified Chinese."""
    master = prs.slide_masters[0]
    theme_part = next(rel.target_part for rel in master.part.rels.values() if rel.reltype.endswith("/theme"))
    theme = etree.fromstring(theme_part.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    for scheme in theme.iterfind(".//a:fontScheme/*", ns):
        scheme.find("a:latin", ns).set("typeface", FONT_LATIN)
        scheme.find("a:ea", ns).set("typeface", FONT_EA)
        for old in scheme.findall("a:font[@script='Hans']", ns):
            scheme.remove(old)
        hans = etree.SubElement(scheme, qn("a:font"))
        hans.set("script", "Hans")
        hans.set("typeface", FONT_EA)
    theme_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------- figures from the HTML build ----------

def figures_in_html(page: Path) -> dict[str, tuple[Path, str]]:
    """Each ``<figure id=…>`` of a built page: its image file and its caption as plain text."""
    if not page.is_file():
        return {}
    found = {}
    for match in FIGURE_HTML.finditer(page.read_text(encoding="utf-8")):
        src = re.search(r'<img[^>]*\bsrc="([^"]+\.(?:png|jpe?g|webp))"', match["body"])
        caption = re.search(r"<figcaption>(.*?)</figcaption>", HEADERLINK.sub("", match["body"]), re.S)
        if src:
            text = html.unescape(re.sub(r"<[^>]+>", "", caption[1])).strip() if caption else ""
            image = (page.parent / src[1]).resolve()
            if image.suffix == ".webp":  # the site serves WebP (cgov.site.perf); PowerPoint takes the PNG beside it
                image = image.with_suffix(".png")
            found[match["id"]] = (image, re.sub(r"\s+", " ", text))
    return found


def _caption_title(caption: str) -> tuple[str, str]:
    """A caption split into its first sentence (the slide title) and the rest."""
    head, sep, rest = caption.partition("。")
    return head, rest.strip()


def _figure_slide(prs, image: Path, caption: str) -> None:
    """The figure as large as fits under its title, with the rest of the caption below in small type."""
    from PIL import Image

    title, rest = _caption_title(caption)
    slide = _titled(prs, title if len(title) < 60 else title[:58] + "…")
    with Image.open(image) as img:
        ratio = img.width / img.height
    box_w, box_h = WIDTH - 2 * MARGIN, HEIGHT - Inches(1.5) - Inches(1.1)
    width, height = (box_w, int(box_w / ratio)) if box_w / ratio <= box_h else (int(box_h * ratio), box_h)
    slide.shapes.add_picture(str(image), int((WIDTH - width) / 2), Inches(1.45), Emu(width), Emu(height))
    if rest:
        note = rest if len(rest) < 220 else rest[:218] + "…"
        _text_box(slide, MARGIN, HEIGHT - Inches(1.05), WIDTH - 2 * MARGIN, Inches(0.9), [(note, 11, False, DARK)])


# ---------- numbers ----------

def number_rows(parts: ChapterParts, results: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(label, shown value, evidence label) of each key number; the value is the glued ``text`` and unit."""
    rows = []
    for key in parts.key_numbers:
        record = results[key]
        unit = record.get("unit") or ""
        rows.append((record.get("label") or key, f"{record['text']}{unit}",
                     EVIDENCE_LABEL.get(record.get("evidence", ""), "")))
    return rows


def _numbers_slide(prs, rows: list[tuple[str, str, str]], page: int, pages: int) -> None:
    """One slide of the key-numbers table (editable cells); simulated numbers in the accent colour."""
    slide = _titled(prs, TITLES["numbers"] + (f"（{page}/{pages}）" if pages > 1 else ""),
                    "数字取自本章计算结果；标“模拟数据”的数字来自教学用模拟数据，不是关于中国的事实")
    shape = slide.shapes.add_table(len(rows) + 1, 3, MARGIN, Inches(1.6), WIDTH - 2 * MARGIN,
                                   Inches(0.55) * (len(rows) + 1))
    table = shape.table
    for col, width in enumerate((Inches(8.1), Inches(2.3), Inches(1.7))):
        table.columns[col].width = width
    for col, text in enumerate(("指标", "数值", "证据")):
        cell = table.cell(0, col)
        cell.text_frame.paragraphs[0].text = ""
        _set_font(cell.text_frame.paragraphs[0].add_run(), 16, True, RGBColor(0xFF, 0xFF, 0xFF))
        cell.text_frame.paragraphs[0].runs[0].text = text
    for row, values in enumerate(rows, 1):
        color = SIMULATED if values[2] == EVIDENCE_LABEL["simulated"] else DARK
        for col, text in enumerate(values):
            para = table.cell(row, col).text_frame.paragraphs[0]
            _set_font(para.add_run(), 16, col == 1, color)
            para.runs[0].text = text


# ---------- sources ----------

def _bibliography(root: Path) -> dict[str, str]:
    """Each references.bib entry as ``作者（年）：标题``."""
    from pybtex.database import parse_file

    bib = parse_file(str(root / "book" / "references.bib"))
    entries = {}
    for key, entry in bib.entries.items():
        people = entry.persons.get("author", [])
        author = "、".join(str(p).strip("{}") for p in people[:3]) or entry.fields.get("organization", "") or \
            entry.fields.get("publisher", "") or entry.fields.get("institution", "")
        title = entry.fields.get("title", "").replace("{", "").replace("}", "")
        entries[key] = f"{author}（{entry.fields.get('year', 'n.d.')}）：{title}".strip("：")
    return entries


def _sources(root: Path, parts: ChapterParts, results: dict[str, dict]) -> list[str]:
    """The works the chapter cites and the data its numbers come from."""
    bib = _bibliography(root)
    lines = [bib.get(key, key) for key in parts.citations]
    data = sorted({name for key in parts.key_numbers for name in DATASET.findall(results[key].get("source", ""))})
    lines += [f"关键数字所用的数据表：{'、'.join(data)}（说明见书中“数据”附录）"] if data else []
    lines.append(f"本书：《基层党建引领社区治理》第 {parts.chapter.number} 章（完整论证、图注与代码见书中本章）")
    return lines


# ---------- the deck ----------

def build_deck(root: Path, chapter: Chapter, results: dict[str, dict], html_dir: Path) -> Presentation:
    """The deck of one chapter (see the module docstring for its slides)."""
    parts = read(root, chapter, results)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _declare_theme_fonts(prs)
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(slide, MARGIN, Inches(2.3), WIDTH - 2 * MARGIN, Inches(3), [
        (f"第 {chapter.number} 章", 24, False, ACCENT), (chapter.title, 40, True, DARK),
        ("《基层党建引领社区治理》课堂讲稿（可编辑）", 18, False, DARK)])
    _list_slide(prs, TITLES["objectives"], parts.objectives)
    _list_slide(prs, TITLES["question"], parts.question[:3], numbered=False)
    figures = figures_in_html(html_dir / f"{chapter.docname}.html")
    for name in parts.figures:
        if name not in figures:
            raise ReleaseError(f"{chapter.docname}: figure {name} is not in the HTML build ({html_dir}); "
                               "build the book first (make book)")
        _figure_slide(prs, *figures[name])
    rows = number_rows(parts, results)
    pages = [rows[i:i + NUMBERS_PER_SLIDE] for i in range(0, len(rows), NUMBERS_PER_SLIDE)]
    for page, chunk in enumerate(pages, 1):
        _numbers_slide(prs, chunk, page, len(pages))
    _list_slide(prs, TITLES["discussion"], parts.discussion)
    _list_slide(prs, TITLES["sources"], _sources(root, parts, results), numbered=False, size=16)
    return prs


def load_results(results_dir: Path, chapter: Chapter) -> dict[str, dict]:
    """The chapter's published numbers; a clear error when the book has not been built."""
    path = results_dir / f"{Path(chapter.docname).name}.json"
    if not path.is_file():
        raise ReleaseError(f"{path} is missing: build the book first (make book)")
    return json.loads(path.read_text(encoding="utf-8"))


def build(root: Path = paths.ROOT, html_dir: Path = paths.BUILD / "html", results_dir: Path = paths.RESULTS,
          out: Path = paths.BUILD / "slides", only: list[str] | None = None) -> list[Path]:
    """Write the decks of every chapter (or of those whose name contains one of ``only``) to ``out``
    (the next site build copies them to its downloads); return the decks."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters(root):
        if only and not any(key in chapter.docname for key in only):
            continue
        deck = build_deck(root, chapter, load_results(results_dir, chapter), html_dir)
        target = out / deck_name(chapter.docname)
        deck.save(str(target))
        written.append(target)
    return written


def run(args: argparse.Namespace) -> int:
    """``cgov slides`` (arguments in :mod:`cgov.__main__`)."""
    start = time.perf_counter()
    for deck in build(only=args.chapters or None):
        print(f"{deck}  {deck.stat().st_size / 1e6:.1f} MB")
    print(f"{time.perf_counter() - start:.1f} s")
    return 0

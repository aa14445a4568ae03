"""Build the A4 PDF handouts (``make pdf``): the whole book and one per chapter with XeLaTeX, and per
chapter a trainee handout and an instructor edition printed from the built HTML page by Chromium.

The classroom handouts (:func:`classroom_handout`) take from the chapter's built page its title, learning
objectives, figures, exercises and discussion questions, lay them out with a small print style sheet (A4,
CSS ``@page``, no title page, the chapter on page 1, ruled boxes for notes) and print them with Debian's
Chromium (``--print-to-pdf``). The trainee edition drops every solution; the instructor edition keeps them.
Printing the built page reuses what the site has already rendered (figures, formulas as SVG, glued
numbers, solutions with their code and output) and needs no second LaTeX route for a chapter extract.

Runs Jupyter Book's LaTeX builder with ``--individualpages`` (XeLaTeX, ctexbook, Noto CJK; settings in
``_config.yml``), makes each chapter page's LaTeX a numbered chapter (:func:`as_chapter`), and compiles
the book and the chapters with latexmk. ``make pdf`` then builds the site, which copies the PDFs and links to them.

Usage: ``cgov pdf [--path-output DIR]`` (default: the repository root; PDFs land in ``DIR/_build/latex``).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from cgov import paths
from cgov.release import ReleaseError
from cgov.site.apparatus import pdf_name
from cgov.toc import chapters

HEADINGS = ("chapter", "section", "subsection", "subsubsection", "paragraph")
DEMOTE = re.compile(r"\\(chapter|section|subsection|subsubsection)(\*?)\{")
BODY_START = "\\pagestyle{normal}\n"


def as_chapter(tex: Path, number: int) -> None:
    r"""Turn a single page's LaTeX into chapter ``number`` of the book.

    Sphinx makes a lone page's title the document title and its ``##`` sections chapters; this demotes
    every heading one level and opens the body with ``\chapter{title}`` numbered as in the book, so the
    handout reads 第 3 章 with sections 3.1, 3.2 … and figures 图 3.1 as on the site.
    """
    text = tex.read_text(encoding="utf-8")
    if "\\cgovchapter" in text:
        return
    title = re.search(r"^\\title\{(.*)\}$", text, re.M)
    if title is None or BODY_START not in text:
        raise ValueError(f"{tex} is not a Sphinx LaTeX page (no \\title or body start)")
    head, body = text.split(BODY_START, 1)
    body = DEMOTE.sub(lambda m: f"\\{HEADINGS[HEADINGS.index(m[1]) + 1]}{m[2]}{{", body)
    opening = f"\\def\\cgovchapter{{}}\\setcounter{{chapter}}{{{number - 1}}}\\chapter{{{title[1]}}}\n"
    tex.write_text(head + BODY_START + opening + body, encoding="utf-8")


def number_like_the_site(tex: Path, numbered: set[str]) -> None:
    r"""Front and back matter of the book PDF unnumbered, as on the site: ``\mainmatter`` before the first
    chapter of a numbered part, ``\backmatter`` before the first unnumbered page after it."""
    lines = tex.read_text(encoding="utf-8").splitlines(keepends=True)
    out, in_main = [], False
    for i, line in enumerate(lines):
        doc = re.search(r"\\label\{\\detokenize\{([^}]*)::doc\}\}", lines[i + 1]) if i + 1 < len(lines) else None
        if line.startswith("\\chapter{") and doc:
            if doc[1] in numbered and not in_main:
                out.append("\\mainmatter\n")
                in_main = True
            elif doc[1] not in numbered and in_main:
                out.append("\\backmatter\n")
                in_main = False
        out.append(line)
    if "\\frontmatter" not in "".join(out):
        out = [l.replace("\\sphinxtableofcontents\n", "\\frontmatter\\sphinxtableofcontents\n", 1) for l in out]
    tex.write_text("".join(out), encoding="utf-8")


def build(root: Path, output: Path) -> list[Path]:
    """Build the LaTeX sources, compile the book and chapter PDFs, print the trainee and instructor
    handouts from the built pages; return the PDFs."""
    html_dir = output / "_build" / "html"
    if not (html_dir / "index.html").is_file():
        raise ReleaseError(f"{html_dir} has no built site: build the book first (make book; make pdf does)")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # --individualpages exists only for the pdflatex builder, which then runs `$MAKE all-pdf` on every
    # page; MAKE=true turns that into a no-op so that only the book and the chapters are compiled below.
    subprocess.run([str(jupyter_book), "build", str(root), "--builder", "pdflatex", "--individualpages",
                    "--path-output", str(output)], check=True, env={**os.environ, "MAKE": "true"})
    latex = output / "_build" / "latex"
    targets = ["book.pdf"]
    number_like_the_site(latex / "book.tex", {docname for _, docname, _ in chapters(root)})
    for number, docname, _ in chapters(root):
        tex = latex / pdf_name(docname).replace(".pdf", ".tex")
        as_chapter(tex, number)
        targets.append(tex.with_suffix(".pdf").name)
    for target in targets:  # the Makefile Sphinx writes runs latexmk with its xelatex settings
        subprocess.run(["make", "-C", str(latex), target, "LATEXOPTS=-interaction=nonstopmode -halt-on-error"],
                       check=True)
    return [latex / target for target in targets] + classroom_handouts(root, html_dir, latex)


# ---------- trainee and instructor handouts from the built pages ----------

EDITIONS = {"trainee": "学员讲义", "instructor": "教师版（含解答）"}
PRINT_CSS = """
@page { size: A4; margin: 15mm 16mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; line-height: 1.55;
       color: #111; margin: 0; }
h1 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 17pt; margin: 0 0 1mm; }
.edition { font-family: "Noto Sans CJK SC", sans-serif; color: #8a1c1c; font-size: 10pt; margin: 0 0 4mm; }
h2 { font-family: "Noto Sans CJK SC", sans-serif; font-size: 12.5pt; border-bottom: 0.6pt solid #444;
     margin: 5mm 0 2mm; break-after: avoid; }
p { margin: 1.2mm 0; } ol, ul { margin: 1mm 0; padding-left: 7mm; }
figure { margin: 3mm 0; break-inside: avoid; text-align: center; }
figure img { max-width: 100%; max-height: 88mm; }
a { color: inherit; text-decoration: none; }
figcaption { font-size: 8.5pt; text-align: left; color: #333; }
.exercise, .solution, .objectives { border: 0.6pt solid #999; border-radius: 1.5mm; padding: 1.5mm 3mm;
                                    margin: 2.5mm 0; }
.solution { border-color: #2c6e49; background: #f3f8f4; }
.admonition-title { font-family: "Noto Sans CJK SC", sans-serif; font-weight: bold; margin: 0.5mm 0; }
.headerlink, .cell_input button, .copybtn, .toggle-button { display: none; }
pre { font-size: 7.5pt; line-height: 1.3; white-space: pre-wrap; background: #f4f4f4; padding: 1.5mm;
      margin: 1mm 0; }
table { border-collapse: collapse; font-size: 8pt; margin: 1mm 0; } td, th { border: 0.4pt solid #bbb;
      padding: 0.5mm 1.5mm; }
.notes { border: 0.6pt solid #999; border-radius: 1.5mm; margin: 2mm 0 3mm; break-inside: avoid;
         background: repeating-linear-gradient(to bottom, transparent 0, transparent 7.5mm, #c8c8c8 7.5mm,
                                               #c8c8c8 7.8mm); }
.notes span { font-family: "Noto Sans CJK SC", sans-serif; font-size: 8pt; color: #666; padding: 0 2mm; }
"""


def handout_name(docname: str, edition: str) -> str:
    """``notebooks-02-vitality-trainee.pdf`` / ``…-instructor.pdf``."""
    return pdf_name(docname).replace(".pdf", f"-{edition}.pdf")


def _section(main, heading_end: str):
    """The ``<section>`` whose ``<h2>`` text ends with ``heading_end`` (None if there is none)."""
    for h2 in main.find_all("h2"):
        if h2.get_text("", strip=True).rstrip("#").endswith(heading_end):
            return h2.find_parent("section")
    return None


def _notes(soup, height_mm: int, label: str = "笔记"):
    box = soup.new_tag("div", attrs={"class": "notes", "style": f"height: {height_mm}mm"})
    span = soup.new_tag("span")
    span.string = label
    box.append(span)
    return box


def handout_html(page: Path, number: int, title: str, edition: str) -> str:
    """The print page of one chapter's handout from its built HTML page (``edition``: trainee or instructor)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main") or soup.body
    for tag in main.select(".headerlink, .cgov-downloads, button"):
        tag.decompose()
    out = BeautifulSoup("<html><head><meta charset='utf-8'></head><body></body></html>", "html.parser")
    out.head.append(out.new_tag("base", href=page.parent.resolve().as_uri() + "/"))
    style = out.new_tag("style")
    style.string = PRINT_CSS
    out.head.append(style)
    body = out.body
    heading = out.new_tag("h1")
    heading.string = f"第 {number} 章　{title}"
    body.append(heading)
    line = out.new_tag("p", attrs={"class": "edition"})
    line.string = f"《基层党建引领社区治理》· {EDITIONS[edition]}"
    body.append(line)

    def add_section(name: str, nodes) -> None:
        h2 = out.new_tag("h2")
        h2.string = name
        body.append(h2)
        for node in nodes:
            body.append(node)

    objectives = next((a for a in main.select("div.admonition")
                       if a.find(class_="admonition-title") and
                       a.find(class_="admonition-title").get_text(strip=True) == "学习目标"), None)
    if objectives is not None:
        objectives.find(class_="admonition-title").decompose()
        add_section("学习目标", [objectives])
    figures = [f for f in main.find_all("figure") if "-fig-" in (f.get("id") or "")
               and f.find_parent("div", class_="solution") is None]
    if figures:
        add_section("关键图表", figures)
    exercises = _section(main, "练习")
    if exercises is not None:
        nodes = []
        for block in exercises.find_all("div", class_=["exercise", "solution"], recursive=False):
            if "solution" in block["class"]:
                if edition == "instructor":
                    block["class"] = ["solution"]
                    nodes.append(block)
                continue
            nodes.append(block)
            if edition == "trainee":
                nodes.append(_notes(out, 32, "作答"))
        add_section("练习", nodes)
    discussion = _section(main, "讨论题")
    if discussion is not None:
        discussion.find("h2").decompose()
        add_section("讨论题", list(discussion.children) + [_notes(out, 45)])
    add_section("笔记", [_notes(out, 60, "")])
    return str(out)


def print_pdf(html_text: str, target: Path) -> Path:
    """Print ``html_text`` to the A4 PDF ``target`` with Debian's Chromium (headless)."""
    import tempfile

    from cgov.release.browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.is_file():
        raise ReleaseError(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "handout.html"
        source.write_text(html_text, encoding="utf-8")
        subprocess.run([str(CHROMIUM), *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                        f"--print-to-pdf={target}", source.as_uri()], check=True, capture_output=True, timeout=180)
    if not target.is_file():
        raise ReleaseError(f"Chromium did not write {target}")
    return target


def classroom_handouts(root: Path, html_dir: Path, output: Path, only: list[str] | None = None) -> list[Path]:
    """The trainee and instructor handouts of every chapter (or those named in ``only``) in ``output``."""
    written = []
    for number, docname, title in chapters(root):
        if only and not any(key in docname for key in only):
            continue
        page = html_dir / f"{docname}.html"
        if not page.is_file():
            raise ReleaseError(f"{page} is missing: build the book first (make book)")
        for edition in EDITIONS:
            written.append(print_pdf(handout_html(page, number, title, edition),
                                     output / handout_name(docname, edition)))
    return written


def run(args: argparse.Namespace) -> int:
    """``cgov pdf`` (arguments in :mod:`cgov.__main__`)."""
    try:
        pdfs = build(paths.ROOT, args.path_output.resolve())
    except subprocess.CalledProcessError as error:
        print(f"PDF 构建失败 (PDF build failed): {' '.join(map(str, error.cmd))}", file=sys.stderr)
        return 1
    for pdf in pdfs:
        print(f"{pdf}  {pdf.stat().st_size / 1e6:.1f} MB")
    return 0

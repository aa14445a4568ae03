"""Build the A4 PDF handouts: the whole book and one per chapter (``make pdf``).

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
    """Build the LaTeX sources and compile the book and chapter PDFs; return the PDFs."""
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
    return [latex / target for target in targets]


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

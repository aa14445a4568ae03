"""Build the A4 PDF handouts: the whole book and one per chapter (``make pdf``).

Runs Jupyter Book's LaTeX builder with ``--individualpages`` (XeLaTeX, ctexbook, Noto CJK; settings in
``_config.yml``), sets each chapter file's LaTeX chapter counter to its number in the book so that a
chapter handout says 第 3 章 and numbers its figures 图 3.1 as the site does, and compiles the book and
the chapters with latexmk. ``make pdf`` then builds the site, which copies the PDFs and links to them.

Usage: ``python -m cgov.handouts [--path-output DIR]`` (default: the repository root; PDFs land in
``DIR/_build/latex``).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from cgov import paths
from cgov.apparatus import _pdf_name, chapters

CHAPTER = "\\chapter{"


def number_chapter(tex: Path, number: int) -> None:
    """Make the first ``\\chapter`` of a single-chapter LaTeX file carry ``number``."""
    text = tex.read_text(encoding="utf-8")
    marker = f"\\setcounter{{chapter}}{{{number - 1}}}"
    if marker in text:
        return
    if CHAPTER not in text:
        raise ValueError(f"{tex} has no \\chapter")
    tex.write_text(text.replace(CHAPTER, marker + CHAPTER, 1), encoding="utf-8")


def build(root: Path, output: Path) -> list[Path]:
    """Build the LaTeX sources and compile the book and chapter PDFs; return the PDFs."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    # --individualpages exists only for the pdflatex builder, which then runs `$MAKE all-pdf` on every
    # page; MAKE=true turns that into a no-op so that only the book and the chapters are compiled below.
    subprocess.run([str(jupyter_book), "build", str(root), "--builder", "pdflatex", "--individualpages",
                    "--path-output", str(output)], check=True, env={**os.environ, "MAKE": "true"})
    latex = output / "_build" / "latex"
    targets = ["book.pdf"]
    for number, docname, _ in chapters(root):
        tex = latex / _pdf_name(docname).replace(".pdf", ".tex")
        number_chapter(tex, number)
        targets.append(tex.with_suffix(".pdf").name)
    for target in targets:  # the Makefile Sphinx writes runs latexmk with its xelatex settings
        subprocess.run(["make", "-C", str(latex), target, "LATEXOPTS=-interaction=nonstopmode -halt-on-error"],
                       check=True)
    return [latex / target for target in targets]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", type=Path, default=paths.ROOT)
    args = parser.parse_args(argv)
    try:
        pdfs = build(paths.ROOT, args.path_output.resolve())
    except subprocess.CalledProcessError as error:
        print(f"PDF 构建失败 (PDF build failed): {' '.join(map(str, error.cmd))}", file=sys.stderr)
        return 1
    for pdf in pdfs:
        print(f"{pdf}  {pdf.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The book's table of contents (``_toc.yml``): its one reader, for the site, the PDF handouts, the tests
and any chapter that links to another."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import yaml

from cgov import paths

TOC = "_toc.yml"


class Chapter(NamedTuple):
    """A numbered chapter: its number in the book, its docname (``notebooks/04-participation``) and the
    title of its ``#`` heading."""

    number: int
    docname: str
    title: str


def _parts(root: Path) -> list[dict]:
    """The parts of ``_toc.yml`` (a book without parts is one numbered part)."""
    toc = yaml.safe_load((root / TOC).read_text(encoding="utf-8"))
    return toc.get("parts", [{"chapters": toc.get("chapters", [])}])


def docnames(root: Path = paths.ROOT) -> list[str]:
    """Every page the table of contents lists below the root page, in reading order."""
    return [entry["file"].removesuffix(".md") for part in _parts(root) for entry in part.get("chapters", [])]


def title(root: Path, docname: str) -> str:
    """The text of the page's first ``#`` heading (its docname when it has none)."""
    lines = (root / f"{docname}.md").read_text(encoding="utf-8").splitlines()
    return next((line[2:].strip() for line in lines if line.startswith("# ")), docname)


def chapters(root: Path = paths.ROOT) -> list[Chapter]:
    """The numbered chapters (those of parts not marked ``numbered: false``), numbered as in the book."""
    found: list[Chapter] = []
    for part in _parts(root):
        if part.get("numbered", True) is False:
            continue
        for entry in part.get("chapters", []):
            docname = entry["file"].removesuffix(".md")
            found.append(Chapter(len(found) + 1, docname, title(root, docname)))
    return found

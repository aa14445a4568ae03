"""What a classroom deck takes from a chapter's MyST source: its learning objectives, its question, its
discussion questions, the figures it names, the glued numbers of its conclusions and the works it cites.

Prose comes back as plain text: roles are resolved (``{term}`` to its text, ``{glue}`` to the number's
shown ``text`` from the chapter's results, never retyped), citations and cross-references are dropped
or named, Markdown emphasis is removed. The chapter list itself comes from :mod:`cgov.toc`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cgov.toc import Chapter

FENCE = re.compile(r"^(`{3,}|:{3,})")
ITEM = re.compile(r"^\d+\.\s+")
GLUE = re.compile(r"\{glue(?::\w+)?\}`([\w-]+)`")
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
FIGURE_NAME = re.compile(r"^\s*name:\s*([\w-]+-fig-[\w-]+)\s*$")
#: The chapter's question: ``## 问题`` or ``## 路径与评估问题``.
QUESTION = re.compile(r"问题$")
CONCLUSIONS = "解读与局限"
DISCUSSION = "讨论题"
#: The key numbers are those glued in the 解读与局限 section; a chapter that glues none there gives its first few.
MAX_FALLBACK_NUMBERS = 14


class ChapterError(ValueError):
    """A chapter's source lacks a part the deck needs (named in the message with the file)."""


@dataclass
class ChapterParts:
    """The parts of one chapter a deck or handout shows."""

    chapter: Chapter
    objectives: list[str]
    question: list[str]
    discussion: list[str]
    figures: list[str]
    key_numbers: list[str]
    citations: list[str] = field(default_factory=list)


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """The lines under each ``## `` heading (code cells and directives kept), keyed by heading text."""
    sections: dict[str, list[str]] = {"": []}
    current, fence = "", None
    for line in lines:
        match = FENCE.match(line.strip())
        if fence is None and match and line.startswith("```"):
            fence = match[1]
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
            continue
        sections[current].append(line)
    return sections


def _prose(lines: list[str]) -> list[str]:
    """The paragraphs of plain prose in ``lines``: code cells, directives and tables skipped."""
    paragraphs, current, depth = [], [], 0
    for line in lines:
        stripped = line.strip()
        opening = FENCE.match(stripped)
        if opening and "{" in stripped:
            depth += 1
        elif opening and depth:
            depth -= 1
        elif depth == 0 and stripped and not stripped.startswith(("|", "(", ":", "#")):
            current.append(stripped)
            continue
        if current:
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return paragraphs


def _items(lines: list[str]) -> list[str]:
    """The items of the first numbered list in ``lines`` (continuation lines joined)."""
    items: list[str] = []
    for line in lines:
        if ITEM.match(line):
            items.append(ITEM.sub("", line).strip())
        elif items and line.startswith("   ") and line.strip():
            items[-1] += line.strip()
        elif items and not line.strip():
            continue
        elif items:
            break
    return items


def _admonition(lines: list[str], title: str) -> list[str]:
    """The body lines of the ``:::{admonition} title`` box."""
    for i, line in enumerate(lines):
        if line.strip().startswith(":::{admonition}") and line.strip().endswith(title):
            fence = FENCE.match(line.strip())[1]
            body = []
            for inner in lines[i + 1:]:
                if inner.strip() == fence:
                    return body
                body.append(inner)
    return []


def plain(text: str, results: dict[str, dict]) -> str:
    """MyST prose as plain text: glued numbers as their shown text, terms as their words, citations and
    cross-references dropped, emphasis and code marks removed."""
    def glued(match: re.Match) -> str:
        if match[1] not in results:
            raise ChapterError(f"glued number {match[1]!r} is not in the chapter's results")
        return results[match[1]]["text"]

    text = GLUE.sub(glued, text)
    text = re.sub(r"（\s*\{cite(?::\w+)?\}`[^`]+`\s*）|\s*\{cite(?::\w+)?\}`[^`]+`", "", text)
    text = re.sub(r"\{(?:term|doc)\}`([^`<]+?)\s*<[^`]+>`", r"\1", text)
    text = re.sub(r"\{term\}`([^`]+)`", r"\1", text)
    text = re.sub(r"（?\{numref\}`[\w-]+-tbl-[\w-]+`）?", "（见书中表格）", text)
    text = re.sub(r"（?\{numref\}`[\w-]+`）?", "（见书中图）", text)
    text = re.sub(r"\{(?:ref|eq|doc)\}`([^`<]+?)\s*<[^`]+>`", r"\1", text)
    text = re.sub(r"\{(?:ref|eq|doc)\}`[^`]+`", "前面的章节", text)
    text = re.sub(r"\*\*([^*]+)\*\*|\*([^*]+)\*", lambda m: m[1] or m[2], text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    return re.sub(r"\$([^$]+)\$", r"\1", text)


def read(root: Path, chapter: Chapter, results: dict[str, dict]) -> ChapterParts:
    """The deck's parts of ``chapter`` from its MyST source and its results (``_build/results``)."""
    source = root / f"{chapter.docname}.md"
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    sections = _sections(lines)
    objectives = _items(_admonition(lines, "学习目标"))
    question_heading = next((h for h in sections if QUESTION.search(h)), None)
    if not objectives or question_heading is None or DISCUSSION not in sections:
        missing = [name for name, ok in (("学习目标", objectives), ("## 问题", question_heading),
                                         (f"## {DISCUSSION}", DISCUSSION in sections)) if not ok]
        raise ChapterError(f"{source}: 缺少 (missing) {'、'.join(missing)}")
    keys = list(dict.fromkeys(GLUE.findall("\n".join(sections.get(CONCLUSIONS, [])))))
    keys = keys or list(dict.fromkeys(GLUE.findall(text)))[:MAX_FALLBACK_NUMBERS]
    return ChapterParts(
        chapter=chapter,
        objectives=[plain(item, results) for item in objectives],
        question=[plain(p, results) for p in _prose(sections[question_heading])],
        discussion=[plain(item, results) for item in _items(sections[DISCUSSION])],
        figures=[m[1] for line in lines if (m := FIGURE_NAME.match(line))],
        key_numbers=[key for key in keys if key in results],
        citations=list(dict.fromkeys(k.strip() for group in CITE.findall(text) for k in group.split(","))),
    )

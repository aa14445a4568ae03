"""Citation forms of the book, its chapters and its data sets, generated from ``CITATION.cff``.

GB/T 7714—2015 (顺序编码制著录格式) and APA 7th edition. The 如何引用 page and the tests call these
functions; nothing here is typed twice.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import yaml

from cgov import paths


@dataclass(frozen=True)
class Work:
    """What a citation needs: authors, title, year, version and (optional) address."""

    authors: str
    title: str
    year: int
    version: str
    url: str = ""


def load_cff(path=None) -> dict:
    """``CITATION.cff`` as a dict; YAML dates become ISO strings, as the CFF schema expects."""
    text = (path or paths.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    data = yaml.safe_load(text)

    def iso(value):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: iso(v) for k, v in value.items()}
        if isinstance(value, list):
            return [iso(v) for v in value]
        return value
    return iso(data)


def _names(authors: list[dict]) -> str:
    return ", ".join(a.get("name") or f"{a['family-names']} {a.get('given-names', '')}".strip()
                     for a in authors)


def book(cff: dict) -> Work:
    """The book as ``preferred-citation`` describes it."""
    pref = cff["preferred-citation"]
    return Work(_names(pref["authors"]), pref["title"], int(pref["year"]), str(cff["version"]),
                pref.get("url", cff.get("url", "")))


def _url(work: Work) -> str:
    return f". {work.url}" if work.url else ""


def gbt7714_book(work: Work) -> str:
    return f"{work.authors}. {work.title}[M/OL]. {work.version} 版. {work.year}{_url(work)}."


def gbt7714_chapter(work: Work, chapter: str, number: int) -> str:
    return (f"{work.authors}. {chapter}[M/OL]//{work.authors}. {work.title}. {work.version} 版. "
            f"{work.year}: 第 {number} 章{_url(work)}.")


def gbt7714_dataset(work: Work, dataset: str) -> str:
    return f"{work.authors}. {dataset}[DS/OL]//{work.title}. {work.version} 版. {work.year}{_url(work)}."


def apa_book(work: Work) -> str:
    return f"{work.authors}. ({work.year}). *{work.title}* (Version {work.version}){_url(work)}."


def apa_chapter(work: Work, chapter: str, number: int) -> str:
    return (f"{work.authors}. ({work.year}). {chapter}. In {work.authors}, *{work.title}* "
            f"(Version {work.version}, Chapter {number}){_url(work)}.")


def apa_dataset(work: Work, dataset: str) -> str:
    return (f"{work.authors}. ({work.year}). *{dataset}* [Data set]. In *{work.title}* "
            f"(Version {work.version}){_url(work)}.")


def bibtex_book(work: Work, key: str = "cgovbook") -> str:
    """A BibTeX entry for the whole book."""
    fields = {"author": f"{{{work.authors}}}", "title": work.title, "year": work.year,
              "edition": work.version, "note": "开放获取的可复现教学与研究用书"}
    if work.url:
        fields["url"] = work.url
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@book{{{key},\n{body}\n}}"

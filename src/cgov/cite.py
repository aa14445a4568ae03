"""Citation forms of the book, its chapters and its data sets, generated from ``CITATION.cff``;
the list of publishers whose pages the data may cite; the verification status of references.

GB/T 7714—2015 (顺序编码制著录格式) and APA 7th edition. The 如何引用 page and the tests call these
functions; nothing here is typed twice.
"""
from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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


# ---------------------------------------------------------------- sources of transcribed figures

#: Publishers and authoritative outlets whose pages a transcribed figure may cite as the copy seen
#: (issue 14): the issuing bodies, central and provincial official media reposting 新华社. A domain
#: matches itself and its subdomains. Keep this the only list.
PUBLISHERS: dict[str, str] = {
    "gov.cn": "政府网站：中国政府网、民政部、国家统计局和各级政府网站",
    "12371.cn": "共产党员网（中共中央组织部）",
    "people.com.cn": "人民网、人民日报",
    "people.cn": "人民网",
    "xinhuanet.com": "新华网",
    "news.cn": "新华网",
    "china.org.cn": "中国网（国务院新闻办公室）",
    "chinadaily.com.cn": "中国日报网",
    "cssn.cn": "中国社会科学网（中国社会科学院）",
    "taiwan.cn": "中国台湾网（国务院台湾事务办公室）",
    "fjsen.com": "东南网（福建省重点新闻网站）",
    "hxnews.com": "海峡网（福建日报报业集团）",
    "voc.com.cn": "华声在线、湖南日报（湖南日报报业集团）",
}
#: What a source says when no copy on a publisher's site was found, and when its figure is derived.
NO_COPY = "未找到权威网站副本"
DERIVED = "推算"
#: The transcribed tables and the column that names their source.
SOURCE_TABLES = ("cpc_party_statistics_national.csv", "mca_bulletin_national_community.csv",
                 "provincial_party_building_datapoints.csv", "compare_unit_counts_2021_2023.csv",
                 "nbs_agcensus2006_village_cadres.csv")
_URL = re.compile(r"https?://[^\s（）()；;，,]+")


def source_urls(text: str) -> list[str]:
    """The web addresses in a source text, in order."""
    return _URL.findall(text)


def is_publisher(url: str) -> bool:
    """Whether the host of ``url`` is one of :data:`PUBLISHERS` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in PUBLISHERS)


def source_problems(path: Path, column: str = "source") -> list[str]:
    """Every row of a transcribed table whose source cites a page off the publisher list, or that
    cites no publisher's page without saying that none was found (or that the figure is derived)."""
    problems = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row_number, row in enumerate(csv.DictReader(fh), start=2):
            text = row.get(column)
            where = f"{path.name}, row {row_number}, column {column}"
            if text is None:
                return [f"{path.name}: no column {column!r}"]
            urls = source_urls(text)
            problems += [f"{where}: {url} is not on the list of publishers (cgov.cite.PUBLISHERS)"
                         for url in urls if not is_publisher(url)]
            if not urls and NO_COPY not in text and DERIVED not in text:
                problems.append(f"{where}: cites no publisher's page and does not say {NO_COPY!r}")
    return problems


# ---------------------------------------------------------------- verification of references

#: The first word of a references.bib entry's ``note`` and how the bibliography shows it. An entry
#: that could not be checked is removed, never printed as still to be checked (issue 14).
REFERENCE_STATUS: dict[str, str] = {
    "VERIFIED-SEEN": "已核实：所列书目信息见于存档的原文、出版者或检索机构页面",
    "VERIFIED-CROSSCHECKED": "已核实：所列书目信息与多份独立的存档书目记录一致",
}
CHECKED = frozenset(REFERENCE_STATUS)
#: Draft statuses that the book refuses.
UNCHECKED = ("FROM-MEMORY", "PARTIAL")


def reference_status(note: str) -> str:
    """The verification status an entry's ``note`` starts with; ValueError if it is unchecked or missing."""
    word = note.strip().split()[0].rstrip(".:;,") if note.strip() else ""
    if word in UNCHECKED:
        raise ValueError(f"reference not checked ({word}): check it against a stored copy or remove it: {note!r}")
    if word not in REFERENCE_STATUS:
        raise ValueError(f"note does not start with a verification status {sorted(REFERENCE_STATUS)}: {note!r}")
    return word

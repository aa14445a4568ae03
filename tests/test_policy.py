"""The 政策脉络 page (book/policy.md): a complete timeline, sources on publishers' sites, stable labels.

Each row of the timeline names its date, issuer and title and links to its own section; each section says which
copy was seen, and every address it gives as the copy seen is on the project's publisher list (cgov.cite), unless
the section says first that no such copy was found; every {ref} to a policy label anywhere in the book resolves.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

from cgov.cite import NO_COPY, is_publisher

PAGE = ROOT / "book" / "policy.md"
CHAPTERS = {"overview", "vitality", "satisfaction", "participation", "resources", "mechanisms", "embedding",
            "strong-participation", "deliberation", "reorganisation", "platforms", "action"}
#: The anchors the chapters' 政策依据 sections link to; renaming one breaks those links.
PROMISED = {"policy-2000-community", "policy-2015-consultation", "policy-2017-governance", "policy-2018-rc-law",
            "policy-2019-burden", "policy-2019-urban-party", "policy-2021-grassroots", "policy-2023-social-work",
            "policy-2024-workers", "policy-2024-burden", "policy-2025-rc-law"}
DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?")
REF = re.compile(r"\{ref\}`(?:[^`<]*<)?([\w-]+)>?`")
URL = re.compile(r"<(https?://[^>\s]+)>")


def text() -> str:
    return PAGE.read_text(encoding="utf-8")


def timeline() -> list[dict]:
    """The rows of the table under 时间线, as dicts keyed by its header."""
    lines = [line for line in text().splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert all(len(r) == len(header) for r in rows), "a timeline row has the wrong number of cells"
    return [dict(zip(header, r)) for r in rows]


def labels() -> list[str]:
    return re.findall(r"^\(([\w-]+)\)=$", text(), re.M)


def sections() -> dict[str, str]:
    """Each policy label with the text of its section (up to the next label or heading of level 2)."""
    parts = re.split(r"^\((policy-[\w-]+)\)=$", text(), flags=re.M)
    return {label: re.split(r"^## ", body, flags=re.M)[0] for label, body in zip(parts[1::2], parts[2::2])}


def seen_copy(section: str) -> str:
    """The 所见副本 item of a section, continuation lines included."""
    match = re.search(r"^- \*\*所见副本\*\*：(.*?)(?=^- \*\*|^\s*$)", section, re.M | re.S)
    assert match, "the section has no 所见副本 item"
    return match.group(1)


def test_every_row_has_date_issuer_and_title():
    rows = timeline()
    assert len(rows) >= 11
    for row in rows:
        assert DATE.match(row["日期"]), row
        assert row["发文机关"] and row["文件"] and row["改变了什么"], row
        assert "《" in row["文件"] or "决定" in row["文件"], row


def test_timeline_is_in_date_order_and_covers_the_documents_the_issue_names():
    dates = [DATE.match(r["日期"]).groups(default="00") for r in timeline()]
    assert dates == sorted(dates)
    titles = " ".join(r["文件"] for r in timeline())
    for required in ("在全国推进城市社区建设", "城乡社区协商", "加强和完善城乡社区治理", "城市基层党的建设",
                     "为基层减负的通知", "为基层减负若干规定", "基层治理体系和治理能力现代化", "社区工作者队伍",
                     "党和国家机构改革方案", "城市居民委员会组织法"):
        assert required in titles, required


def test_each_row_links_its_own_section_and_real_chapters():
    own = set(labels())
    for row in timeline():
        targets = REF.findall(row["文件"])
        assert len(targets) == 1 and targets[0] in own, row["文件"]
        chapters = REF.findall(row["相关章节"])
        assert chapters and set(chapters) <= CHAPTERS, row["相关章节"]
    assert {REF.findall(r["文件"])[0] for r in timeline()} == set(sections())


def test_copies_seen_are_on_publishers_sites_or_say_none_was_found():
    for label, body in sections().items():
        copy = seen_copy(body)
        urls = URL.findall(copy)
        if copy.startswith(NO_COPY):
            continue
        assert urls, f"{label}: names no copy and does not say {NO_COPY}"
        off_list = [u for u in urls if not is_publisher(u)]
        assert not off_list, f"{label}: copies off the publisher list: {off_list}"


def test_publisher_check_is_not_vacuous():
    assert is_publisher("http://www.npc.gov.cn/npc/c2/x.html")
    assert not is_publisher("http://en.chinagate.cn/2015-07/22/content_36123736.htm")


def test_promised_labels_exist_and_are_unique():
    found = labels()
    assert len(found) == len(set(found))
    assert PROMISED <= set(found)


def test_every_policy_reference_in_the_book_resolves():
    own = set(labels())
    pages = [*sorted((ROOT / "notebooks").glob("*.md")), *sorted((ROOT / "book").glob("*.md"))]
    for page in pages:
        for target in REF.findall(page.read_text(encoding="utf-8")):
            if target.startswith("policy"):
                assert target in own, f"{page.name}: {{ref}} {target} is not on the policy page"

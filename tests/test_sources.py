"""Sources of the book's real figures and references (issue 14): every transcribed figure cites its
official publication and a copy on a publisher's or authoritative outlet's site (or says none was found);
every reference in references.bib is verified; "calibrated to published figures" is said only where true."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from cgov import cite, paths
from cgov.sim.parameters import CHOSEN, PARAMETERS

BIB = paths.ROOT / "book" / "references.bib"


# ---------------------------------------------------------------- transcribed figures

@pytest.mark.parametrize("filename", cite.SOURCE_TABLES)
def test_every_source_is_a_publisher_or_says_none_was_found(filename):
    assert cite.source_problems(paths.RAW / filename) == []


def test_processed_bulletin_series_keeps_the_publisher_sources():
    """The pipeline carries the source column through: the processed table passes the same check."""
    assert cite.source_problems(paths.ROOT / "data" / "processed" / "bulletin_series.csv") == []


@pytest.mark.parametrize("filename", cite.SOURCE_TABLES)
def test_every_source_names_the_publication_and_its_date(filename):
    frame = pd.read_csv(paths.RAW / filename, dtype=str, keep_default_na=False)
    for row_number, text in enumerate(frame["source"], start=2):
        publication = text.split("。")[0]
        assert re.search(r"(19|20)\d\d", publication), f"{filename}, row {row_number}: no date in {text!r}"
        assert re.search(r"[《：]", publication), f"{filename}, row {row_number}: no issuer or title in {text!r}"


def test_a_mirror_domain_fails_with_file_row_and_column(tmp_path):
    path = tmp_path / "bulletin.csv"
    path.write_text("year,source\n2013,某报道。所见副本：http://www.people.com.cn/a.htm\n"
                    "2014,转载。所见副本：http://stlouistrafficticketlawfirm.com/news/1.htm\n"
                    "2015,只有一句话，没有地址\n", encoding="utf-8")
    problems = cite.source_problems(path)
    assert len(problems) == 2
    assert problems[0].startswith("bulletin.csv, row 3, column source: http://stlouistrafficticketlawfirm.com")
    assert problems[1].startswith("bulletin.csv, row 4, column source:") and cite.NO_COPY in problems[1]


@pytest.mark.parametrize("url, ok", [
    ("http://big5.www.gov.cn/gate/big5/www.gov.cn/x.htm", True),
    ("https://www.stats.gov.cn/sj/pcsj/x.htm", True),
    ("http://paper.people.com.cn/rmrb/html/x.htm", True),
    ("http://gov.cn.example.com/x.htm", False),
    ("http://notpeople.cn/x.htm", False),
    ("https://storm.mg/article/5175502", False),
])
def test_publisher_domains_match_whole_labels(url, ok):
    assert cite.is_publisher(url) is ok


# ---------------------------------------------------------------- references

def _entries() -> dict[str, str]:
    text = BIB.read_text(encoding="utf-8")
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^@\w+\{([^,]+),", text, re.M)]
    return {key: text[pos:(starts[i + 1][0] if i + 1 < len(starts) else len(text))]
            for i, (pos, key) in enumerate(starts)}


def _note(entry: str) -> str:
    match = re.search(r"note\s*=\s*\{(.*?)\}\s*[,}]\s*$", entry, re.S | re.M)
    return match.group(1) if match else ""


def test_every_reference_has_a_checked_status():
    """No entry is FROM-MEMORY or PARTIAL: each is verified against a stored copy, or states which
    fields do not exist or are not published (and then prints none of them)."""
    statuses = {key: cite.reference_status(_note(entry)) for key, entry in _entries().items()}
    assert statuses and set(statuses.values()) <= set(cite.REFERENCE_STATUS)
    unchecked = {k: v for k, v in statuses.items() if v not in cite.CHECKED}
    assert unchecked == {}


def test_no_reference_label_says_still_to_be_checked():
    assert all("待核对" not in label and "未核实" not in label for label in cite.REFERENCE_STATUS.values())


def test_an_unverified_status_is_refused():
    with pytest.raises(ValueError, match="FROM-MEMORY"):
        cite.reference_status("FROM-MEMORY recalled")


def test_no_page_prints_a_reference_as_still_to_be_checked():
    pages = [*paths.ROOT.glob("notebooks/*.md"), *paths.ROOT.glob("book/*.md"), paths.ROOT / "index.md"]
    assert [p.name for p in pages if "待核对" in p.read_text(encoding="utf-8")] == []


# ---------------------------------------------------------------- calibration claims

#: Parameters the preface says are set to a published figure.
PUBLISHED = ("party_logit_base", "intention_base", "exit_base_rate")
#: Examples of parameters the preface says are chosen for teaching.
TAUGHT = ("coverage_targeting", "satisfaction_coverage", "trust_coverage", "exit_pay", "exit_hours",
          "platform_days", "burden_list_level", "sbd_effect_2016", "meetings_coverage")


def test_parameters_said_to_follow_published_figures_cite_a_source():
    assert all(PARAMETERS[name].source.startswith("calibration §") for name in PUBLISHED)


def test_parameters_said_to_be_chosen_are_chosen():
    assert all(PARAMETERS[name].source == CHOSEN for name in TAUGHT)


def test_calibrated_to_published_figures_is_not_claimed_for_the_whole_simulation():
    for page in ("index.md", "CITATION.cff", "book/preface.md"):
        text = (paths.ROOT / page).read_text(encoding="utf-8")
        assert not re.search(r"按已发表(的)?数字校准的模拟数据|calibrated to published figures", text), page

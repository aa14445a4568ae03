"""真实数据发现: every number on the findings page is glued from a chapter's results, and every one of
them rests on real public data (evidence "real"), never on a simulation."""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT

PAGE = ROOT / "book" / "findings.md"
GLUED = re.compile(r"\{glue\}`/notebooks/(?P<chapter>[\w-]+)\.md::(?P<key>\w+)`")


def test_the_page_glues_its_numbers_from_chapters():
    text = PAGE.read_text(encoding="utf-8")
    assert len(GLUED.findall(text)) >= 20
    prose = GLUED.sub("", re.sub(r"\{(?:ref|numref|term)\}`[^`]*`", "", text))
    numbers = re.findall(r"\d[\d,.]*%?", prose)
    typed = [n for n in numbers if not re.fullmatch(r"(19|20)\d\d", n) and n not in {"10", "90", "60", "65"}]
    assert not typed, f"numbers typed by hand on the findings page (years, percentile and age-group names aside): {typed}"


@pytest.mark.build
def test_every_finding_rests_on_real_data(strict_build):
    for chapter, key in GLUED.findall(PAGE.read_text(encoding="utf-8")):
        records = json.loads((strict_build.results / f"{chapter}.json").read_text(encoding="utf-8"))
        assert key in records, f"{chapter}::{key} is not published"
        assert records[key]["evidence"] == "real", f"{chapter}::{key} rests on {records[key]['evidence']}"

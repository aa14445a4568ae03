"""Every chapter is a MyST Markdown notebook that the strict build executed from top to bottom and that
published its numbers. The build is the one execution (a failing cell fails it: test_build.py); this
module reads what that execution left behind and executes nothing itself."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT


def test_notebooks_are_myst_markdown_only():
    assert NOTEBOOKS, "no chapter notebooks found"
    assert not list((ROOT / "notebooks").glob("*.ipynb")), "commit jupytext .md, not .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executed_in_the_build_and_published_its_numbers(site, strict_build, path: Path):
    assert (site / "notebooks" / f"{path.stem}.html").is_file(), f"{path.name} is not a page of the book"
    results = strict_build.results / f"{path.stem}.json"
    assert results.is_file(), f"{path.name} published no results (cgov.glue.publish)"
    assert json.loads(results.read_text(encoding="utf-8")), f"{path.name} published an empty results file"

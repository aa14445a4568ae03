"""The book builds clean and strict, and a failing cell fails the build with its notebook named.

The strict build is the one execution of every chapter in a test session (``conftest.strict_build``);
no test executes the chapters a second time, except one chapter in test_release.py (reproducibility).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, build_book


def test_clean_strict_build_succeeds(strict_build):
    assert strict_build.returncode == 0, strict_build.log[-6000:]
    assert (strict_build.html / "index.html").is_file()


@pytest.mark.build
def test_failing_cell_fails_the_build(tmp_path: Path):
    """A copy of the book's configuration with one tiny notebook whose cell raises must not build."""
    source = tmp_path / "book"
    source.mkdir()
    for name in ("_config.yml", "index.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "book", source / "book")
    (source / "notebooks").mkdir()
    (source / "notebooks" / "99-broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n# 故障测试\n\n"
        "```{code-cell} ipython3\nraise RuntimeError('deliberate failure for the test')\n```\n",
        encoding="utf-8")
    (source / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: notebooks/99-broken\n", encoding="utf-8")
    build = build_book(source, tmp_path / "out")
    assert build.returncode != 0
    assert "99-broken" in build.log
    assert "deliberate failure for the test" in build.log

"""Every chapter notebook executes from top to bottom (a failure shows its name and traceback)."""
from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))


def test_notebooks_are_myst_markdown_only():
    assert NOTEBOOKS, "no chapter notebooks found"
    assert not list((ROOT / "notebooks").glob("*.ipynb")), "commit jupytext .md, not .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("CGOV_RESULTS", str(tmp_path / "results"))
    notebook = jupytext.read(path)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    assert (tmp_path / "results" / f"{path.stem}.json").is_file(), \
        f"{path.name} published no results (cgov.glue.publish)"

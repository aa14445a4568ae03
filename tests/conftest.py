"""Shared fixtures and marks.

The clean strict build of the whole book is made once per test session (``strict_build``); every test
that uses it (directly or through ``site`` or ``published``) is marked ``build`` here, and the tests
that drive Chromium are marked ``browser`` in their module, so ``pytest -m "not build and not browser"``
is the fast loop. Chapter result tests live in ``tests/chapters/`` and use the same fixtures.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
#: Fixtures that need the whole book built: a test using one is a ``build`` test.
BUILD_FIXTURES = {"strict_build", "site", "published"}


def pytest_addoption(parser) -> None:
    parser.addoption("--built", type=Path, metavar="DIR",
                     help="read a finished build instead of building the book (DIR is the repository's _build, "
                          "or a --path-output folder); for a quick look while working: make test never uses it")


def pytest_collection_modifyitems(items) -> None:
    """Mark every test that needs the strict build ``build``, so the fast loop leaves it out."""
    for item in items:
        if BUILD_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.build)


@dataclass(frozen=True)
class Build:
    """A finished book build: its exit code, its log, and where its outputs are."""

    returncode: int
    log: str
    html: Path
    results: Path


def build_book(source: Path, output: Path) -> Build:
    """Build the book in ``source`` clean and strict (warnings are errors) into ``output``."""
    results = output / "results"
    env = {**os.environ, "CGOV_RESULTS": str(results)}
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output),
         "--all", "-W", "-n", "--keep-going"],
        cwd=source, env=env, capture_output=True, text=True, timeout=1800)
    return Build(proc.returncode, proc.stdout + proc.stderr, output / "_build" / "html", results)


def finished_build(folder: Path) -> Build:
    """A build made earlier: ``_build`` of the repository (``html``, ``results``) or a ``--path-output``
    folder (``_build/html``, ``results``)."""
    html = folder / "html" if (folder / "html").is_dir() else folder / "_build" / "html"
    if not (html / "index.html").is_file() or not (folder / "results").is_dir():
        raise pytest.UsageError(f"--built {folder}: no finished build there (html/index.html and results/)")
    return Build(0, f"(a finished build, {folder})", html, folder / "results")


@pytest.fixture(scope="session")
def strict_build(request, tmp_path_factory) -> Build:
    """The whole book built from scratch, as CI builds it (no cache from earlier builds): the one
    execution of every chapter in a test session. ``pytest --built DIR`` reads a finished build instead."""
    if request.config.getoption("built"):
        return finished_build(request.config.getoption("built").resolve())
    return build_book(ROOT, tmp_path_factory.mktemp("strict-build"))


@pytest.fixture(scope="session")
def site(strict_build) -> Path:
    """The built HTML site; fails (not skips) every test that needs it when the build failed."""
    assert strict_build.returncode == 0, f"the strict build failed:\n{strict_build.log[-6000:]}"
    return strict_build.html


@pytest.fixture(scope="session")
def published(strict_build):
    """``published("02-vitality")``: the values a chapter published in the session's strict build."""
    def values(stem: str) -> dict[str, float]:
        records = json.loads((strict_build.results / f"{stem}.json").read_text(encoding="utf-8"))
        return {name: record["value"] for name, record in records.items()}
    return values

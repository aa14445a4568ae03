"""``cgov bench`` (``make bench``): how heavy and how fast the published site is, and how long the book takes to build.

Builds a copy of the book in a temporary folder (never ``_build/``): a clean build, a rebuild with no
change, and a rebuild after a prose edit. Then serves the clean build on 127.0.0.1 and reports, for every
page, the bytes transferred (gzip, all assets) and the request count in Chromium, and Lighthouse's mobile
scores for a sample page. A benchmark with a report, not a test: it fails only when something cannot run
(warnings do not stop it; the strict build is the tests' job).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cgov.paths import ROOT
from cgov.release import ReleaseError
from cgov.release.browser import CHROMIUM, CHROMIUM_ARGS, LIGHTHOUSE, axe_violations, launch, open_page, serve

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "_build", "node_modules", ".pytest_cache",
                                    "__pycache__", ".ipynb_checkpoints", "dist")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
#: The prose edit timed: a sentence appended to a chapter (a new Markdown cell; no code changes).
PROSE_EDIT = "\n\n本句仅用于测量改动文字后的重建时间。\n"


def build(source: Path, output: Path, *extra: str) -> float:
    """Seconds one ``jupyter-book build`` of ``source`` takes; raises if the build fails."""
    env = {**os.environ, "CGOV_RESULTS": str(output / "results")}
    start = time.perf_counter()
    proc = subprocess.run([str(JUPYTER_BOOK), "build", str(source), "--path-output", str(output),
                           "-n", "--keep-going", *extra],
                          cwd=source, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise ReleaseError(f"the book build failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return seconds


def build_times(work: Path) -> tuple[dict[str, float], Path]:
    """Clean, no-change and prose-edit build times of a copy of the book; returns them and the site."""
    source, output = work / "book", work / "out"
    shutil.copytree(ROOT, source, ignore=NOT_COPIED, symlinks=True)
    times = {"clean build": build(source, output, "--all"), "no-change rebuild": build(source, output)}
    chapter = sorted((source / "notebooks").glob("*.md"))[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + PROSE_EDIT, encoding="utf-8")
    times[f"prose-edit rebuild ({chapter.name})"] = build(source, output)
    return times, output / "_build" / "html"


def page_weights(site: Path, base: str) -> list[dict]:
    """Per page: bytes transferred (gzip) and requests in a fresh browser, and axe-core's violations."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for path in sorted(site.rglob("*.html")):
            name = str(path.relative_to(site))
            if name.startswith("_static/"):
                continue
            context = browser.new_context()  # empty cache: every asset counts
            page, load = open_page(context, base + name)
            rows.append({"page": name, "bytes": load.transferred, "requests": len(load.requests),
                         "outside": len(load.outside(base)), "axe": [v["id"] for v in axe_violations(page)]})
            context.close()
        browser.close()
    return rows


def lighthouse(url: str, runs: int) -> list[dict[str, int]]:
    """Lighthouse's mobile category scores (0–100) for ``url``, one dict per run."""
    if not LIGHTHOUSE.exists():
        raise FileNotFoundError(f"{LIGHTHOUSE} is missing: run `npm ci` (make bench does)")
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        for _ in range(runs):
            subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
                            f"--only-categories={','.join(CATEGORIES)}",
                            f"--chrome-flags={' '.join(CHROMIUM_ARGS)}"],
                           env={**os.environ, "CHROME_PATH": str(CHROMIUM)}, check=True)
            categories = json.loads(report.read_text(encoding="utf-8"))["categories"]
            scores.append({name: round(100 * categories[name]["score"]) for name in CATEGORIES})
    return scores


def report(times: dict[str, float], rows: list[dict], sample: str, scores: list[dict[str, int]]) -> str:
    lines = ["## Pages (fresh browser, gzip as a web host serves it)", "",
             "| page | transferred (KB, gzip) | requests | outside the site | axe violations |",
             "|---|---:|---:|---:|---|"]
    lines += [f"| {r['page']} | {r['bytes'] / 1000:.1f} | {r['requests']} | {r['outside']} | "
              f"{', '.join(r['axe']) or 'none'} |" for r in rows]
    lines += ["", f"## Lighthouse {len(scores)}× mobile, {sample} (median; min–max)", ""]
    for name in CATEGORIES:
        values = [s[name] for s in scores]
        lines.append(f"- {name}: {statistics.median(values):g} ({min(values)}–{max(values)})")
    lines += ["", "## Book build times (2 cores; a copy of the book in a temporary folder)", ""]
    lines += [f"- {name}: {seconds:.1f} s" for name, seconds in times.items()]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """``cgov bench`` (arguments in :mod:`cgov.__main__`)."""
    with tempfile.TemporaryDirectory(prefix="cgov-bench-") as work:
        times, site = build_times(Path(work))
        with serve(site) as base:
            rows = page_weights(site, base)
            scores = lighthouse(base + args.sample, args.runs)
    print(report(times, rows, args.sample, scores))
    return 0

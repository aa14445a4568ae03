"""``cgov bench`` (``make bench``): how heavy and how fast the published site is, and how long the book takes to build.

Builds a copy of the book in a temporary folder (never ``_build/``): a clean build, a rebuild with no
change, and a rebuild after a prose edit. Then serves the clean build on 127.0.0.1 and reports, for every
page, the bytes transferred (gzip, all assets) and the request count in Chromium, and Lighthouse's mobile
scores (median of 3 with FCP, LCP, TBT) for the heaviest chapter and the home page; writes the table to
``_build/bench/bench.md``. ``--site DIR`` measures a built site instead of building one. A benchmark with a report, not a test: it fails only when something cannot run
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


#: Budgets of issue 19 for a chapter page (checked by tests/test_browser.py; reported here).
CHAPTER_BYTES = 250_000
CHAPTER_ELEMENTS = 1_500
#: Lighthouse audits reported with the performance score (milliseconds, except layout shift).
TIMINGS = {"FCP": "first-contentful-paint", "LCP": "largest-contentful-paint", "TBT": "total-blocking-time",
           "CLS": "cumulative-layout-shift"}
BENCH_DIR = ROOT / "_build" / "bench"


def page_weights(site: Path, base: str) -> list[dict]:
    """Per page, in a fresh browser on a 360 px phone: bytes transferred (gzip) on first view and after a
    full scroll (lazy figures), requests, DOM elements, and axe-core's violations."""
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for path in sorted(site.rglob("*.html")):
            name = str(path.relative_to(site))
            if name.startswith("_static/"):
                continue
            context = browser.new_context(viewport={"width": 360, "height": 740})  # empty cache: every asset counts
            page, load = open_page(context, base + name)
            first_view, elements = load.transferred, page.evaluate("document.getElementsByTagName('*').length")
            scrolled = scroll_through(page, load)
            rows.append({"page": name, "bytes": first_view, "scrolled": scrolled, "requests": len(load.requests),
                         "elements": elements, "outside": len(load.outside(base)),
                         "axe": [v["id"] for v in axe_violations(page)]})
            context.close()
        browser.close()
    return rows


def scroll_through(page, load) -> int:
    """Scroll ``page`` to the bottom step by step (lazy figures load); returns all bytes transferred."""
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 740, 740):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")
    return load.transferred + sum(request.sizes()["responseBodySize"] for request in finished)


def lighthouse(url: str, runs: int) -> list[dict[str, float]]:
    """Lighthouse's mobile category scores (0–100) and FCP, LCP, TBT (ms) and CLS for ``url``, one dict per run."""
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
            result = json.loads(report.read_text(encoding="utf-8"))
            run = {name: round(100 * result["categories"][name]["score"]) for name in CATEGORIES}
            run.update({short: result["audits"][audit]["numericValue"] for short, audit in TIMINGS.items()})
            scores.append(run)
    return scores


def heaviest_chapter(rows: list[dict]) -> str:
    """The chapter page that transfers the most bytes after a full scroll."""
    return max((r for r in rows if r["page"].startswith("notebooks/")), key=lambda r: r["scrolled"])["page"]


def _median(runs: list[dict], key: str) -> str:
    values = [r[key] for r in runs]
    if key == "CLS":
        return f"{statistics.median(values):.3f}"
    if key in TIMINGS:
        return f"{statistics.median(values) / 1000:.2f} s" if key != "TBT" else f"{statistics.median(values):.0f} ms"
    return f"{statistics.median(values):g} ({min(values)}–{max(values)})"


def report(times: dict[str, float], rows: list[dict], scores: dict[str, list[dict]]) -> str:
    """The bench as Markdown: pages, Lighthouse medians, build times."""
    chapter = lambda r: r["page"].startswith("notebooks/")  # noqa: E731
    over = lambda r: chapter(r) and (r["bytes"] > CHAPTER_BYTES or r["elements"] > CHAPTER_ELEMENTS)  # noqa: E731
    lazy = lambda r: chapter(r) and r["scrolled"] > CHAPTER_BYTES  # noqa: E731
    lines = [f"# cgov bench (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", "",
             f"## Pages (fresh browser at 360 px, gzip as a web host serves it; chapter budgets: "
             f"{CHAPTER_BYTES // 1000} KB on first view and {CHAPTER_ELEMENTS} elements, ✗ over; † the full scroll, "
             f"with the figures below the fold that load lazily, passes {CHAPTER_BYTES // 1000} KB)", "",
             "| page | first view (KB) | full scroll (KB) | requests | DOM elements | outside the site | axe violations |",
             "|---|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {r['page']}{' ✗' if over(r) else ''} | {r['bytes'] / 1000:.1f} | "
              f"{r['scrolled'] / 1000:.1f}{' †' if lazy(r) else ''} | "
              f"{r['requests']} | {r['elements']} | {r['outside']} | {', '.join(r['axe']) or 'none'} |" for r in rows]
    for page, runs in scores.items():
        lines += ["", f"## Lighthouse {len(runs)}× mobile, {page} (median; min–max)", ""]
        lines += [f"- {name}: {_median(runs, name)}" for name in (*CATEGORIES, *TIMINGS)]
    if times:
        lines += ["", "## Book build times (2 cores; a copy of the book in a temporary folder)", ""]
        lines += [f"- {name}: {seconds:.1f} s" for name, seconds in times.items()]
    return "\n".join(lines) + "\n"


def measure(site: Path, runs: int) -> tuple[list[dict], dict[str, list[dict]]]:
    """Every page's weight, then Lighthouse on the heaviest chapter and the home page."""
    with serve(site) as base:
        rows = page_weights(site, base)
        pages = [heaviest_chapter(rows), "index.html"]
        scores = {page: lighthouse(base + page, runs) for page in pages}
    return rows, scores


def run(args: argparse.Namespace) -> int:
    """``cgov bench`` (arguments in :mod:`cgov.__main__`): writes ``_build/bench/bench.md`` and prints it."""
    if args.site is not None:
        times, (rows, scores) = {}, measure(args.site, args.runs)
    else:
        with tempfile.TemporaryDirectory(prefix="cgov-bench-") as work:
            times, site = build_times(Path(work))
            rows, scores = measure(site, args.runs)
    text = report(times, rows, scores)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "bench.md").write_text(text, encoding="utf-8")
    print(text)
    return 0

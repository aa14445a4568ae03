"""The built site in a real browser (Debian's Chromium): every page opened from a local server on
127.0.0.1 loads nothing from elsewhere, logs no error, has no broken link, passes axe-core and fits a
phone; Chinese search finds the pages that use a term; formulas show when opened from files (a USB stick)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from cgov.release.browser import PageLoad, axe_violations, launch, open_page, serve

pytestmark = pytest.mark.browser

#: Largest transfer (bytes, gzip) of a chapter page with all it loads on first view; most DOM elements (issue 19).
CHAPTER_BUDGET = 250_000
CHAPTER_ELEMENTS = 1_500
PHONE = {"width": 360, "height": 740}
SEARCH_TERMS = ["党组织", "居委会", "网格"]


@dataclass
class Visit:
    """One page as the browser showed it."""

    load: PageLoad
    axe: list[dict]
    links: list[str]  # every <a href>, resolved by the browser
    phone_overflow: int  # px the page is wider than a 360 px screen
    elements: int  # DOM elements once the page's scripts have run


def page_names(site: Path) -> list[str]:
    """The pages of the book (not the theme's template fragments under _static)."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if p.parts[len(site.parts)] != "_static")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(site):
    with serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def visits(site, browser, served) -> dict[str, Visit]:
    """Every page of the site, opened once on a desktop screen, then narrowed to a 360 px phone."""
    context = browser.new_context()
    found = {}
    for name in page_names(site):
        page, load = open_page(context, served + name)
        links = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        elements = page.evaluate("document.getElementsByTagName('*').length")
        violations = axe_violations(page)
        page.set_viewport_size(PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        found[name] = Visit(load, violations, links, overflow, elements)
        page.close()
    context.close()
    return found


def test_every_page_is_visited(site, visits):
    assert "index.html" in visits and any(n.startswith("notebooks/") for n in visits)


def test_no_request_leaves_the_site(visits, served):
    assert not {n: v.load.outside(served) for n, v in visits.items() if v.load.outside(served)}


def test_no_console_error(visits):
    assert not {n: v.load.console_errors for n, v in visits.items() if v.load.console_errors}


def test_every_asset_loads(visits):
    assert not {n: v.load.failed for n, v in visits.items() if v.load.failed}


def ids(path: Path) -> set[str]:
    return {tag["id"] for tag in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            .find_all(id=True)}


def test_internal_links_and_anchors_resolve(site, visits, served):
    broken = []
    for name, visit in visits.items():
        for link in visit.links:
            if not link.startswith(served):
                continue
            url = urlsplit(link)
            target = site / unquote(url.path).lstrip("/")
            target = target / "index.html" if target.is_dir() else target
            if not target.is_file():
                broken.append(f"{name} → {link}")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in ids(target):
                broken.append(f"{name} → {link} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_axe_finds_no_violations(visits):
    """All rules axe-core runs by default, best practices included."""
    assert not {n: v.axe for n, v in visits.items() if v.axe}


def test_pages_fit_a_phone_screen(visits):
    assert not {n: v.phone_overflow for n, v in visits.items() if v.phone_overflow > 0}


def test_chapter_pages_stay_light(visits):
    heavy = {n: v.load.transferred for n, v in visits.items()
             if n.startswith("notebooks/") and v.load.transferred > CHAPTER_BUDGET}
    assert not heavy, f"over {CHAPTER_BUDGET} bytes transferred: {heavy}"


def test_chapter_pages_have_a_small_dom(visits):
    big = {n: v.elements for n, v in visits.items() if n.startswith("notebooks/") and v.elements > CHAPTER_ELEMENTS}
    assert not big, f"over {CHAPTER_ELEMENTS} DOM elements: {big}"


def test_collapsed_code_shows_when_opened(site, browser, served):
    """A collapsed code cell is text in <noscript> until opened; opened, it shows its code with a copy
    button (cgov.site.perf.lazy_hidden_code)."""
    context = browser.new_context()
    page, load = open_page(context, f"{served}/notebooks/12-action.html")
    closed = page.evaluate("document.querySelectorAll('noscript.cgov-lazy').length")
    page.click("div.tag_hide-input details summary")
    page.wait_for_selector("div.tag_hide-input div.cell_input pre", state="visible")
    copy = page.eval_on_selector("div.tag_hide-input div.cell_input pre", "pre => !!pre.nextElementSibling?.matches('button.copybtn')")
    context.close()
    assert closed > 0 and copy and not load.console_errors


def test_figures_have_a_size_and_load_lazily(site):
    """Every figure of a chapter: alt text, explicit width and height (no layout shift), lazy and async
    loading, and WebP where that is smaller than the PNG (cgov.site.perf)."""
    bad = []
    for name in page_names(site):
        article = BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser").find("article")
        for img in article.select("img:not(.cgov-math)") if article else []:  # formulas: sized in ex, inline
            needed = {"alt", "width", "height", "loading", "decoding"} - set(img.attrs)
            if needed or img.get("loading") != "lazy" or img.get("decoding") != "async":
                bad.append(f"{name}: {img.get('src')} lacks {sorted(needed) or 'lazy/async'}")
    assert not bad, "\n".join(bad)


def test_download_box_is_one_line(site):
    """On a chapter page the download box is folded (<details>), so the learning objectives come first."""
    for name in page_names(site):
        if name.startswith("notebooks/"):
            box = BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser").find(class_="cgov-downloads")
            assert box is not None and box.name == "details" and box.summary, name


def test_one_render_blocking_style_sheet(site):
    """Each page links one style sheet (the purged theme CSS bundled with the book's own)."""
    many = {}
    for name in page_names(site):
        soup = BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser")
        sheets = soup.head.find_all("link", rel="stylesheet")
        if len(sheets) != 1:
            many[name] = len(sheets)
    assert not many


def pages_with(site: Path, term: str) -> set[str]:
    """Pages whose article text contains ``term`` (what search should find, computed from the pages)."""
    found = set()
    for name in page_names(site):
        article = BeautifulSoup((site / name).read_text(encoding="utf-8"), "html.parser").find("article")
        if name not in ("search.html", "genindex.html") and article and term in article.get_text():
            found.add(name)
    return found


def search(browser, served: str, term: str) -> set[str]:
    """The pages that the site's own search page lists for ``term``."""
    context = browser.new_context()
    page, load = open_page(context, f"{served}search.html?q={quote(term)}", settle_ms=0)
    page.wait_for_function("document.querySelector('#search-results .search-summary')?.textContent.length > 0")
    hrefs = page.eval_on_selector_all("ul.search li a", "links => links.map(a => a.href)")
    context.close()
    assert not load.console_errors, load.console_errors
    return {unquote(urlsplit(h).path).lstrip("/") for h in hrefs}


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_chinese_search_finds_the_pages_that_use_a_term(site, browser, served, term):
    expected = pages_with(site, term)
    assert search(browser, served, term) == expected


@pytest.mark.parametrize("term", ["党组织", "居委会"])
def test_core_terms_are_in_the_book(site, term):
    assert pages_with(site, term), f"no page discusses {term}"


def test_formulas_render_from_files_with_no_server(site, browser):
    """Opened from a folder (file://), a chapter shows its formulas and asks nothing of the network."""
    context = browser.new_context()
    page, load = open_page(context, (site / "notebooks" / "01-overview.html").as_uri())
    sizes = page.eval_on_selector_all(
        "img.cgov-math", "imgs => imgs.map(i => i.complete ? Math.min(i.naturalWidth, i.getBoundingClientRect().width) : 0)")
    context.close()
    assert sizes and min(sizes) > 0, "formulas are missing, not decoded or have no size"
    assert not [u for u in load.requests if urlsplit(u).scheme not in ("file", "data")]
    assert not load.console_errors

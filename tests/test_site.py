"""The built site: self-contained, Chinese, with every glued number present and matching the results."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT

EXTERNAL = re.compile(r"^(https?:)?//", re.I)
# Attributes through which a page makes the browser fetch something.
ASSET_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
               "video": "src", "embed": "src", "object": "data"}
NOT_FETCHED_LINK_RELS = {"canonical", "alternate", "author", "license", "help", "search", "next",
                         "prev", "index"}


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def external_assets(page: BeautifulSoup) -> list[str]:
    """URLs outside the site that the page would load (links a reader clicks do not count)."""
    found = [tag[attr] for name, attr in ASSET_ATTRS.items()
             for tag in page.find_all(name) if tag.get(attr) and EXTERNAL.match(tag[attr])]
    for link in page.find_all("link", href=True):
        rels = set(link.get("rel", []))
        if EXTERNAL.match(link["href"]) and not rels <= NOT_FETCHED_LINK_RELS:
            found.append(link["href"])
    for script in page.find_all("script", src=False):
        found += re.findall(r"https?://[^\s\"'<>]+", script.get_text())
    for style in page.find_all("style"):
        found += re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", style.get_text())
    return found


def test_no_page_loads_anything_from_outside_the_site(site):
    offenders = {str(p.relative_to(site)): external_assets(soup(p)) for p in pages(site)}
    assert not {k: v for k, v in offenders.items() if v}


def test_no_stylesheet_loads_from_outside_the_site(site):
    for css in site.rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?(https?:)?//[^)]*", css.read_text(errors="replace"))
        assert not urls, f"{css.relative_to(site)} loads {urls[:3]}"


def test_pages_are_declared_chinese(site):
    html = soup(site / "index.html").find("html")
    assert html.get("lang", "").lower().startswith("zh")


def test_math_is_typeset_at_build_time(site):
    """Formulas arrive as SVG with hidden MathML: no MathJax script, no raw TeX left for a browser."""
    overview = soup(site / "notebooks" / "01-overview.html")
    assert overview.select("mjx-container svg"), "the overview chapter has a formula but no typeset math"
    assert overview.select("mjx-container mjx-assistive-mml math"), "typeset math lacks MathML for screen readers"
    for path in pages(site):
        page = soup(path)
        scripts = [s["src"] for s in page.find_all("script", src=True) if "mathjax" in s["src"].lower()]
        assert not scripts, f"{path.relative_to(site)} loads {scripts}"
        for code in page.select("main pre, main code"):
            code.decompose()  # code may show TeX on purpose
        text = page.find("main").get_text() if page.find("main") else ""
        assert not re.search(r"\\\(|\\\[|\$\$", text), f"{path.relative_to(site)} shows raw TeX"


def test_figures_have_real_alt_text(site):
    for path in (site / "notebooks").glob("*.html"):
        for img in soup(path).select("main img, article img"):
            alt = img.get("alt", "").strip()
            assert len(alt) >= 10, f"{path.name}: image {img.get('src')} has alt text {alt!r}"
            assert not re.search(r"\.(png|svg|jpe?g)$", alt), f"{path.name}: alt is a file name"


def glued_values(page: BeautifulSoup) -> list[str]:
    """Inline glued numbers (myst-nb renders {glue} as span.output.text_plain inside prose)."""
    return [span.get_text() for span in page.select("p span.output.text_plain, li span.output.text_plain")]


def test_no_glued_value_is_empty_and_no_role_is_left_unrendered(site):
    for path in pages(site):
        page = soup(path)
        values = glued_values(page)
        assert all(v.strip() for v in values), f"{path.relative_to(site)} has an empty glued value"
        for code in page.select("code, pre"):
            code.decompose()  # a page may show the role's syntax as code
        text = page.get_text()
        assert "{glue" not in text, f"{path.relative_to(site)} shows an unrendered glue role"


def chapter_results(strict_build) -> list[Path]:
    return sorted(strict_build.results.glob("*.json"))


def test_every_chapter_writes_results(strict_build, site):
    written = {p.stem for p in chapter_results(strict_build)}
    chapters = {p.stem for p in (ROOT / "notebooks").glob("*.md")}
    assert chapters <= written, f"chapters without a results JSON: {sorted(chapters - written)}"


def test_page_states_each_published_number(strict_build, site):
    """Every number a chapter publishes appears, exactly as formatted, among its page's glued values."""
    for results in chapter_results(strict_build):
        page = site / "notebooks" / f"{results.stem}.html"
        shown = set(glued_values(soup(page)))
        for name, record in json.loads(results.read_text(encoding="utf-8")).items():
            assert record["text"] in shown, f"{results.stem}: {name} = {record['text']} not on the page"


def search_terms(site: Path) -> dict:
    """The term index of Sphinx's search (Chinese words segmented by jieba)."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])["terms"]


@pytest.mark.parametrize("term", ["党员", "党组织", "居委会"])
def test_chinese_search_finds_terms(site, term):
    terms = search_terms(site)
    assert term in terms and terms[term], f"searching {term} finds nothing"


def test_no_stray_spaces_between_chinese_characters(site):
    """Source line breaks inside Chinese sentences must not become spaces on the page."""
    cjk = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
    broken = re.compile(rf"[{cjk}]\s*\n\s*[{cjk}]")
    for path in pages(site):
        for paragraph in soup(path).select("main p, article p"):
            match = broken.search(paragraph.get_text())
            assert not match, f"{path.relative_to(site)}: line break in {match.group()!r}"


def test_every_page_has_a_description_and_an_icon(site):
    """Search engines show the description; a missing icon is a failed request in every browser."""
    for path in pages(site):
        if "_static" in path.relative_to(site).parts:
            continue
        page = soup(path)
        description = page.find("meta", attrs={"name": "description"})
        assert description and description.get("content", "").strip(), f"{path.name}: no meta description"
        icon = page.find("link", rel="icon")
        assert icon and (path.parent / icon["href"]).resolve().is_file(), f"{path.name}: no favicon"


def test_every_table_has_headers(site):
    for path in pages(site):
        for table in soup(path).select("article table:not(.indextable)"):  # the index's is for layout
            assert table.find("th"), f"{path.relative_to(site)}: a table without header cells"

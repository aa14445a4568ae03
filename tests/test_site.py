"""The built site: self-contained, Chinese, with every glued number present and matching the results, and
stable URLs (sitemap, canonical links, redirects for moved pages)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from cgov.release.dist import site_problems
from cgov.site import urls
from conftest import ROOT

EXTERNAL = re.compile(r"^(https?:)?//", re.I)
# Attributes through which a page makes the browser fetch something.
ASSET_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
               "video": "src", "embed": "src", "object": "data"}
BASE = "https://book.invalid/cgov/"  # a reserved, never-resolving domain: test value only
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
    """Formulas arrive typeset, each one image (an SVG data URL) with its TeX as alt text: no MathJax
    script, no raw TeX left for a browser."""
    overview = soup(site / "notebooks" / "01-overview.html")
    formulas = overview.select("img.cgov-math")
    assert formulas, "the overview chapter has a formula but no typeset math"
    for img in formulas:
        assert img["src"].startswith("data:image/svg+xml,") and "%3Csvg" in img["src"], img["src"][:80]
        assert img["alt"].strip() and re.search(r"width:[\d.]+ex;height:[\d.]+ex", img["style"]), img
    assert not overview.select("mjx-container"), "inline MathJax markup left"
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
        for img in soup(path).select("main img:not(.cgov-math), article img:not(.cgov-math)"):  # formulas: TeX
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
    """Source line breaks inside Chinese sentences, or next to Chinese punctuation (“ （ — …), must not become
    spaces on the page."""
    punct = "\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019\u2014\u2026"
    cjk = "\u4e00-\u9fff" + punct
    broken = re.compile(rf"[{cjk}]\s*\n\s*[{cjk}]|[{punct}][ \t]*\n|\n[ \t]*[{punct}]")
    for path in pages(site):
        for paragraph in soup(path).select("main p, article p"):
            for formula in paragraph.select("img.cgov-math"):
                formula.replace_with(formula["alt"])  # a formula reads as its TeX, not as nothing
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


# ---------- stable URLs: the sitemap, canonical links and redirects (cgov.site.urls) ----------

def content_pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_static" not in p.parts
            and p.name not in {"genindex.html", "search.html"} and 'http-equiv="refresh"' not in p.read_text()}


def test_sitemap_lists_every_page_of_the_book_once(site):
    listed = urls.sitemap_paths((site / urls.SITEMAP).read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed))
    assert set(listed) == content_pages(site)


def test_every_url_of_the_previous_release_still_resolves(site):
    previous = urls.sitemap_paths((ROOT / "tests" / "data" / "sitemap-previous.xml").read_text())
    assert "index.html" in previous
    missing = [page for page in previous if not (site / page).is_file()]
    assert not missing, f"pages of the previous release that are gone (add them to {urls.REDIRECTS}): {missing}"


def test_each_redirect_of_the_book_is_a_page_that_sends_readers_on(site):
    for old, new in urls.load_redirects(ROOT / urls.REDIRECTS).items():
        text = (site / old).read_text(encoding="utf-8")
        target = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', text).group(1)
        assert (site / old).parent.joinpath(target).resolve() == (site / new).resolve()


@pytest.fixture
def mini_book(tmp_path):
    """A two-page Sphinx project with cgov.site.urls and one moved page."""
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    (src / "_static").mkdir()
    (src / "_static" / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (src / "conf.py").write_text('extensions = ["cgov.site.urls"]\nhtml_favicon = "_static/favicon.svg"\n'
                                 'html_static_path = ["_static"]\n')
    (src / "index.rst").write_text("首页\n====\n\n.. toctree::\n\n   book/chapter\n")
    (src / "book" / "chapter.rst").write_text("第一章\n======\n\n正文。\n")
    (src / "book" / "redirects.yml").write_text("notebooks/01-old.html: book/chapter.html\n")
    return src


def build_mini(src: Path, out: Path) -> Path:
    from sphinx.application import Sphinx

    app = Sphinx(str(src), str(src), str(out), str(out / ".doctrees"), "html", status=None, warning=None,
                 freshenv=True)
    app.build()
    return out


def test_canonical_links_sitemap_and_redirect_pages_under_a_base_url(mini_book, tmp_path, monkeypatch):
    monkeypatch.setenv(urls.BASEURL_ENV, BASE.rstrip("/"))  # the slash is added
    out = build_mini(mini_book, tmp_path / "html")
    for page in ("index.html", "book/chapter.html"):
        assert f'<link rel="canonical" href="{BASE}{page}" />' in (out / page).read_text()
    sitemap = (out / urls.SITEMAP).read_text()
    assert re.findall(r"<loc>(.*?)</loc>", sitemap) == [f"{BASE}book/chapter.html", f"{BASE}index.html"]
    assert urls.sitemap_paths(sitemap) == ["book/chapter.html", "index.html"]
    redirect = (out / "notebooks" / "01-old.html").read_text()
    assert 'content="0; url=../book/chapter.html"' in redirect
    assert f'<link rel="canonical" href="{BASE}book/chapter.html">' in redirect
    assert '<a href="../book/chapter.html">第一章</a>' in redirect
    assert site_problems(out, BASE) == []


def test_without_a_base_url_no_canonical_link_and_a_relative_sitemap(mini_book, tmp_path, monkeypatch):
    monkeypatch.delenv(urls.BASEURL_ENV, raising=False)
    out = build_mini(mini_book, tmp_path / "html")
    assert 'rel="canonical"' not in (out / "index.html").read_text()
    assert re.findall(r"<loc>(.*?)</loc>", (out / urls.SITEMAP).read_text()) == ["book/chapter.html", "index.html"]


@pytest.mark.parametrize("mapping, message", [("notebooks/01-old.html: book/gone.html", "not in the build"),
                                              ("book/chapter.html: index.html", "still a page")])
def test_a_wrong_redirect_fails_the_build(mini_book, tmp_path, mapping, message):
    (mini_book / "book" / "redirects.yml").write_text(mapping + "\n")
    with pytest.raises(Exception, match=message):
        build_mini(mini_book, tmp_path / "html")

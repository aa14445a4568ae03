"""查看本地数据: the page's data equal the processed tables (derived here a second way), and in a real
browser the search finds units by characters, pinyin and initials, tells namesakes apart, and every
number a profile shows equals the processed tables."""
from __future__ import annotations

import gzip
import random
import re

import pandas as pd
import pytest

from cgov import data, localdata
from cgov.glue import shown

SAMPLE_SEED = 20240610


@pytest.fixture(scope="module")
def payload():
    return localdata.payload()


@pytest.fixture(scope="module")
def tables():
    return {name: data.load(name) for name in ("county_units", "census_county", "county_2020", "unit_transitions")}


def expected(code: str, tables) -> dict[str, str]:
    """What the page must show for ``code``, derived from the processed tables without cgov.localdata."""
    units, census, county2020 = tables["county_units"], tables["census_county"], tables["county_2020"]
    mine = units[units["county_code"] == code].set_index("vintage")
    c20 = census[(census["census_year"] == 2020) & (census["county_code"] == code)]
    moves = tables["unit_transitions"].query("county_code == @code")
    row = county2020[county2020["county_code"] == code]

    def count(value):
        return "—" if pd.isna(value) else f"{int(value):,}"

    def one(value, digits=1):
        return "—" if value is None or pd.isna(value) else shown(float(value), f"{{:,.{digits}f}}")

    out = {"rc_latest": count(mine["residents_committees"].get(2023)),
           "vc_latest": count(mine["village_committees"].get(2023)),
           "to_residents": count(moves[(moves["from_type"] == "村委会") & (moves["to_type"] == "居委会")]["units"].sum()),
           "pop2020": count(c20["population"].sum()) if len(c20) else "—",
           "aged60": one(c20["share_60plus"].iloc[0]) if len(c20) else "—",
           "urban_per_rc": one(row["urban_residents_per_committee"].iloc[0], 0) if len(row) else "—"}
    if len(c20):
        out["urban2020"] = one(100 * c20["urban_population"].sum() / c20["population"].sum())
    return out


def test_pinyin_keeps_syllables_and_place_readings():
    assert localdata.pinyin("朝阳区") == ("chaoyangqu", "cyq")
    assert localdata.pinyin("六安市")[0] == "luanshi" and localdata.pinyin("涡阳县")[0] == "guoyangxian"


def test_every_unit_of_the_latest_codes_and_every_province_is_there(payload, tables):
    latest = tables["county_units"].query("vintage == 2023")
    assert sorted(payload["columns"]["code"]) == sorted(latest["county_code"])
    assert set(payload["provinces"]) == set(latest["province"])


def test_yearly_counts_decode_to_the_processed_table(payload, tables):
    units = tables["county_units"].set_index(["county_code", "vintage"])
    columns = payload["columns"]
    for i, code in enumerate(columns["code"]):
        running, decoded = None, []
        for delta in columns["rc"][i]:
            running = delta if running is None and delta is not None else (running if delta is None else running + delta)
            decoded.append(None if delta is None else running)
        truth = [int(units.loc[(code, v), "residents_committees"]) if (code, v) in units.index else None
                 for v in payload["vintages"]]
        assert decoded == truth, code


def test_ranks_and_medians_agree_with_a_second_computation(payload, tables):
    county2020 = tables["county_2020"].set_index("county_code")["urban_residents_per_committee"]
    columns = payload["columns"]
    values = county2020.reindex(columns["code"]).astype(float)
    order = values.rank(ascending=False, method="min")
    ranks = pd.Series(columns["rank_national"], index=columns["code"], dtype="Float64")
    assert (ranks.dropna() == order.dropna()).all()
    assert payload["national_medians"]["urban_per_rc"] == int(shown(values.median(), "{:.0f}"))


def test_province_census_figures_equal_the_workbook_province_rows(payload):
    """A province's 2020 population and urban share are the census workbook's own province row, read here
    directly from data/raw; summing only the units of the latest codes lost every county recoded after 2020
    (Jiangsu showed 81,042,644 people instead of 84,748,016)."""
    from conftest import ROOT

    book = pd.read_excel(ROOT / "data" / "raw" / "census_county_2020_v1.xlsx", dtype={"区划代码": str})
    rows = book[book["区划代码"].fillna("").str.fullmatch(r"\d{2}0000")].set_index("区划代码")
    assert len(rows) == len(payload["provinces"]) == 31
    for name, province in payload["provinces"].items():
        row = rows.loc[province["code"] + "0000"]
        assert province["pop2020"] == int(row["人口数_合计"]), name
        assert province["urban2020"] == float(shown(100 * row["城镇人口"] / row["人口数_合计"], "{:.1f}")), name


def test_the_data_file_stays_small():
    size = len(gzip.compress(localdata.script().encode("utf-8"), 9))
    assert size < 150_000, f"the page's data file is {size:,} bytes gzip"


# --- in the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_url(site):
    return (site / "book" / "local-data.html").as_uri()


@pytest.fixture(scope="module")
def page(browser_context, page_url):
    from cgov.release.browser import open_page

    tab, load = open_page(browser_context, page_url)
    assert not load.console_errors, load.console_errors
    assert not [u for u in load.requests if not u.startswith(("file:", "data:", "blob:"))]
    return tab


@pytest.fixture(scope="module")
def browser_context():
    from playwright.sync_api import sync_playwright

    from cgov.release.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        context = chromium.new_context()
        yield context
        context.close()
        chromium.close()


def options(page, query: str) -> list[str]:
    page.fill("#cgov-local-search", query)
    return page.eval_on_selector_all("#cgov-local-list li", "items => items.map(li => li.textContent)")


@pytest.mark.browser
@pytest.mark.parametrize("query", ["朝阳", "chaoyang", "cy"])
def test_search_finds_chaoyang_by_characters_pinyin_and_initials(page, query):
    found = options(page, query)
    chaoyang = [o for o in found if o.startswith("朝阳区")]
    assert len(chaoyang) >= 2, found[:10]
    assert any("北京市" in o for o in chaoyang) and len(set(chaoyang)) == len(chaoyang), "namesakes must differ"


@pytest.mark.browser
def test_keyboard_choice_opens_the_profile(page):
    options(page, "鼓楼")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cgov-local-title")
    assert page.inner_text("#cgov-local-title") == "鼓楼区"
    assert re.search(r"#code=\d{6}$", page.url)


def shown_profile(page) -> dict[str, str]:
    rows = page.eval_on_selector_all(
        "#cgov-local-profile > table:first-of-type tbody tr",
        "rows => rows.map(r => [r.querySelector('th').textContent, r.querySelector('td').textContent])")
    labels = {label: key for key, label, _, _ in localdata.INDICATORS}
    return {labels[re.sub(r"（[^（）]*）$", "", label)]: value for label, value in rows}


@pytest.mark.browser
def test_every_number_shown_equals_the_processed_tables(page, page_url, tables):
    codes = sorted(tables["county_units"].query("vintage == 2023")["county_code"])
    sample = random.Random(SAMPLE_SEED).sample(codes, 25) + ["110105", "620201", "140971"]
    for code in sample:
        page.goto(f"{page_url}#code={code}")
        page.reload()
        page.wait_for_selector("#cgov-local-title")
        seen = shown_profile(page)
        for key, value in expected(code, tables).items():
            assert seen[key] == value, (code, key, seen[key], value)


@pytest.mark.browser
def test_a_shared_link_opens_the_same_unit_from_disk(browser_context, page_url):
    from cgov.release.browser import open_page

    tab, _ = open_page(browser_context, f"{page_url}#code=110105")
    assert tab.inner_text("#cgov-local-title") == "朝阳区" and "北京市" in tab.inner_text(".cgov-local-meta")
    tab.close()


@pytest.mark.browser
def test_profile_and_province_views_pass_axe_and_fit_a_phone(browser_context, page_url):
    from cgov.release.browser import axe_violations, open_page

    for fragment in ("#code=110105", "#province=44"):
        tab, _ = open_page(browser_context, page_url + fragment)
        tab.set_viewport_size({"width": 360, "height": 740})
        assert tab.inner_text("#cgov-local-title")
        assert tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert axe_violations(tab) == [], fragment
        tab.close()


@pytest.mark.browser
def test_a_unit_profile_prints_on_one_a4_page(browser_context, page_url):
    from cgov.release.browser import open_page

    tab, _ = open_page(browser_context, f"{page_url}#code=130471")  # a unit of a merged county group
    pdf = tab.pdf(format="A4")
    tab.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

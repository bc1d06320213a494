"""/search/ in Chromium: Chinese queries typed or taken from the URL, filters, a base path, WCAG 2.1 AA."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
RESULT_LINKS = "#search-results .search-result-title a"


def type_query(page: Page, text: str) -> None:
    page.locator("#search-q").press_sequentially(text, delay=30)


def result_count(page: Page) -> int:
    expect(page.locator("#search-status")).to_have_text(re.compile(r"\d+ 条"))
    return int(re.search(r"(\d+) 条", page.locator("#search-status").inner_text()).group(1))  # type: ignore[union-attr]


def test_typing_bridge_finds_the_liangquan_case(open_page) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_page("search/")
    type_query(page, "桥梁")
    first = page.locator("#search-results .search-result").first
    expect(first.locator("a")).to_have_attribute("href", re.compile(r"/cases/liangquan-bridge/index\.html$"))
    expect(first.locator("a")).to_have_text("南干渠上架起新桥，凉泉乡两村群众出行恢复畅通")
    expect(first.locator(".search-result-meta")).to_contain_text("凉泉乡")
    expect(first.locator(".search-result-meta .badge")).to_have_text("已办结")
    expect(first.locator(".search-excerpt mark").first).to_have_text("桥梁")
    expect(page.locator("#search-status")).to_have_text(re.compile("与「桥梁」相关"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["桥梁"]}, "the query lives in the URL"
    assert watch.foreign == [] and watch.errors == []


def test_mama_ban_finds_the_yangzi_case_first(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/")
    type_query(page, "妈妈班")
    expect(page.locator(RESULT_LINKS).first).to_have_attribute("href", re.compile(r"/cases/yangzi-mama-ban/index\.html$"))
    expect(page.locator("#search-results .search-result").first.locator(".search-result-meta")).to_contain_text("扬子街道")


def test_compound_place_name_is_found(open_page) -> None:  # type: ignore[no-untyped-def]
    # A compound place name: two bigrams (南干, 干渠); the bridge case has both in its title, so it comes first.
    page, _ = open_page("search/?q=南干渠")
    expect(page.locator(RESULT_LINKS).first).to_have_attribute("href", re.compile(r"/cases/liangquan-bridge/index\.html$"))


def test_query_from_the_url_runs_on_load(open_page) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_page("search/?q=%E6%A1%A5%E6%A2%81")
    expect(page.locator("#search-q")).to_have_value("桥梁")
    expect(page.locator(RESULT_LINKS).first).to_have_attribute("href", re.compile(r"/cases/liangquan-bridge/index\.html$"))
    assert watch.errors == []


def test_a_filter_narrows_the_list_and_is_kept_in_the_url(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/?q=委员")
    everything = result_count(page)
    page.click("#search-filters-box summary")   # on a phone the filters are folded behind 筛选
    page.select_option("#search-township", "yangzi")
    expect(page.locator("#search-status")).not_to_have_text(re.compile(rf"找到 {everything} 条"))
    narrowed = result_count(page)
    assert 0 < narrowed < everything
    places = page.locator("#search-results .search-result-place").all_inner_texts()
    assert places and set(places) == {"扬子街道"}
    assert parse_qs(urlsplit(page.url).query) == {"q": ["委员"], "township": ["yangzi"]}
    page.click("#search-clear")
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"找到 {everything} 条"))


def test_filters_alone_list_matching_cases(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/?stage=resolved&topic=irrigation")
    expect(page.locator("#search-stage")).to_have_value("resolved")
    expect(page.locator(RESULT_LINKS)).to_have_count(1)
    expect(page.locator(RESULT_LINKS).first).to_have_attribute("href", re.compile(r"/cases/miaonan-canal/index\.html$"))


def test_search_works_under_a_base_path(open_page, serve_folder, example_out) -> None:  # type: ignore[no-untyped-def]
    with serve_folder(example_out.parent) as root:
        base = root + example_out.name + "/"
        page, watch = open_page("search/?q=妈妈班", base=base)
        link = page.locator(RESULT_LINKS).first
        expect(link).to_have_attribute("href", f"/{example_out.name}/cases/yangzi-mama-ban/index.html")
        link.click()
        expect(page.locator("h1")).to_contain_text("妈妈班")
        assert watch.foreign == [] and watch.errors == []


def test_search_page_passes_axe_with_results_shown(open_page) -> None:  # type: ignore[no-untyped-def]
    for viewport in ("phone", "desktop"):
        page, _ = open_page("search/?q=支渠", viewport=viewport)
        expect(page.locator(RESULT_LINKS).first).to_have_attribute("href", re.compile(r"/cases/miaonan-canal/index\.html$"))
        result = Axe().run(page, options=WCAG)
        assert result.violations_count == 0, result.generate_report()


def test_no_results_says_so(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/?q=火星基地")
    expect(page.locator("#search-status")).to_have_text(re.compile("没有找到相关结果"))
    expect(page.locator("#search-results")).to_be_hidden()


def results_of(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The result list's links, site-relative, once the status has announced the count."""
    expect(page.locator("#search-status")).to_have_text(re.compile("结果|没有找到"))
    root = page.evaluate("new URL('../', location.href).pathname")
    return [href[len(root):] for href in page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.getAttribute('href'))")]


@pytest.mark.parametrize("query", ["妈妈班", "委员", "南干渠", "协商 乡", "town=liangquan"])
def test_from_local_files_search_gives_the_served_results_in_the_same_order(open_page, example_out, query) -> None:  # type: ignore[no-untyped-def]
    # A USB stick: no server, pages opened as file://, built with no setting.
    path = "search/index.html?" + ("township=liangquan" if query.startswith("town=") else f"q={query}")
    served, _ = open_page(path)
    online = results_of(served)
    local, watch = open_page(path, base=example_out.as_uri() + "/")
    assert results_of(local) == online and online, query
    assert local.locator(".search-excerpt").all_inner_texts() == served.locator(".search-excerpt").all_inner_texts()
    assert watch.foreign == [] and watch.errors == []


def engine_page(open_page):  # type: ignore[no-untyped-def]
    """The search page with its engine (a plain script, window.bulletinSearch) loaded."""
    page, _ = open_page("search/")
    page.evaluate("""() => window.bulletinSearch || new Promise(resolve => {
        const script = document.createElement("script");
        script.src = "../assets/search-engine.js";
        script.onload = () => resolve(null);
        document.head.appendChild(script);
    })""")
    return page


def test_the_engine_cuts_and_hashes_queries_like_the_build(open_page) -> None:  # type: ignore[no-untyped-def]
    from generator.build import searchformat as searchindex
    samples = ["南干渠", "桥", "ＰＭ2.5 治理", "Wi-Fi 覆盖率", "𠀀𪚥字", "豈〇年", "Ｂｒｉｄｇｅ２０２１", "①号", "ÉCOLE école",
               "x" * 50, "妈妈班（弹性）…", ""]
    page = engine_page(open_page)
    got = page.evaluate("""(samples) => {
        const engine = window.bulletinSearch;
        return samples.map(s => engine.queryTokens(s).map(t => [t, engine.shardOf(t, 256), engine.shardOf(t, 1)]));
    }""", samples)
    for sample, pieces in zip(samples, got):
        assert {t for t, _, _ in pieces} == searchindex.query_tokens(sample), sample
        assert all(shard == searchindex.shard_of(t, 256) and one == 0 for t, shard, one in pieces), sample


def test_excerpt_marks_hits_in_the_text_as_written(open_page) -> None:  # type: ignore[no-untyped-def]
    page = engine_page(open_page)
    got = page.evaluate("""() => {
        const engine = window.bulletinSearch;
        return [engine.excerpt("Ｂｒｉｄｇｅ与<桥梁>", "bridge 桥梁"), engine.excerpt("甲".repeat(200) + "南干渠", "南干渠"),
                engine.excerpt("南干 渠", "南干渠")];
    }""")
    assert got[0] == "<mark>Ｂｒｉｄｇｅ</mark>与&lt;<mark>桥梁</mark>&gt;"
    assert got[1] == "…" + "甲" * 20 + "<mark>南干渠</mark>"
    assert got[2] == "<mark>南干</mark> 渠", "the pieces are marked when the whole query is not in the text"


def test_more_results_come_ten_at_a_time(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/?q=委员")
    total = result_count(page)
    assert total > 10, "the example site has more than ten pages that mention 委员"
    expect(page.locator(RESULT_LINKS)).to_have_count(10)
    page.click("#search-more")
    expect(page.locator(RESULT_LINKS)).to_have_count(total)
    expect(page.locator(RESULT_LINKS).nth(10)).to_be_focused()
    expect(page.locator("#search-more")).to_be_hidden()


def test_result_dates_read_as_the_site_writes_them_and_headings_end_with_a_colon(open_page) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_page("search/")
    type_query(page, "背景")
    results = page.locator("#search-results .search-result")
    expect(results.first).to_be_visible()
    times = results.locator(".search-result-meta time")
    assert times.count() > 0
    for i in range(times.count()):
        shown, iso = times.nth(i).inner_text(), times.nth(i).get_attribute("datetime") or ""
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", iso), iso
        assert re.fullmatch(r"\d{4}年\d{1,2}月(\d{1,2}日)?", shown), shown   # 2021年6月, never 2021-06
    excerpts = results.locator(".search-excerpt").all_inner_texts()
    assert any("背景：" in text for text in excerpts), excerpts   # a heading, then its text
    assert not any(re.search(r"背景 \S", text) for text in excerpts), excerpts
    assert watch.errors == []



def test_on_a_phone_the_filters_fold_and_the_first_result_is_in_view(open_page) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_page("search/?q=桥梁", "phone")
    first = page.locator("#search-results .search-result").first
    expect(first).to_be_visible()
    assert page.locator("#search-filters-box").get_attribute("open") is None
    box = first.bounding_box()
    assert box and box["y"] + 60 < 812, box   # its title is on screen without scrolling
    page.click("#search-filters-box summary")
    expect(page.locator("#search-township")).to_be_visible()
    page.select_option("#search-township", "liangquan")
    expect(page.locator("#search-filters-count")).to_have_text("（已选 1 项）")
    # a link with a filter in it opens with the filters unfolded, and a wide screen shows them anyway
    page, _ = open_page("search/?q=桥梁&township=liangquan", "phone")
    expect(page.locator("#search-township")).to_be_visible()
    page, _ = open_page("search/?q=桥梁", "desktop")
    expect(page.locator("#search-township")).to_be_visible()

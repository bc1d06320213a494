"""The public site in a real browser: accessibility (axe, WCAG 2.1 A/AA), phone layout,
tap targets, no other hosts, no console errors, navigation, and pages without JavaScript."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PHONE, DESKTOP = "phone", "desktop"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# One page of each kind (the search page belongs to its own tests).
PAGES = {
    "home": "",
    "case": "cases/liangquan-bridge/",
    "township": "townships/liangquan/",
    "townships": "townships/",
    "topic": "topics/governance/",
    "topics": "topics/",
    "stage": "stages/resolved/",
    "stages": "stages/",
    "report": "reports/county-consultation-roundup/",
    "reports": "reports/",
    "stats": "stats/",
    "page": "about/",
    "subscribe": "subscribe/",
    "site map": "sitemap/",
    "404": "404.html",
}

# Interactive elements in navigation, lists and tables must be easy to tap (44 × 44 CSS px);
# links inside running text (Markdown bodies) are exempt, as WCAG's "inline" exception allows.
SMALL_TARGETS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, summary')) {
    if (!el.closest('nav, li, table, form') || el.closest('.prose')) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (r.height < 44 - 0.5 || r.width < 44 - 0.5)
      out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.value || '').trim().slice(0, 30)}" ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
  }
  return out;
}"""

axe = Axe()


def assert_accessible(page, name):
    result = axe.run(page, options=WCAG)
    assert result.violations_count == 0, f"{name}: " + result.generate_report()


@pytest.mark.parametrize("name", PAGES)
def test_page_on_a_phone(open_page, name):
    """375 px: WCAG 2.1 A/AA, no sideways scrolling, big tap targets, nothing from elsewhere, no errors."""
    page, watch = open_page(PAGES[name], PHONE)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= widths[2], f"{name} scrolls sideways at 375 px: {widths}"
    small = page.evaluate(SMALL_TARGETS_JS)
    assert not small, f"{name}: tap targets smaller than 44 px: {small}"
    assert_accessible(page, name)
    assert not watch.foreign, f"{name} asked another host: {watch.foreign}"
    assert not watch.errors, f"{name}: {watch.errors}"


@pytest.mark.parametrize("name", PAGES)
def test_page_on_a_desktop(open_page, name):
    """1280 px: WCAG 2.1 A/AA in the two-column layout, styles applied, nothing from elsewhere, no errors."""
    page, watch = open_page(PAGES[name], DESKTOP)
    # The stylesheet really applied (a 404 for site.css would leave the header unstyled).
    background = page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(23, 69, 122)"
    assert_accessible(page, name)
    assert not watch.foreign, f"{name} asked another host: {watch.foreign}"
    assert not watch.errors, f"{name}: {watch.errors}"


@pytest.mark.parametrize("name", PAGES)
def test_page_works_without_javascript(open_page, name):
    page, watch = open_page(PAGES[name], PHONE, js=False)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".site-nav a")).to_have_count(6)
    assert len(page.inner_text("main")) > 20
    assert not watch.foreign


def test_home_to_township_to_case_by_clicking(open_page):
    page, watch = open_page("", PHONE)
    page.locator(".chips a", has_text="凉泉乡").click()
    expect(page).to_have_url(re.compile(r"/townships/liangquan/$"))
    expect(page.locator("h1")).to_have_text("凉泉乡")
    card = page.locator(".cards .card-title a").first
    title = card.inner_text()
    card.click()
    expect(page).to_have_url(re.compile(r"/cases/[a-z0-9-]+/$"))
    expect(page.locator("h1")).to_have_text(title)
    # ... and back up through the breadcrumb to the township.
    page.locator(".breadcrumbs a", has_text="凉泉乡").click()
    expect(page.locator("h1")).to_have_text("凉泉乡")
    assert not watch.errors and not watch.foreign


def test_header_ways_in_lead_to_their_pages(open_page):
    page, _ = open_page("", DESKTOP)
    for label, heading in [("乡镇", "按乡镇（街道）浏览"), ("议题", "按议题浏览"), ("阶段", "协商闭环的五个阶段"),
                           ("报道", "新闻报道"), ("数据", "数据统计")]:
        page.locator(".site-nav a", has_text=label).click()
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator(".site-nav a[aria-current=page]")).to_have_text(label)


def test_stage_tracker_marks_the_current_stage_in_text(open_page):
    page, _ = open_page("cases/saikou-clinic-inspection/", PHONE)
    current = page.locator(".tracker-steps li[aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("跟进查单")
    expect(current).to_contain_text("当前阶段")          # said in words, not only by colour
    expect(page.locator(".tracker-steps li.done")).to_have_count(3)
    expect(page.locator(".tracker-summary")).to_contain_text("第 4 步")


def test_print_hides_navigation_and_shows_link_addresses(open_page):
    page, _ = open_page("cases/liangquan-bridge/", DESKTOP)
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".print-only")).to_contain_text("https://bulletin.example.org/cases/liangquan-bridge/")
    after = page.eval_on_selector(".source a", "a => getComputedStyle(a, '::after').content")
    assert "https://www.anhuinews.com/" in after


def test_stats_charts_have_a_table_with_the_same_numbers(open_page):
    page, _ = open_page("stats/", PHONE)
    blocks = page.locator(".chart-block")
    assert blocks.count() == 6
    for i in range(blocks.count()):
        block = blocks.nth(i)
        svg_values = block.locator("svg .chart-value").all_text_contents()
        table_values = block.locator("tbody td.num:first-of-type").all_text_contents()
        assert svg_values and svg_values == table_values
        expect(block.locator("svg[role=img] title")).to_have_count(1)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_stats_headers_and_township_names_stay_on_one_line(open_page, viewport):
    """案例, 名次, 逾期 and 扬子街道 used to break a character a line in narrow columns."""
    page, _ = open_page("stats/", viewport)
    cells = page.eval_on_selector_all(
        ".data-table th",
        """cells => cells.map(th => {
            // the lines the cell's text takes: the distinct tops of its text's boxes
            const lines = new Set();
            const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.textContent.trim()) continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                for (const r of range.getClientRects()) if (r.width > 0) lines.add(Math.round(r.top));
            }
            return [th.textContent.trim(), lines.size];
        })""")
    assert len(cells) > 20
    assert [text for text, lines in cells if lines > 1] == []
    # a table wider than a phone scrolls inside its box, not the page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_year_card_names_one_year_once(open_page):
    import re
    page, _ = open_page("stats/", DESKTOP)
    note = (page.locator(".figures .figure-note").first.text_content() or "").strip()
    span = re.fullmatch(r"(\d{4})—(\d{4}) 年", note)
    assert re.fullmatch(r"\d{4} 年", note) or (span and span[1] != span[2]), note   # never 2021—2021 年


LAST_LINE_CHARS = """el => {
    // the characters on the last line the element's text takes
    const lines = new Map();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.textContent.length; i++) {
            const range = document.createRange();
            range.setStart(node, i); range.setEnd(node, i + 1);
            const rect = range.getBoundingClientRect();
            if (rect.width && node.textContent[i].trim()) {
                const top = Math.round(rect.top);
                lines.set(top, (lines.get(top) || "") + node.textContent[i]);
            }
        }
    }
    const tops = [...lines.keys()].sort((a, b) => a - b);
    return tops.length ? lines.get(tops[tops.length - 1]) : "";
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP])
def test_small_things_a_reader_notices(open_page, viewport):
    page, _ = open_page("cases/liangquan-bridge/", viewport)
    # no paragraph of the footer leaves one character alone on its last line
    for i in range(page.locator(".site-footer p").count()):
        last = page.locator(".site-footer p").nth(i).evaluate(LAST_LINE_CHARS)
        assert len(last) > 1, last
    # a place name in the facts box is never split (望江/县)
    names = page.locator(".fact .place-name")
    assert names.count() >= 3
    for i in range(names.count()):
        assert names.nth(i).evaluate("el => el.getClientRects().length") == 1, names.nth(i).inner_text()
    # the breadcrumb's 首页 link is 44 px wide by its own content (a house and the word), so it is
    # not centred in a wider box with a gap after it
    home = page.locator(".breadcrumbs a").first
    if home.is_visible():
        widths = home.evaluate("a => { const r = document.createRange(); r.selectNodeContents(a);"
                               " return [a.getBoundingClientRect().width, r.getBoundingClientRect().width]; }")
        assert widths[0] >= 44 and widths[0] - widths[1] < 4, widths


def test_a_feed_opened_in_a_browser_is_a_readable_page(open_page):
    """Not "This XML file does not appear to have any style information": feed.xsl explains it."""
    page, watch = open_page("townships/liangquan/feed.xml", DESKTOP)
    expect(page.locator("h1")).to_have_text("基层协商公报 · 凉泉乡")
    expect(page.locator(".note")).to_contain_text("这是一个订阅源")
    expect(page.locator(".note code")).to_have_text(re.compile(r"^https?://.+/townships/liangquan/feed\.xml$"))
    entries = page.locator("ol li a")
    assert entries.count() >= 1
    assert "南干渠" in " ".join(entries.all_inner_texts())
    assert watch.errors == [] and watch.foreign == []
    empty, _ = open_page("townships/liangquan/stages/raised/feed.xml", PHONE)   # published, though empty
    expect(empty.locator("h1")).to_contain_text("凉泉乡")


def test_the_sitemap_opened_in_a_browser_lists_the_pages(open_page):
    page, watch = open_page("sitemap.xml", PHONE)
    expect(page.locator("h1")).to_have_text("网站地图")
    assert page.locator("ol li a").count() > 50
    assert watch.errors == []


def test_a_townships_stage_buttons_lead_to_pages_and_feeds_are_subscribe_links(open_page):
    page, watch = open_page("townships/liangquan/", PHONE)
    chips = page.locator(".stage-feed-list a.chip")
    assert chips.count() >= 1
    label = chips.first.inner_text()          # e.g. 已办结 1
    stage, count = label.rsplit(" ", 1)
    chips.first.click()
    expect(page.locator("h1")).to_have_text(f"凉泉乡 · {stage}")
    cards = page.locator(".cards .card")
    assert cards.count() == int(count)
    for i in range(cards.count()):
        expect(cards.nth(i).locator(".badge[class*=stage-]")).to_contain_text(stage)
    expect(page.locator(".breadcrumbs")).to_contain_text("凉泉乡")
    feed = page.locator(".subscribe-link")
    assert feed.first.get_attribute("href").endswith("feed.xml")
    assert watch.errors == []

"""The example site as a folder (file://, a USB stick), and with other settings: an English
interface (`language: en`), and folder links for a site only ever served (`index_links: false`)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from generator.cli import main

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
HREF = re.compile(r'(?:href|src|action)="([^"]*)"')


def build_variant(root: Path, key: str, value: str) -> Path:
    """Copy the example site with one site.yaml setting changed, build it; returns OUT."""
    site = root / "site"
    for name in ("content", "themes"):
        shutil.copytree(REPO / name, site / name)
    config = (REPO / "site.yaml").read_text("utf-8")
    line = f"{key}: {value}"
    config, found = re.subn(rf"^{key}:.*$", line, config, flags=re.MULTILINE)
    (site / "site.yaml").write_text(config if found else config + line + "\n", "utf-8")
    out = root / "out"
    assert main(["build", str(site), "-o", str(out), "--jobs", "1"]) == 0
    return out


@pytest.fixture(scope="module")
def english_url(tmp_path_factory, serve_folder):
    out = build_variant(tmp_path_factory.mktemp("english"), "language", "en")
    with serve_folder(out) as url:
        yield url


@pytest.fixture(scope="module")
def server_only_site(tmp_path_factory) -> Path:
    return build_variant(tmp_path_factory.mktemp("server"), "index_links", "false")


@pytest.mark.parametrize("path", ["", "cases/liangquan-bridge/", "townships/", "stats/", "404.html"])
def test_english_interface(open_page, english_url, path):
    page, watch = open_page(path, "phone", base=english_url)
    assert page.get_attribute("html", "lang") == "en"
    # Interface text is English; only content (titles, place and topic names) stays Chinese.
    for selector in (".site-nav", "#footer-data-h", "#footer-feed-h", ".breadcrumbs li:first-child", ".skip"):
        for text in page.locator(selector).all_text_contents():
            assert not CJK.search(text), f"{path}: Chinese UI text in {selector}: {text!r}"
    expect(page.locator(".site-nav a")).to_have_text(["Townships", "Topics", "Stages", "Reports", "Data", "Search"])
    if path.startswith("cases/"):
        for text in page.locator(".fact dt, .tracker-summary, .step-state, .step-label").all_text_contents():
            assert not CJK.search(text), text
        expect(page.locator(".case-head time").first).to_have_text(re.compile(r"^(\d{1,2} )?[A-Z][a-z]{2} \d{4}$"))
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{path} scrolls sideways at 375 px in English"
    result = Axe().run(page, options=WCAG)
    assert result.violations_count == 0, result.generate_report()
    assert not watch.errors and not watch.foreign


def internal_links(out: Path) -> list[tuple[str, str]]:
    """(page, link) for every link, script and form of every page that leads inside the site."""
    found = []
    for html in out.rglob("*.html"):
        rel = html.relative_to(out).as_posix()
        if rel != "404.html":   # 404 uses root links, as it is served at any depth
            found += [(rel, ref) for ref in HREF.findall(html.read_text("utf-8")) if not re.match(r"^[a-z]+:|^#", ref)]
    return found


def test_with_no_setting_every_internal_link_names_a_file(example_out):
    """A folder opened from a USB stick shows a listing for a link that names a folder."""
    links = internal_links(example_out)
    for rel, ref in links:
        path = ref.split("#")[0].split("?")[0]
        assert path and not path.endswith("/"), f"{rel}: link {ref!r} names a folder"
        assert ((example_out / rel).parent / path).resolve().is_file(), f"{rel}: link {ref!r} leads nowhere"
    assert len(links) > 1000


def test_with_index_links_false_pages_link_folders(server_only_site):
    links = internal_links(server_only_site)
    assert not any(ref.split("#")[0].endswith("index.html") for _, ref in links)
    assert sum(ref.split("#")[0].endswith("/") for _, ref in links) > 500
    assert "address.js" not in (server_only_site / "index.html").read_text("utf-8")


def test_from_local_files_a_resident_clicks_home_township_case_search_result(open_page, example_out):
    page, watch = open_page("index.html", "phone", base=example_out.as_uri() + "/")
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") == "rgb(23, 69, 122)"
    page.locator(".chips a", has_text="凉泉乡").click()
    expect(page).to_have_url(re.compile(r"^file://.*/townships/liangquan/index\.html$"))
    expect(page.locator("h1")).to_have_text("凉泉乡")
    page.locator(".cards .card-title a").first.click()
    expect(page).to_have_url(re.compile(r"^file://.*/cases/liangquan-bridge/index\.html$"))
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") == "rgb(23, 69, 122)"
    page.locator(".site-nav a", has_text="搜索").click()
    expect(page).to_have_url(re.compile(r"^file://.*/search/index\.html$"))
    page.fill("#search-q", "妈妈班")
    page.press("#search-q", "Enter")
    expect(page.locator("#search-status")).to_have_text(re.compile("找到 4 条"))
    page.locator("#search-results .search-result-title a").first.click()
    expect(page).to_have_url(re.compile(r"^file://.*/cases/yangzi-mama-ban/index\.html$"))
    expect(page.locator("h1")).to_contain_text("妈妈班")
    page.go_back()
    expect(page.locator("#search-q")).to_have_value("妈妈班")   # the query lives in the URL
    assert not watch.foreign and not watch.errors


def test_on_a_server_the_address_bar_shows_the_clean_address(open_page):
    page, watch = open_page("index.html", "phone")
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    page.locator(".chips a", has_text="凉泉乡").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/townships/liangquan/$"))
    assert page.locator("link[rel=canonical]").get_attribute("href").endswith("/townships/liangquan/")
    page.reload()   # the clean address is served too
    expect(page.locator("h1")).to_have_text("凉泉乡")
    page.locator(".cards .card-title a").first.click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/cases/liangquan-bridge/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/townships/liangquan/$"))
    page.goto(page.url.replace("/townships/liangquan/", "/search/index.html?q=桥梁#main"))
    expect(page).to_have_url(re.compile(r"^http://[^/]+/search/\?q=.+#main$"))
    expect(page.locator("#search-status")).to_have_text(re.compile("找到 1 条"))
    assert not watch.foreign and not watch.errors

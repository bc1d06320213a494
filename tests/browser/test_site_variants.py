"""The same site with other settings: an English interface (`language: en`), and links that
end in index.html (`index_links: true`) so the built folder browses from a USB stick (file://)."""
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
def folder_site(tmp_path_factory) -> Path:
    return build_variant(tmp_path_factory.mktemp("folder"), "index_links", "true")


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


def test_index_links_point_at_files(folder_site):
    """With index_links every internal link names a file, never a bare folder."""
    checked = 0
    for html in folder_site.rglob("*.html"):
        rel = html.relative_to(folder_site).as_posix()
        if rel in ("404.html", "search/index.html") or rel.startswith("search/pagefind/"):
            continue   # 404 uses root links (any depth); search needs a server anyway
        for ref in HREF.findall(html.read_text("utf-8")):
            if re.match(r"^[a-z]+:|^#", ref):
                continue
            path = ref.split("#")[0].split("?")[0]
            assert path and not path.endswith("/"), f"{rel}: link {ref!r} names a folder"
            target = (html.parent / path).resolve()
            if target.relative_to(folder_site.resolve()).as_posix() != "search/index.html":  # made by the search step
                assert target.is_file(), f"{rel}: link {ref!r} leads nowhere"
            checked += 1
    assert checked > 500


def test_folder_site_browses_from_file_urls(open_page, folder_site):
    page, watch = open_page("index.html", "phone", base=folder_site.as_uri() + "/")
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") == "rgb(23, 69, 122)"
    page.locator(".chips a", has_text="凉泉乡").click()
    expect(page).to_have_url(re.compile(r"^file://.*/townships/liangquan/index\.html$"))
    expect(page.locator("h1")).to_have_text("凉泉乡")
    page.locator(".cards .card-title a").first.click()
    expect(page).to_have_url(re.compile(r"^file://.*/cases/[a-z0-9-]+/index\.html$"))
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") == "rgb(23, 69, 122)"
    page.locator(".site-nav a", has_text="数据").click()
    expect(page.locator("h1")).to_have_text("数据统计")
    assert not watch.foreign and not watch.errors

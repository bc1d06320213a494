"""Live reload in Chromium: an edit shows up in an open page by itself; a broken edit shows the
overlay on every open page, and fixing it takes the overlay away."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import case_text, make_site  # tests/conftest.py (this folder's is the package's browser.conftest)
from playwright.sync_api import Browser, Page, expect

from generator.source.config import BuildOptions
from generator.preview.server import Preview


@pytest.fixture
def live_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    site = make_site(tmp_path / "site", {
        "content/cases/bridge.md": case_text(),
        "content/cases/canal.md": case_text(title="杨庙镇支渠清淤", slug="canal", township="杨庙镇"),
    })
    preview = Preview(site, site / "output", BuildOptions(jobs=1), port=0, out=lambda _: None, err=lambda _: None)
    with preview.running():
        yield site, preview.url


def _open(browser: Browser, url: str, errors: list[str]) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(url, wait_until="load")
    return page


def test_an_edited_case_title_appears_in_the_open_page_by_itself(browser: Browser, live_site: tuple[Path, str]) -> None:
    site, url = live_site
    errors: list[str] = []
    page = _open(browser, url + "cases/bridge/", errors)
    other = _open(browser, url + "cases/canal/", errors)
    expect(page.locator("h1")).to_have_text("南干渠新架桥梁")
    case = site / "content" / "cases" / "bridge.md"

    case.write_text(case_text(title="凉泉乡新桥通车"), encoding="utf-8")
    expect(page.locator("h1")).to_have_text("凉泉乡新桥通车", timeout=10_000)

    # A broken edit: the last good page stays, every open page shows the build's error lines.
    case.write_text(case_text(title="凉泉乡新桥通车", township="凉泉镇"), encoding="utf-8")
    for tab in (page, other):
        overlay = tab.locator("#bulletin-overlay")
        expect(overlay).to_be_visible(timeout=10_000)
        expect(overlay).to_contain_text("content/cases/bridge.md:4: ")
        expect(overlay).to_contain_text("凉泉镇")
    expect(page.locator("h1")).to_have_text("凉泉乡新桥通车")

    case.write_text(case_text(title="凉泉乡新桥正式通车"), encoding="utf-8")
    expect(page.locator("h1")).to_have_text("凉泉乡新桥正式通车", timeout=10_000)
    for tab in (page, other):
        expect(tab.locator("#bulletin-overlay")).to_have_count(0, timeout=10_000)
    assert errors == []

"""Photos in Chromium: nothing moves as they load, a phone fetches the small copies, no copy carries EXIF."""
from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

CASE = "cases/liangquan-bridge/"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Layout shifts summed from the first paint, scrolling the whole page so that lazy photos load.
MEASURE_SHIFTS = """async () => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  for (let y = 0; y < document.body.scrollHeight; y += 300) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 40)); }
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  await new Promise(r => setTimeout(r, 200));
  return total;
}"""
LOADED_MEDIA = """() => performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/media/'))"""


def _photo_count(page) -> int:
    return page.locator("picture").count()   # the front matter's photo and the body's


def test_the_bridge_case_shows_its_photos_without_layout_shift(open_page) -> None:
    page, watch = open_page(CASE, "phone")
    assert _photo_count(page) >= 2
    assert page.evaluate(MEASURE_SHIFTS) == 0
    for img in page.locator("picture img").all():
        assert img.get_attribute("width") and img.get_attribute("height")
        assert (img.get_attribute("alt") or "").strip()
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert watch.errors == [] and watch.foreign == []


def test_a_phone_loads_the_small_copies_and_a_desktop_the_larger(open_page) -> None:
    page, _ = open_page(CASE, "phone")
    page.evaluate(MEASURE_SHIFTS)   # scrolls every lazy photo in
    phone = page.evaluate(LOADED_MEDIA)
    assert phone and all(re.search(r"-480\.webp$", url) for url in phone), phone
    desktop_page, _ = open_page(CASE, "desktop")
    desktop_page.evaluate(MEASURE_SHIFTS)
    desktop = desktop_page.evaluate(LOADED_MEDIA)
    assert desktop and all(re.search(r"-(960|1600)\.webp$", url) for url in desktop), desktop


def test_the_photos_page_is_accessible_and_its_copies_carry_no_exif(open_page) -> None:
    page, _ = open_page(CASE, "phone")
    page.evaluate(MEASURE_SHIFTS)
    result = Axe().run(page, options=WCAG)
    assert result.response["violations"] == [], result.generate_report()
    for url in page.evaluate(LOADED_MEDIA):
        body = page.request.get(url).body()
        assert body[:4] == b"RIFF" and b"EXIF" not in body and b"Exif" not in body and b"XMP " not in body, url
    attachment = page.locator(".attachment-list a").first
    assert "会议纪要" in attachment.inner_text()
    assert page.request.get(attachment.evaluate("a => a.href")).body().startswith(b"%PDF-")
    assert re.search(r"PDF，\d+ KB", page.locator(".attachment-meta").first.inner_text())

"""Screenshots of the public pages at 375 px and 1280 px.

They refresh the README's pictures, so they run only when asked (the page tests in
test_pages.py already load every one of these pages at both widths):

    BULLETIN_SCREENSHOTS=docs/screenshots python3 -m pytest tests/browser/test_screenshots.py

Each page must render as a full-length image exactly as wide as the screen.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

SHOTS = {
    "home": "",
    "case": "cases/liangquan-bridge/",
    "township": "townships/liangquan/",
    "topic": "topics/governance/",
    "stage": "stages/resolved/",
    "report": "reports/county-consultation-roundup/",
    "stats": "stats/",
    "search": "search/?q=妈妈班",
    "subscribe": "subscribe/",
    "404": "404.html",
}
WIDTH = {"phone": 375, "desktop": 1280}


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.mark.skipif(not os.environ.get("BULLETIN_SCREENSHOTS"), reason="set BULLETIN_SCREENSHOTS=docs/screenshots to take them")
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_screenshots(open_page, viewport):
    target = Path(os.environ["BULLETIN_SCREENSHOTS"])
    target.mkdir(parents=True, exist_ok=True)
    for name, path in SHOTS.items():
        page, watch = open_page(path, viewport)
        if name == "search":   # results arrive after the page has loaded
            page.wait_for_selector("#search-results .search-result")
        shot = target / f"{name}-{WIDTH[viewport]}.png"
        page.screenshot(path=str(shot), full_page=True, animations="disabled")
        width, height = png_size(shot)
        assert width == WIDTH[viewport], f"{name}: {width} px wide at {viewport}"
        assert height >= 600, f"{name}: only {height} px tall"
        assert not watch.errors

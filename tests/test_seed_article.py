"""The seed article, dropped unchanged into content/reports/ of a copy of the example site, builds."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_BASE_URL_WARNING, SHARED, run
from test_example_site import parse_html, resolve, targets

SEED = SHARED / "sources" / "seed-article.md"
pytestmark = pytest.mark.skipif(not SEED.is_file(), reason=f"the shared seed article is missing ({SEED})")


def test_seed_article_builds_as_a_report(site_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = SEED.read_bytes()
    assert raw.startswith((b"\n", b"\r\n")), "the seed article starts with a blank line before ---"
    shutil.copy(SEED, site_copy / "content" / "reports" / SEED.name)
    assert (site_copy / "content" / "reports" / SEED.name).read_bytes() == raw
    out = tmp_path / "out"
    code, _, stderr = run(["build", str(site_copy), "-o", str(out)], capsys)
    assert (code, stderr) == (0, EXAMPLE_BASE_URL_WARNING + "\n")

    rel = "reports/seed-article/index.html"
    doc = parse_html((out / rel).read_text("utf-8"))
    assert doc.first("h1").text() == "政协履职如何深植基层沃土"
    text = doc.first("main").text()
    for fact in ("凉泉乡", "储琳", "庙南社区", "妈妈班", "【来源：中安在线】"):
        assert fact in text, fact
    assert "2022-01-04" in " ".join(t.attrs.get("datetime", "") for t in doc.iter("time")) + text
    # its raw HTML is kept as markup (paragraphs, bold), and nothing loads from another host
    main = doc.first("main")
    assert len(main.iter("p")) > 20 and main.iter("strong")
    for node in doc.iter():
        for attr in ("src", "srcset"):
            assert "picsum.photos" not in node.attrs.get(attr, ""), node.tag
    # it is listed with the other reports, in the sitemap and linked from nowhere broken
    assert rel in targets(parse_html((out / "reports" / "index.html").read_text("utf-8")), "reports/index.html")
    assert "https://bulletin.example.org/reports/seed-article/" in (out / "sitemap.xml").read_text("utf-8")
    for tag in doc.iter():
        for attr in ("href", "src"):
            target = resolve(rel, tag.attrs.get(attr, "")) if attr in tag.attrs else None
            assert target is None or (out / target).is_file(), (attr, tag.attrs.get(attr))

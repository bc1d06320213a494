"""Hostile content: every text field of a site carries a classic XSS vector; nothing in the output can run.

The corpus is tests/fixtures/xss/vectors.json. Each vector goes into the title, outcome,
form, convener, timeline texts, source name and body of a case, into a township, a
village and a topic (names and descriptions), into a report's title, categories, tags,
author and body, and into a page's title, description and body; site.yaml's title,
description, author, base_url and stage labels carry vectors too. The built site is
then read the way a browser reads it (html.parser with character references decoded,
plus a second tokenizer of its own), feeds and SVG as XML, JSON and CSV as data.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conftest import case_text, make_site, run
from generator.cli import main

_spec = importlib.util.spec_from_file_location("hostile", Path(__file__).parent / "fixtures" / "xss" / "hostile.py")
hostile: Any = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(hostile)  # type: ignore[union-attr]

VECTORS = hostile.load_vectors()
ATOM = "{http://www.w3.org/2005/Atom}"


def shown(text: str) -> str:
    """A vector as validation keeps it and a reader sees it: controls dropped, stripped, whitespace folded."""
    return hostile.visible(hostile._CONTROLS.sub("", text))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("hostile")
    site = hostile.write_site(root / "site", VECTORS)
    out = root / "out"
    assert main(["build", str(site), "-o", str(out), "--jobs", "1"]) == 0
    return site, out


def test_the_corpus_is_large_and_varied() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(VECTORS) >= 30 and len(set(names)) == len(names)
    families = {name.split("-")[0] for name in names}
    assert {"script", "img", "a", "svg", "math", "base", "meta", "style", "md", "iframe", "csv"} <= families


# The scanner must have teeth: each of these is caught, each harmless neighbour is not.
CAUGHT = [
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<img/onerror=alert(1)/src=x>',
    '<a href="javascript:alert(1)">x</a>', '<a href=" &#x0A;jav&#x09;ascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">x</a>', '<a href="data:text/html,x">x</a>', '<iframe src="x"></iframe>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>', '<svg><foreignObject></foreignObject></svg>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">', '<base href="https://evil.example/">',
    '<div style="width: expression(alert(1))">x</div>', '<style>@import "x.css";</style>', '<p title="x" onclick=1>',
    '<object data="x"></object>', '<img srcset="javascript:alert(1) 1x">', '<form action="javascript:alert(1)"></form>',
    '<script src="https://evil.example/x.js"></script>', '<script type="application/json">{not json</script>',
    '<meta charset="utf-7">', '<iframe srcdoc="x"></iframe>',
]
HARMLESS = [
    '<p title="x onclick=1">x</p>', '<a href="https://bulletin.test/?a=javascript:1">x</a>', '&lt;script&gt;alert(1)',
    '<img src="data:image/png;base64,AAAA" alt="x">', '<p>onclick=alert(1)</p>', '<a href="#javascript:x">x</a>',
    '<script type="application/json">{"a": "</b>"}</script>',
]


@pytest.mark.parametrize("markup", CAUGHT)
def test_the_scanner_catches(markup: str, tmp_path: Path) -> None:
    assert hostile.scan_html(markup, "x.html", tmp_path, "")[0]


@pytest.mark.parametrize("markup", HARMLESS)
def test_the_scanner_passes(markup: str, tmp_path: Path) -> None:
    assert hostile.scan_html(markup, "x.html", tmp_path, "")[0] == []


def test_nothing_in_the_output_can_run(built: tuple[Path, Path]) -> None:
    _, out = built
    problems, counts = hostile.scan_output(out)
    assert problems == []
    n = len(VECTORS)
    # every case, report, page and topic page was scanned, and the feeds
    assert counts["html"] >= 4 * n and counts["xml"] >= n and counts["json"] >= 1 and counts["csv"] >= 1


def page_text(out: Path, rel: str) -> str:
    return hostile.scan_html((out / rel).read_text("utf-8"), rel, out, "")[1]


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[v["name"] for v in VECTORS])
def test_each_vector_is_shown_as_text(built: tuple[Path, Path], index: int) -> None:
    """Escaped, not dropped and not interpreted: a reader sees the vector's characters."""
    _, out = built
    text = shown(VECTORS[index]["payload"])
    for rel in (f"cases/xss-{index}/index.html", f"reports/xss-report-{index}/index.html",
                f"xss-page-{index}/index.html", f"topics/xss-topic-{index}/index.html"):
        assert text in page_text(out, rel), rel
    town = hostile.visible(hostile._CONTROLS.sub("", VECTORS[index]["payload"]).replace("/", ""))
    assert town in page_text(out, f"townships/xss-town-{index // hostile.TOWN_GROUP}/index.html")


def test_template_syntax_in_content_stays_literal(built: tuple[Path, Path]) -> None:
    _, out = built
    index = next(i for i, v in enumerate(VECTORS) if v["name"] == "jinja-expression")
    text = page_text(out, f"cases/xss-{index}/index.html")
    assert "{{ 7*7 }}" in text and "{% raw %}" in text and " 49" not in text


def test_site_settings_are_escaped_everywhere(built: tuple[Path, Path]) -> None:
    _, out = built
    home = page_text(out, "index.html")
    assert shown(hostile.SITE_TITLE) in home and shown(hostile.SITE_DESCRIPTION) in home
    stages = page_text(out, "stages/index.html")
    assert all(shown(label) in stages for label in hostile.STAGE_LABELS.values())


def test_json_keeps_every_text_exactly(built: tuple[Path, Path]) -> None:
    _, out = built
    records = {r["slug"]: r for r in json.loads((out / "data" / "cases.json").read_text("utf-8"))["cases"]}
    assert len(records) == len(VECTORS)
    for i, vector in enumerate(VECTORS):
        record, text = records[f"xss-{i}"], hostile._CONTROLS.sub("", vector["payload"]).strip()
        assert record["title"] == record["outcome"] == record["convener"] == text
        assert [e["text"] for e in record["timeline"]] == [text, text]
        assert record["source_url"] == hostile.SOURCE_URLS[i % len(hostile.SOURCE_URLS)]


def test_csv_cells_never_start_a_formula(built: tuple[Path, Path]) -> None:
    _, out = built
    rows = list(csv.DictReader(io.StringIO((out / "data" / "cases.csv").read_text("utf-8-sig"))))
    assert len(rows) == len(VECTORS)
    for row in rows:
        text = hostile._CONTROLS.sub("", VECTORS[int(row["slug"].split("-")[1])]["payload"]).strip()
        assert row["title"] == ("'" + text if text[:1] in "=+-@" else text)
    assert hostile.scan_csv((out / "data" / "cases.csv").read_text("utf-8-sig"), "cases.csv") == []


def test_feeds_carry_titles_as_text_and_bodies_as_escaped_html(built: tuple[Path, Path]) -> None:
    _, out = built
    for i, vector in enumerate(VECTORS):
        feed = ET.parse(out / "topics" / f"xss-topic-{i}" / "feed.xml").getroot()
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1
        assert hostile.visible(entries[0].findtext(f"{ATOM}title") or "") == shown(vector["payload"])
        content = entries[0].find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        problems, _ = hostile.scan_html(content.text or "", f"topic feed {i}", out, "")
        assert problems == []


@pytest.mark.parametrize("url", hostile.REFUSED_SOURCE_URLS)
def test_unsafe_source_urls_are_refused_at_their_line(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(extra=f"source: {{name: 来源, url: {hostile.q(url)}}}\n")})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and "content/cases/a.md:8:" in err and "http" in err
    assert not (tmp_path / "out").exists()


def test_an_unescaped_template_would_be_caught(tmp_path: Path) -> None:
    """End to end, the scan finds a real hole: a site template that prints the title with |safe."""
    site = hostile.write_site(tmp_path / "site", VECTORS[:4])
    theme_case = (hostile.THEME / "templates" / "case.html").read_text("utf-8")
    assert "{{ case.title }}" in theme_case
    (site / "templates").mkdir()
    (site / "templates" / "case.html").write_text(theme_case.replace("{{ case.title }}", "{{ case.title|safe }}"), "utf-8")
    assert main(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1"]) == 0
    problems, _ = hostile.scan_output(tmp_path / "out")
    assert any(p.startswith("cases/xss-") for p in problems)


def test_svg_charts_carry_hostile_labels_as_text(built: tuple[Path, Path]) -> None:
    """The statistics page draws SVG bar charts labelled with stage, township and topic names."""
    _, out = built
    stats = (out / "stats" / "index.html").read_text("utf-8")
    assert stats.count("<svg") >= 3
    charts = " ".join(re.findall(r"<svg.*?</svg>", stats, re.DOTALL))
    text = hostile.scan_html(charts, "stats svg", out, "")[1]
    assert all(shown(label) in text for label in hostile.STAGE_LABELS.values())
    assert sum(shown(v["payload"]) in text for v in VECTORS) >= 10

"""/stats/: the figures (generator/outputs/stats.py) and the page that draws them."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import case_text, make_site, run

from generator.source.config import BuildOptions
from generator.render import stats
from generator.build.load import load_site
from generator.site.taxonomy import build_index

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours

SVG_NS = "{http://www.w3.org/2000/svg}"

# Five cases in three townships of two counties, over 2019–2021 (2020 has none).
CASES = {
    "content/cases/a.md": case_text(slug="a", township="凉泉乡", status="resolved", date="2021-06-20",
                                    extra="beneficiaries: 400\nparticipants: 6\n"),
    "content/cases/b.md": case_text(slug="b", township="凉泉乡", status="consulting", date="2021-03-01",
                                    extra="beneficiaries: 25\n"),
    "content/cases/c.md": case_text(slug="c", township="赛口镇", status="resolved", date="2019-05-01",
                                    extra="participants: 4\n").replace("topics: [交通出行]", "topics: [交通出行, 农田水利]"),
    "content/cases/d.md": case_text(slug="d", township="杨庙镇", status="raised", date="2021-08-08",
                                    extra="beneficiaries: 60\n").replace("topics: [交通出行]", "topics: [农田水利]"),
    "content/cases/e.md": case_text(slug="e", township="杨庙镇", status="resolved", date="2021-09-09"),
}
TODAY = dt.date(2024, 1, 1)


@pytest.fixture
def mini(tmp_path: Path):
    site_dir = make_site(tmp_path / "site", CASES)
    site, _, _ = load_site(site_dir, BuildOptions(today=TODAY, use_cache=False))
    return site, build_index(site)


def values(chart: stats.Chart) -> dict[str, int]:
    return {b.label: b.value for b in chart.bars}


def test_counts_per_stage_topic_county_township_and_year(mini) -> None:
    site, index = mini
    assert values(stats.by_stage(site, index)) == {"群众点单": 1, "委员买单": 0, "协商接单": 1, "跟进查单": 0, "已办结": 3}
    assert [b.key for b in stats.by_stage(site, index).bars] == ["raised", "adopted", "consulting", "following_up", "resolved"]
    assert values(stats.by_topic(site, index)) == {"交通出行": 4, "农田水利": 2}
    assert values(stats.by_county(site, index)) == {"望江县": 3, "长丰县": 2}
    township = stats.by_township(site, index)
    assert [(b.label, b.value, b.group) for b in township.bars] == [
        ("凉泉乡", 2, "望江县"), ("杨庙镇", 2, "长丰县"), ("赛口镇", 1, "望江县")]   # largest first, ties in places.yaml order
    assert [b.url for b in township.bars] == ["townships/liangquan/", "townships/yangmiao/", "townships/saikou/"]
    assert values(stats.by_year(site, index)) == {"2019": 1, "2020": 0, "2021": 4}   # the empty year is shown


def test_topic_shares_are_of_cases_since_a_case_can_have_two_topics(mini) -> None:
    site, index = mini
    chart = stats.by_topic(site, index)
    assert chart.total == 6                        # 4 + 2 topic tags on 5 cases
    assert [b.percent for b in chart.bars] == [80, 40]


def test_beneficiaries_and_summary(mini) -> None:
    site, index = mini
    assert values(stats.beneficiaries_by_township(site, index)) == {"凉泉乡": 425, "杨庙镇": 60}
    summary = stats.summary(site, index)
    assert (summary.cases, summary.resolved, summary.resolved_percent) == (5, 3, 60)
    assert (summary.townships_with_cases, summary.townships) == (3, 3)
    assert (summary.beneficiaries, summary.cases_with_beneficiaries, summary.participants) == (485, 3, 10)
    assert (summary.first_year, summary.last_year) == (2019, 2021)


def test_bars_are_scaled_to_the_largest_value_and_stacked_in_rows() -> None:
    chart = stats.lay_out("x", [stats.Bar("a", 10), stats.Bar("b", 5), stats.Bar("c", 0)])
    room = stats.WIDTH - stats.VALUE_ROOM
    assert [b.width for b in chart.bars] == [room, room / 2, 0.0]
    assert [b.y for b in chart.bars] == [0, stats.ROW, 2 * stats.ROW]
    assert chart.height == 3 * stats.ROW + stats.PAD_BOTTOM
    assert all(b.width + 6 + 40 <= chart.width for b in chart.bars)   # the value text fits beside the longest bar


def test_percentages_round_halves_up_and_empty_charts_do_not_divide_by_zero() -> None:
    eighths = stats.lay_out("x", [stats.Bar("a", 1), stats.Bar("b", 7)])
    assert [b.percent for b in eighths.bars] == [13, 88]          # 12.5 → 13, 87.5 → 88
    empty = stats.lay_out("x", [stats.Bar("a", 0)])
    assert empty.empty and empty.bars[0].width == 0.0 and empty.bars[0].share == 0.0
    assert stats.lay_out("x", []).height == stats.PAD_BOTTOM


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg class=\"chart\".*?</svg>", html, re.DOTALL)]


def test_stats_page_draws_each_chart_as_svg_with_a_table_beside_it(tmp_path: Path, capsys) -> None:
    site_dir = make_site(tmp_path / "site", CASES)
    out = tmp_path / "out"
    assert run(["build", str(site_dir), "-o", str(out)], capsys)[0] == 0
    html = (out / "stats" / "index.html").read_text("utf-8")
    drawn = svgs(html)
    assert len(drawn) == 6                      # stage, topic, county, township, year, beneficiaries
    for svg in drawn:
        assert svg.get("role") == "img" and svg.find(f"{SVG_NS}title") is not None
        assert svg.get("aria-labelledby") == svg.find(f"{SVG_NS}title").get("id")
    stage_svg = drawn[0]
    assert [t.text for t in stage_svg.iter(f"{SVG_NS}text") if t.get("class") == "chart-value"] == ["1", "0", "1", "0", "3"]
    bars = [float(r.get("width")) for r in stage_svg.iter(f"{SVG_NS}rect") if r.get("class") == "chart-bar"]
    assert bars == [pytest.approx((stats.WIDTH - stats.VALUE_ROOM) / 3, abs=0.1)] * 2 + [stats.WIDTH - stats.VALUE_ROOM]
    assert html.count('<table class="data-table">') == 6
    assert "<td class=\"num\">425</td>" in html                     # beneficiaries of 凉泉乡 in its table
    assert 'href="../townships/index.html#wangjiang"' in html                  # counties lead to their part of the tree
    assert "<loc>https://bulletin.test/stats/</loc>" in (out / "sitemap.xml").read_text("utf-8")


def test_names_are_escaped_in_charts_and_tables(tmp_path: Path, capsys) -> None:
    topics = "- name: 水&电<改造>\n  slug: water\n"
    case = case_text(slug="w").replace("topics: [交通出行]", "topics: [水&电<改造>]")
    site_dir = make_site(tmp_path / "site", {"content/topics.yaml": topics, "content/cases/w.md": case})
    out = tmp_path / "out"
    assert run(["build", str(site_dir), "-o", str(out)], capsys)[0] == 0
    html = (out / "stats" / "index.html").read_text("utf-8")
    assert "<改造>" not in html and "水&amp;电&lt;改造&gt;" in html
    topic_svg = svgs(html)[1]                                          # still well-formed XML
    assert "水&电<改造>" in "".join(topic_svg.itertext())


def test_a_site_without_cases_has_a_calm_empty_stats_page(tmp_path: Path, capsys) -> None:
    site_dir = make_site(tmp_path / "site", {})
    out = tmp_path / "out"
    assert run(["build", str(site_dir), "-o", str(out)], capsys)[0] == 0
    html = (out / "stats" / "index.html").read_text("utf-8")
    assert html.count("暂无数据") == 6 and not svgs(html)


def test_english_stats_page(tmp_path: Path, capsys) -> None:
    site_dir = make_site(tmp_path / "site", {"site.yaml": "title: Test\nbase_url: https://bulletin.test/\nlanguage: en\n", **CASES})
    out = tmp_path / "out"
    assert run(["build", str(site_dir), "-o", str(out)], capsys)[0] == 0
    html = (out / "stats" / "index.html").read_text("utf-8")
    assert '<html lang="en">' in html
    for heading in ("Cases by stage", "Cases by topic", "Cases by county", "Cases by township", "Cases by year",
                    "People who benefit, by township"):
        assert f">{heading}</h2>" in html
    assert values(stats.by_stage(*_loaded(site_dir)))["Resolved"] == 3


def _loaded(site_dir: Path):
    site, _, _ = load_site(site_dir, BuildOptions(today=TODAY, use_cache=False))
    return site, build_index(site)

"""Atom feeds read by feedparser: the site, every township, every topic."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import atomcheck
import feedparser
import pytest
from conftest import case_text, make_site, run

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
BASE_URL = "https://bulletin.example.org/"


def read(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture(scope="module")
def records(example_out: Path) -> list[dict]:
    return json.loads((example_out / "data" / "cases.json").read_text("utf-8"))["cases"]


def check_entries(parsed: feedparser.FeedParserDict, expected: list[dict], out: Path) -> None:
    assert [e.title for e in parsed.entries] == [r["title"] for r in expected]
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == len(ids)
    for entry, record in zip(parsed.entries, expected):
        assert entry.link == f"{BASE_URL}cases/{record['slug']}/"
        assert (out / "cases" / record["slug"] / "index.html").is_file()
        assert entry.get("updated_parsed") and entry.get("published_parsed")
        for link in entry.get("links", []):
            assert link["href"].startswith(BASE_URL)


def test_site_feed(example_out: Path, records: list[dict]) -> None:
    parsed = read(example_out / "feed.xml")
    assert parsed.feed.title == "基层协商公报"
    assert parsed.feed.get("language", "zh-CN").lower().startswith("zh")
    assert parsed.feed.get("updated_parsed")
    self_links = [l["href"] for l in parsed.feed.links if l.get("rel") == "self"]
    assert self_links == [f"{BASE_URL}feed.xml"]
    # The cases, newest first, with the news reports among them by date (at most 20 in all).
    cases = [e for e in parsed.entries if "/cases/" in e.link]
    reports = [e for e in parsed.entries if "/reports/" in e.link]
    published_reports = [d for d in (example_out / "reports").iterdir() if (d / "index.html").is_file() and d.name != "page"]
    assert len(parsed.entries) == min(20, len(records) + len(published_reports)) and reports
    check_entries(feedparser.FeedParserDict(entries=cases), records[:len(cases)], example_out)
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    for entry in reports:
        assert (example_out / entry.link[len(BASE_URL):] / "index.html").is_file()
        assert entry.content[0].value and 'href="../' not in entry.content[0].value
    # Chinese text survives, and the body comes along with absolute links
    first = parsed.entries[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first.title)
    content = first.content[0].value if first.get("content") else first.summary
    assert content and 'href="../' not in content and 'src="../' not in content


def test_every_township_and_topic_has_a_feed_of_its_own_cases(example_out: Path, records: list[dict]) -> None:
    townships = sorted(p.parent.name for p in (example_out / "townships").glob("*/feed.xml"))
    topics = sorted(p.parent.name for p in (example_out / "topics").glob("*/feed.xml"))
    assert len(townships) >= 10 and len(topics) >= 5
    for slug in townships:
        parsed = read(example_out / "townships" / slug / "feed.xml")
        expected = [r for r in records if r["township_slug"] == slug]
        check_entries(parsed, expected, example_out)
        if expected:
            assert expected[0]["township"] in parsed.feed.title
        alternate = [l["href"] for l in parsed.feed.links if l.get("rel") == "alternate"]
        assert alternate == [f"{BASE_URL}townships/{slug}/"]
    for slug in topics:
        parsed = read(example_out / "topics" / slug / "feed.xml")
        expected = [r for r in records if slug in r["topic_slugs"]]
        check_entries(parsed, expected, example_out)
        assert expected and expected[0]["topics"][expected[0]["topic_slugs"].index(slug)] in parsed.feed.title


def test_internal_links_in_entries_are_absolute_with_a_base_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "base", site)
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    parsed = read(out / "feed.xml")
    bridge = next(e for e in parsed.entries if e.link == "https://bulletin.test/bulletin/cases/liangquan-bridge/")
    content = bridge.content[0].value
    assert 'href="https://bulletin.test/bulletin/cases/saikou-clinic/"' in content
    assert "case:" not in content
    township = read(out / "townships" / "wangjiang-cheng-guan-zhen" / "feed.xml")
    assert [e.title for e in township.entries] == ["城关镇背街小巷路灯协商"]
    empty = read(out / "townships" / "zaojia" / "feed.xml")
    assert empty.entries == []
    # dated as the site is, by its newest change (the feed's render key reads the same date)
    assert empty.feed.updated == parsed.feed.updated


def test_feed_limit_newest_first_and_no_build_time(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"案例{i}", slug=f"c{i}", date=f"2021-0{i}-01") for i in range(1, 5)}
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试\nbase_url: https://bulletin.test/\nfeed_limit: 2\n", **files})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert run(["build", str(site), "-o", str(tmp_path / "a")], capsys)[0] == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert run(["build", str(site), "-o", str(tmp_path / "b")], capsys)[0] == 0
    parsed = read(tmp_path / "a" / "feed.xml")
    assert [e.title for e in parsed.entries] == ["案例4", "案例3"]
    assert parsed.feed.updated.startswith("2021-04-01")
    for rel in ("feed.xml", "townships/liangquan/feed.xml", "topics/transport/feed.xml"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_control_characters_and_markup_in_content_keep_the_feed_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "第一段\x0c带换页符 & <b>粗体</b> ]]> <script>alert(1)</script>\n\n\x01第二段"
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(title="标题 & <尖括号> “引号”", body=body)})
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    parsed = read(tmp_path / "out" / "feed.xml")
    entry = parsed.entries[0]
    assert entry.title == "标题 & <尖括号> “引号”"
    assert "alert" not in entry.content[0].value and "粗体" in entry.content[0].value


def test_english_site_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": "title: Bulletin\nlanguage: en\nbase_url: https://bulletin.test/\n",
                                         "content/cases/a.md": case_text(title="A bridge")})
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    text = (tmp_path / "out" / "feed.xml").read_text("utf-8")
    assert 'xml:lang="en"' in text
    assert read(tmp_path / "out" / "feed.xml").entries[0].title == "A bridge"


# -- a strict Atom check besides feedparser ---------------------------------------------------------

def test_every_feed_passes_a_strict_atom_check(example_out: Path) -> None:
    feeds = sorted(example_out.rglob("feed.xml"))
    assert len(feeds) >= 20
    found = {}
    for path in feeds:
        rel = path.relative_to(example_out).as_posix()
        messages = atomcheck.problems(path.read_bytes(), BASE_URL + rel)
        if messages:
            found[rel] = messages
    assert found == {}


def test_entries_sharing_a_day_get_distinct_updated_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        f"content/cases/c{n}.md": case_text(slug=f"c{n}", title=f"同一天的案例{n}", date="2021-06-20") for n in range(4)
    } | {"content/cases/later.md": case_text(slug="later", date="2021-06-01",
                                             extra="updated: 2021-06-20\n")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    xml = (out / "feed.xml").read_bytes()
    assert atomcheck.problems(xml, "https://bulletin.test/feed.xml") == []
    updated = [e.updated for e in read(out / "feed.xml").entries]
    assert len(set(updated)) == 5 and all(u.startswith("2021-06-20T00:00:0") for u in updated)
    # The same content gives the same values.
    assert run(["build", str(site), "-o", str(tmp_path / "again")], capsys)[0] == 0
    assert (tmp_path / "again" / "feed.xml").read_bytes() == xml


def test_the_latest_timeline_step_or_edit_is_the_entry_updated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    timeline = "timeline:\n  - {date: 2021-06-20, stage: raised, text: 群众反映}\n  - {date: 2021-11-02, stage: resolved, text: 完工}\n"
    site = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(slug="a", extra=timeline),
        "content/cases/b.md": case_text(slug="b", extra="updated: 2022-03-05\n"),
    })
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    by_id = {e.id.rsplit("/", 2)[-2]: e for e in read(out / "feed.xml").entries}
    assert by_id["a"].updated.startswith("2021-11-02") and by_id["a"].published.startswith("2021-06-20")
    assert by_id["b"].updated.startswith("2022-03-05")
    assert read(out / "feed.xml").feed.updated.startswith("2022-03-05")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "cases/a/</loc><lastmod>2021-11-02</lastmod>" in sitemap


def in_entries(xml: bytes, old: bytes, new: bytes) -> bytes:
    head, _, entries = xml.partition(b"<entry>")
    return head + b"<entry>" + entries.replace(old, new)


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda x: in_entries(x, b"<updated>2021-11-02T00:00:00+08:00</updated>", b""), "entry 2: no <updated>"),
    (lambda x: in_entries(x, b"<updated>2021-11-02T00:00:00+08:00", b"<updated>2021-11-02"), "is not an RFC 3339 date-time"),
    (lambda x: x.replace(b"2021-06-21T00:00:00+08:00", b"2021-11-02T00:00:00+08:00"), "2 entries share the updated value"),
    (lambda x: x.replace(b'href="https://bulletin.test/feed.xml"', b'href="https://bulletin.test/other.xml"'),
     "is not the feed's own address"),
    (lambda x: x.replace(b"<id>https://bulletin.test/cases/b/</id>", b"<id>https://bulletin.test/cases/a/</id>"),
     "2 entries share the id"),
    (lambda x: x.replace(b"<author>", b"<!--").replace(b"</author>", b"-->"), "entry 1: no <author>, and the feed has none"),
    (lambda x: x[:-20], "not well-formed XML"),
])
def test_the_atom_check_finds_what_it_is_for(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, expected: str) -> None:
    site = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(slug="a", extra="updated: 2021-11-02\n"),
        "content/cases/b.md": case_text(slug="b", date="2021-06-21"),
    })
    assert run(["build", str(site), "-o", str(tmp_path / "out")], capsys)[0] == 0
    xml = (tmp_path / "out" / "feed.xml").read_bytes()
    assert atomcheck.problems(xml, "https://bulletin.test/feed.xml") == []
    assert any(expected in line for line in atomcheck.problems(edit(xml), "https://bulletin.test/feed.xml"))


def test_a_township_page_offers_only_the_stage_feeds_that_have_cases(example_out: Path) -> None:
    import re
    offered = 0
    for page in sorted((example_out / "townships").glob("*/index.html")):
        html = page.read_text("utf-8")
        links = re.findall(r'href="([^"]*stages/[a-z_]+/feed\.xml)" type="application/atom\+xml"', html)
        for link in links:
            feed = read((page.parent / link).resolve())
            assert feed.entries, f"{page}: offers the empty feed {link}"
        offered += len(links)
        # the empty ones are still published, so a subscription made earlier keeps working
        for stage in ("raised", "adopted", "consulting", "following_up", "resolved"):
            assert (page.parent / "stages" / stage / "feed.xml").is_file()
    assert offered > 0

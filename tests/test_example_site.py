"""The example site as the public reads it: every contract path, real content, links that resolve.

Pages are parsed with html.parser into a small tree (`parse_html`), never matched with regexes.
"""
from __future__ import annotations

import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import REPO, case_text, make_site, run

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BASE_URL = "https://bulletin.example.org/"   # the example site's base_url


class Node:
    """An element: tag, attributes, children (nodes and text), parent."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self, tag: str | None = None) -> list[Node]:
        found = [self] if tag in (None, self.tag) else []
        for child in self.children:
            if isinstance(child, Node):
                found += child.iter(tag)
        return found

    def first(self, tag: str) -> Node:
        nodes = self.iter(tag)
        assert nodes, f"no <{tag}>"
        return nodes[0]

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def by_id(self, ident: str) -> Node | None:
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def ancestor(self, *tags: str) -> Node | None:
        node = self.parent
        while node is not None and node.tag not in tags:
            node = node.parent
        return node

    def hrefs(self) -> list[str]:
        return [n.attrs["href"] for n in self.iter("a") if "href" in n.attrs]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def page(out: Path, rel: str) -> Node:
    path = out / rel
    assert path.is_file(), f"{rel} was not built"
    return parse_html(path.read_text("utf-8"))


def resolve(page_rel: str, link: str, base_path: str = "/") -> str | None:
    """The OUT-relative file a link from `page_rel` leads to; None for other hosts and pure fragments."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        assert path.startswith(base_path), (page_rel, link)
        target = posixpath.normpath(path[len(base_path):] or ".")
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    assert not target.startswith(".."), f"{page_rel}: {link} leaves the site"
    if target == ".":
        return "index.html"
    return target + "/index.html" if path.endswith("/") else target


def targets(doc: Node, page_rel: str) -> set[str]:
    """The OUT-relative files the page's <a> elements lead to."""
    return {t for t in (resolve(page_rel, h) for h in doc.hrefs()) if t is not None}


def internal_refs(doc: Node) -> list[tuple[str, str]]:
    refs = []
    for node in doc.iter():
        for attr in ("href", "src", "action"):
            if attr in node.attrs and not (node.tag == "a" and node.attrs[attr].startswith(("mailto:", "tel:"))):
                refs.append((node.tag, node.attrs[attr]))
    return refs


@pytest.fixture(scope="module")
def data(example_out: Path) -> dict:
    return json.loads((example_out / "data" / "cases.json").read_text("utf-8"))


def main_text(doc: Node) -> str:
    return doc.first("main").text()


# -- every path of CONTRACT §4 -------------------------------------------------------------------

def contract_paths(out: Path, data: dict) -> list[str]:
    from generator.source.config import STAGE_KEYS
    from generator.core.errors import Problems
    from generator.source.places import load_places
    from generator.source.topics import load_topics
    places = load_places(REPO, Problems())
    topics = load_topics(REPO, Problems())
    paths = ["index.html", "404.html", "townships/index.html", "topics/index.html", "reports/index.html",
             "feed.xml", "data/cases.json", "data/cases.csv", "sitemap.xml", "robots.txt"]
    paths += [f"cases/{c['slug']}/index.html" for c in data["cases"]]
    for t in places.townships():
        paths += [f"townships/{t.slug}/index.html", f"townships/{t.slug}/feed.xml"]
    for topic in topics:
        paths += [f"topics/{topic.slug}/index.html", f"topics/{topic.slug}/feed.xml"]
    paths += [f"stages/{key}/index.html" for key in STAGE_KEYS]
    reports = sorted({r for c in data["cases"] for r in c["reports"]})
    assert reports, "the example report links cases"
    paths += [f"reports/{slug}/index.html" for slug in reports]
    return paths


def test_every_contract_path_exists_with_real_content(example_out: Path, data: dict) -> None:
    assert data["count"] == len(data["cases"]) >= 5
    for rel in contract_paths(example_out, data):
        path = example_out / rel
        assert path.is_file() and path.stat().st_size > 0, rel
        if rel.endswith(".html"):
            doc = parse_html(path.read_text("utf-8"))
            assert doc.first("title").text(), rel
            assert doc.first("h1").text(), rel
            assert len(main_text(doc)) > 20, rel
            assert doc.first("html").attrs.get("lang") == "zh-CN", rel


def test_home_lists_recent_outcomes_and_stage_counts(example_out: Path, data: dict) -> None:
    home = page(example_out, "index.html")
    links = targets(home, "index.html")
    newest = [c["slug"] for c in data["cases"][:5]]
    for slug in newest:
        assert f"cases/{slug}/index.html" in links
    counts = {key: sum(1 for c in data["cases"] if c["status"] == key) for key in
              ("raised", "adopted", "consulting", "following_up", "resolved")}
    for key, count in counts.items():
        anchors = [a for a in home.iter("a") if resolve("index.html", a.attrs.get("href", "")) == f"stages/{key}/index.html"]
        assert anchors, key
        holder = anchors[0].ancestor("li", "tr") or anchors[0]
        assert str(count) in holder.text(), (key, holder.text())
    # ways in: townships, topics, search
    actions = {resolve("index.html", f.attrs.get("action", "")) for f in home.iter("form")}
    for target in ("townships/index.html", "topics/index.html", "search/index.html"):
        assert target in links | actions, target


def test_case_page(example_out: Path, data: dict) -> None:
    record = next(c for c in data["cases"] if c["slug"] == "liangquan-bridge")
    doc = page(example_out, "cases/liangquan-bridge/index.html")
    text = main_text(doc)
    assert doc.first("h1").text() == record["title"]
    # facts: place, topic, stage, convener, form
    for fact in ("凉泉乡", "望江县", "储琳", "议事会", "交通出行", "已办结"):
        assert fact in text, fact
    links = doc.hrefs()
    files = targets(doc, "cases/liangquan-bridge/index.html")
    assert {"topics/transport/index.html", "townships/liangquan/index.html", "stages/resolved/index.html"} <= files
    # the stage tracker names the five stages in order
    labels = ["群众点单", "委员买单", "协商接单", "跟进查单", "已办结"]
    positions = [text.find(label) for label in labels]
    assert all(p >= 0 for p in positions)
    trackers = [n for n in doc.iter("ol") if all(label in n.text() for label in labels)]
    assert trackers, "no stage tracker listing the five stages"
    # timeline: every entry's text, in date order
    entries = [e["text"] for e in record["timeline"]]
    assert len(entries) >= 3
    found = [text.find(entry) for entry in entries]
    assert all(f >= 0 for f in found) and found == sorted(found)
    # body, with Chinese heading ids
    h2_ids = {n.attrs.get("id") for n in doc.iter("h2")}
    assert {"背景", "协商过程", "结果"} <= h2_ids
    # source and reports
    assert "https://www.anhuinews.com/" in links
    assert "reports/county-consultation-roundup/index.html" in files
    # related cases: other case pages are linked, in their own section
    related = {f for f in files if f.startswith("cases/") and f != "cases/liangquan-bridge/index.html"}
    assert related
    outside = [n for n in doc.first("main").iter("section") if n.ancestor("article") is None]
    assert any(targets(n, "cases/liangquan-bridge/index.html") & related for n in outside), "no related-cases section"


def test_township_tree_lists_counties_and_townships(example_out: Path) -> None:
    from generator.core.errors import Problems
    from generator.source.places import load_places
    places = load_places(REPO, Problems())
    doc = page(example_out, "townships/index.html")
    text = main_text(doc)
    for county in places.counties():
        assert county.name in text
    links = targets(doc, "townships/index.html")
    for township in places.townships():
        assert f"townships/{township.slug}/index.html" in links, township.name
    # a county heading comes before its townships
    assert text.find("望江县") < text.find("凉泉乡") and text.find("长丰县") < text.find("杨庙镇") < text.find("扬子街道")


def test_township_topic_and_stage_pages_list_their_cases(example_out: Path, data: dict) -> None:
    def listed(rel: str) -> set[str]:
        return targets(page(example_out, rel), rel)
    for record in data["cases"]:
        case = f"cases/{record['slug']}/index.html"
        assert case in listed(f"townships/{record['township_slug']}/index.html")
        assert case in listed(f"stages/{record['status']}/index.html")
        for topic in record["topic_slugs"]:
            assert case in listed(f"topics/{topic}/index.html")
    liangquan = page(example_out, "townships/liangquan/index.html")
    assert liangquan.first("h1").text().startswith("凉泉乡")
    feeds = {resolve("townships/liangquan/index.html", n.attrs.get("href", "")) for n in liangquan.iter("link") + liangquan.iter("a")}
    assert "townships/liangquan/feed.xml" in feeds


def test_reports_link_their_cases(example_out: Path) -> None:
    rel = "reports/county-consultation-roundup/index.html"
    links = targets(page(example_out, rel), rel)
    for slug in ("liangquan-bridge", "saikou-clinic-inspection", "miaonan-canal", "zaojia-road-oversight", "yangzi-mama-ban"):
        assert f"cases/{slug}/index.html" in links, slug
    assert rel in targets(page(example_out, "reports/index.html"), "reports/index.html")


def test_pages_404_robots_and_sitemap(example_out: Path, data: dict) -> None:
    about = page(example_out, "about/index.html")
    assert "闭环" in main_text(about)
    missing = page(example_out, "404.html")
    assert missing.first("h1").text() and "index.html" in targets(missing, "404.html")
    robots = (example_out / "robots.txt").read_text("utf-8")
    assert "User-agent: *" in robots and f"Sitemap: {BASE_URL}sitemap.xml" in robots
    tree = ET.parse(example_out / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text or "" for loc in tree.getroot().findall("s:url/s:loc", ns)]
    assert len(locs) == len(set(locs))
    for record in data["cases"]:
        assert f"{BASE_URL}cases/{record['slug']}/" in locs
    assert f"{BASE_URL}" in locs and f"{BASE_URL}townships/liangquan/" in locs
    for loc in locs:
        assert loc.startswith(BASE_URL)
        rel = resolve("index.html", "/" + loc[len(BASE_URL):])
        assert rel is not None and (example_out / rel).is_file(), loc


def test_every_internal_link_resolves(example_out: Path) -> None:
    pages = sorted(p.relative_to(example_out).as_posix() for p in example_out.rglob("*.html"))
    assert len(pages) > 40
    ids: dict[str, set[str]] = {}
    broken = []
    fragments = []
    for rel in pages:
        if "/pagefind/" in rel:
            continue
        doc = parse_html((example_out / rel).read_text("utf-8"))
        ids[rel] = {n.attrs["id"] for n in doc.iter() if "id" in n.attrs}
        for tag, ref in internal_refs(doc):
            target = resolve(rel, ref)
            fragment = urlsplit(ref).fragment
            if target is None:
                if ref.startswith("#") and len(ref) > 1:
                    fragments.append((rel, rel, unquote(fragment)))
                continue
            if not (example_out / target).is_file():
                broken.append(f"{rel}: <{tag}> {ref} -> {target}")
            elif fragment and target.endswith(".html"):
                fragments.append((rel, target, unquote(fragment)))
    assert broken == []
    missing_ids = []
    for source, target, fragment in fragments:
        if target not in ids:
            ids[target] = {n.attrs["id"] for n in parse_html((example_out / target).read_text("utf-8")).iter() if "id" in n.attrs}
        if fragment not in ids[target]:
            missing_ids.append(f"{source}: #{fragment} not in {target}")
    assert missing_ids == []


def test_feed_and_sitemap_urls_are_built_files(example_out: Path) -> None:
    feed = ET.parse(example_out / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    hrefs = [link.get("href") or "" for link in feed.iter(f"{atom}link")]
    assert hrefs
    for href in hrefs:
        assert href.startswith(BASE_URL), href
        rel = resolve("index.html", "/" + href[len(BASE_URL):])
        assert rel is not None and (example_out / rel).is_file(), href


def test_subscribe_and_site_map_pages_lead_people_to_every_feed_and_section(example_out: Path) -> None:
    """The footer's 订阅 and 网站地图 are pages: a feed or sitemap.xml opened from a USB stick shows nothing."""
    home = page(example_out, "index.html")
    assert {"subscribe/index.html", "sitemap/index.html"} <= set(targets(home, "index.html"))
    assert "feed.xml" not in targets(home.first("footer"), "index.html")
    # every feed but a township's per-stage ones, which its own page offers
    feeds = {rel for p in example_out.rglob("feed.xml")
             if not re.fullmatch(r"townships/[^/]+/stages/[^/]+/feed\.xml", rel := p.relative_to(example_out).as_posix())}
    subscribe = page(example_out, "subscribe/index.html")
    # linked by their web address: a local feed.xml shows a blank page from a USB stick
    listed = {h[len(BASE_URL):] for h in subscribe.first("main").hrefs() if h.startswith(BASE_URL) and h.endswith("feed.xml")}
    assert listed == feeds and len(listed) > 20     # the site, each stage, township and topic
    assert not any(h.endswith("feed.xml") for h in targets(subscribe.first("main"), "subscribe/index.html"))
    assert all((example_out / t).is_file() for t in listed)
    text = main_text(subscribe)
    assert f"{BASE_URL}townships/liangquan/feed.xml" in text and "添加订阅" in text
    site_map = page(example_out, "sitemap/index.html")
    linked = set(targets(site_map, "sitemap/index.html"))
    townships = {p.parent.relative_to(example_out).as_posix() + "/index.html" for p in (example_out / "townships").glob("*/feed.xml")}
    assert townships <= linked and {"about/index.html", "how-to-raise/index.html", "stats/index.html",
                                    "subscribe/index.html"} <= linked
    assert f"{BASE_URL}sitemap.xml" in site_map.hrefs()
    locs = (example_out / "sitemap.xml").read_text("utf-8")
    assert f"<loc>{BASE_URL}subscribe/</loc>" in locs and f"<loc>{BASE_URL}sitemap/</loc>" in locs


@pytest.mark.parametrize("slug", ["subscribe", "sitemap"])
def test_a_page_may_not_take_the_address_of_the_subscribe_page_or_site_map(tmp_path: Path, slug: str,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/pages/x.md": f"---\ntitle: 页面\nslug: {slug}\n---\n正文\n"})
    code, _, err = run(["build", str(site)], capsys)
    assert code == 1 and "content/pages/x.md:3:" in err and slug in err


@pytest.mark.parametrize("index_links", ["true", "false"])
def test_site_addresses_in_a_body_are_linked_as_the_page_links(tmp_path: Path, index_links: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """/cases/SLUG/ in a body must end in index.html too, or it opens a folder listing from a USB stick."""
    body = "见[桥](/cases/bridge/)、[乡](/townships/liangquan/#cases)、[首页](/)、[查](/search/?q=桥)和[报](case:bridge)。"
    site = make_site(tmp_path / "site", {"site.yaml": f"title: 测试\nbase_url: https://bulletin.test/\nindex_links: {index_links}\n",
                                         "content/cases/a.md": case_text(body=body)})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    hrefs = [h for h in page(out, "cases/bridge/index.html").first("main").hrefs() if "案" not in h]
    end = "index.html" if index_links == "true" else ""
    for expected in (f"../../cases/bridge/{end}", f"../../townships/liangquan/{end}#cases", f"../../{end}",
                     f"../../search/{end}?q=桥"):
        assert expected in hrefs, (expected, hrefs)
    assert hrefs.count(f"../../cases/bridge/{end}") == 2      # the site address and case:bridge alike
    feed = (out / "townships/liangquan/feed.xml").read_text("utf-8")
    assert "href=&#34;https://bulletin.test/cases/bridge/&#34;" in feed   # feeds keep the clean absolute address


def test_theme_files_are_asked_for_by_version_so_a_cached_old_one_is_not_used(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text()})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0

    def version() -> str:
        found = re.search(r'href="\./assets/site\.css\?v=([0-9a-f]{10})"', (out / "index.html").read_text("utf-8"))
        assert found
        return found[1]
    shipped = version()
    (site / "static/assets").mkdir(parents=True)
    (site / "static/assets/site.css").write_text("body { color: #123; }\n", "utf-8")   # the site's own, over the theme's
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0    # warm: the pages are made again
    assert version() != shipped and (out / "assets/site.css").read_text("utf-8") == "body { color: #123; }\n"
    clean = tmp_path / "clean"
    assert run(["build", str(site), "-o", str(clean), "--no-cache"], capsys)[0] == 0
    assert (clean / "index.html").read_bytes() == (out / "index.html").read_bytes()


# -- small inline sites for what the example does not show -------------------------------------

def test_pagination_with_a_small_per_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {f"content/cases/c{i}.md": case_text(title=f"第{i}号案例", slug=f"c{i}", date=f"2021-06-{10 + i:02d}")
             for i in range(1, 6)}
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试\nbase_url: https://bulletin.test/\nper_page: 2\n", **files})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    for base in ("townships/liangquan/", "topics/transport/", "stages/resolved/"):
        pages = [page(out, f"{base}index.html"), page(out, f"{base}page/2/index.html"), page(out, f"{base}page/3/index.html")]
        assert not (out / base / "page" / "4").exists() and not (out / base / "page" / "1").exists()
        rels = [f"{base}index.html", f"{base}page/2/index.html", f"{base}page/3/index.html"]
        links = [targets(p, rel) for p, rel in zip(pages, rels)]
        listed = [sorted((f.split("/")[1] for f in found if f.startswith("cases/c")), reverse=True) for found in links]
        assert listed == [["c5", "c4"], ["c3", "c2"], ["c1"]], base
        assert rels[1] in links[0] and rels[0] in links[1] and rels[2] in links[1] and rels[1] in links[2]
        for number, doc in enumerate(pages, start=1):
            current = [a for a in doc.iter("a") if a.attrs.get("aria-current") == "page"] + \
                      [n for n in doc.iter() if n.attrs.get("aria-current") == "page"]
            assert current and str(number) in current[0].text(), (base, number)
    # pages of one listing link each other, and nothing else is broken
    for rel in (p.relative_to(out).as_posix() for p in out.rglob("*.html")):
        if "/pagefind/" in rel:
            continue
        for _, ref in internal_refs(page(out, rel)):
            target = resolve(rel, ref)
            assert target is None or (out / target).is_file(), (rel, ref)


def test_raw_html_in_bodies_is_sanitised_and_toc_ids_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = ("## 群众反映\n\n见[协商结果](#协商结果)。\n\n<script>alert('case')</script>\n\n"
            "<img src=\"x.png\" onerror=\"alert('img')\" alt=\"图\">\n\n<a href=\"javascript:alert('a')\">点我</a>\n\n"
            "<iframe src=\"https://evil.example/\"></iframe>\n\n## 协商结果\n\n<p style=\"color:red\" onclick=\"x()\">完成</p>\n")
    site = make_site(tmp_path / "site", {
        "content/cases/a.md": case_text(slug="a", body=body),
        "content/reports/r.md": "---\ntitle: 报道\ndate: 2021-07-01\n---\n<script>alert('report')</script>正文[案例](case:a)\n",
        "content/pages/about.md": "---\ntitle: 关于\n---\n<script>alert('page')</script><form><input></form>关于\n",
    })
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    for rel in ("cases/a/index.html", "reports/r/index.html", "about/index.html"):
        raw = (out / rel).read_text("utf-8")
        assert "alert(" not in raw and "javascript:" not in raw and "onerror" not in raw and "onclick" not in raw, rel
        doc = parse_html(raw)
        article = doc.first("main")
        assert not article.iter("iframe") and not article.iter("form") and not article.iter("input")
        scripts = [s for s in doc.iter("script") if not s.attrs.get("src")]
        assert all("alert" not in s.text() for s in scripts)
    case = page(out, "cases/a/index.html")
    assert case.by_id("群众反映") is not None and case.by_id("协商结果") is not None
    assert "#协商结果" in case.hrefs()
    assert "../../cases/a/index.html" in page(out, "reports/r/index.html").hrefs()
    assert case.first("main").iter("img")[0].attrs.get("alt") == "图"


def test_stage_labels_from_site_yaml_are_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "site.yaml": "title: 测试\nbase_url: https://bulletin.test/\nstages:\n  resolved: 已反馈\n",
        "content/cases/a.md": case_text(slug="a", status="已反馈"),
        "content/cases/b.md": case_text(slug="b", status="已办结", title="另一个"),
    })
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    text = main_text(page(out, "cases/a/index.html"))
    assert "已反馈" in text and "已办结" not in text
    assert page(out, "stages/resolved/index.html").first("h1").text().startswith("已反馈")
    assert "a" in [r["slug"] for r in json.loads((out / "data" / "cases.json").read_text("utf-8"))["cases"]
                   if r["status_label"] == "已反馈"]


def test_theme_chain_site_templates_over_theme_over_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "site.yaml": "title: 测试\nbase_url: https://bulletin.test/\ntheme: county\n",
        "content/cases/a.md": case_text(slug="a"),
        "content/pages/about.md": "---\ntitle: 关于\n---\n正文\n",
        "themes/county/templates/page.html": '{% extends "default/page.html" %}{% block main %}<p id="from-theme">主题</p>{{ super() }}{% endblock %}',
        "themes/county/templates/404.html": '{% extends "default/404.html" %}{% block main %}<p id="theme-404">主题</p>{% endblock %}',
        "templates/404.html": '{% extends "default/404.html" %}{% block main %}<h1>站点</h1><p id="site-404">站点</p>{% endblock %}',
        "themes/county/static/assets/extra.css": "p{}\n",
    })
    out = tmp_path / "out"
    code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert (code, stderr) == (0, "")
    about = page(out, "about/index.html")
    assert about.by_id("from-theme") is not None and about.first("h1").text() == "关于"
    missing = page(out, "404.html")
    assert missing.by_id("site-404") is not None and missing.by_id("theme-404") is None
    assert (out / "assets" / "extra.css").is_file() and (out / "assets" / "site.css").is_file()
    assert page(out, "cases/a/index.html").first("h1").text() == "南干渠新架桥梁"   # the default theme fills the rest


def test_bom_crlf_and_blank_lines_before_the_fence_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "\r\n\r\n" + case_text(slug="crlf", body="## 标题\n\n正文").replace("\n", "\r\n")
    site = make_site(tmp_path / "site", {"content/cases/a.md": b"\xef\xbb\xbf" + text.encode("utf-8")})
    out = tmp_path / "out"
    code, _, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert (code, stderr) == (0, "")
    doc = page(out, "cases/crlf/index.html")
    assert doc.first("h1").text() == "南干渠新架桥梁" and doc.by_id("标题") is not None
    assert "\r" not in (out / "cases" / "crlf" / "index.html").read_text("utf-8")


def test_an_english_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(Path(__file__).parent / "fixtures" / "sites" / "base", site)
    (site / "site.yaml").write_text("title: Consultation bulletin\nbase_url: https://bulletin.test/\nlanguage: en\nper_page: 2\n",
                                    encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run(["build", str(site), "-o", str(out)], capsys)
    assert (code, stderr) == (0, "") and stdout.startswith("built ")
    for rel in ("index.html", "cases/liangquan-bridge/index.html", "townships/index.html", "404.html"):
        doc = page(out, rel)
        assert doc.first("html").attrs.get("lang") == "en", rel
    text = main_text(page(out, "cases/liangquan-bridge/index.html"))
    assert "Resolved" in text and "已办结" not in text
    assert "群众点单" not in main_text(page(out, "index.html"))

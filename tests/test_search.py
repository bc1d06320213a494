"""/search/: the Pagefind index built into OUT, its filters, and clean failures of the indexer."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, case_text, make_site, run, tree_hash

from generator.errors import Problems
from generator.outputs import search

BUNDLE = search.BUNDLE


def fragments(out: Path) -> dict[str, dict]:
    """URL → the record Pagefind stores for that page."""
    return {page["url"]: page for page in search.indexed_pages(out)}


def fake_indexer(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "fake_pagefind"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_build_writes_search_page_and_index(example_out: Path) -> None:
    assert (example_out / "search" / "index.html").is_file()
    for name in ("pagefind.js", "pagefind-entry.json", "wasm.unknown.pagefind"):
        assert (example_out / BUNDLE / name).is_file(), name
    assert list((example_out / BUNDLE).glob("pagefind.zh-cn_*.pf_meta")), "the index is in Chinese"
    # Pagefind's own UIs are never loaded by /search/, so they are not shipped.
    for name in search.UNUSED_FILES:
        assert not (example_out / BUNDLE / name).exists(), name


def test_index_holds_cases_reports_and_pages_only(example_out: Path) -> None:
    urls = set(fragments(example_out))
    assert "/cases/liangquan-bridge/" in urls and "/cases/yangzi-mama-ban/" in urls
    assert "/reports/county-consultation-roundup/" in urls
    assert {"/about/", "/how-to-raise/"} <= urls
    # Listings, the home page and drafts are not search results.
    assert not any(u.startswith(("/townships/", "/topics/", "/stages/", "/search/")) or u == "/" for u in urls)
    assert "/cases/huayang-convener/" not in urls


def test_case_records_carry_filters_and_meta(example_out: Path) -> None:
    bridge = fragments(example_out)["/cases/liangquan-bridge/"]
    assert bridge["filters"] == {"township": ["liangquan"], "stage": ["resolved"], "topic": ["transport"]}
    assert bridge["meta"]["title"] == "南干渠上架起新桥，凉泉乡两村群众出行恢复畅通"
    assert bridge["meta"]["date"] == "2021-06"
    assert "南干渠" in bridge["content"].replace("\u200b", "")  # Pagefind marks its word cuts with U+200B
    road = fragments(example_out)["/cases/zaojia-road-oversight/"]
    assert sorted(road["filters"]["topic"]) == ["construction-oversight", "transport"]


def test_search_page_lists_filters_and_loads_only_local_files(example_out: Path) -> None:
    html = (example_out / "search" / "index.html").read_text("utf-8")
    assert 'data-bundle="../search/pagefind/"' in html and 'data-root="../"' in html
    assert '<option value="liangquan">凉泉乡</option>' in html
    assert '<optgroup label="望江县">' in html
    assert '<option value="transport">交通出行</option>' in html
    assert '<option value="resolved">已办结</option>' in html
    assert '<option value="huayang">' not in html, "a township with no published case is not offered"
    assert 'src="../assets/search.js"' in html
    assert "http://" not in html.split("<main")[1] and "https://" not in html.split("<main")[1]
    assert (example_out / "assets" / "search.js").is_file() and (example_out / "assets" / "search.css").is_file()


def test_chosen_pagefind_is_the_npm_release() -> None:
    indexer = search.find_indexer(REPO, Problems())
    assert indexer is not None and indexer.preferred, "run `npm ci` (see README)"
    version = subprocess.run([str(indexer.binary), "--version"], capture_output=True, text=True, check=True).stdout
    pinned = json.loads((REPO / "package.json").read_text())["dependencies"]["pagefind"]
    assert version.split() == ["pagefind", pinned]


def test_index_is_byte_identical_across_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(body="南干渠上新建桥梁。")})
    assert run(["build", str(site), "-o", str(tmp_path / "one"), "--jobs", "1"], capsys)[0] == 0
    assert run(["build", str(site), "-o", str(tmp_path / "two"), "--jobs", "1"], capsys)[0] == 0
    assert tree_hash(tmp_path / "one" / "search") == tree_hash(tmp_path / "two" / "search")


def test_index_links_sites_get_index_html_urls_and_offline_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {
        "site.yaml": "title: 测试\nbase_url: https://example.org/\nindex_links: true\n",
        "content/cases/a.md": case_text(body="南干渠上新建<b>桥梁</b>。")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert "/cases/bridge/index.html" in fragments(out)
    script = (out / search.OFFLINE).read_text("utf-8")
    assert script.startswith("window.bulletinOffline = ") and script.endswith(";\n")
    [record] = json.loads(script[len("window.bulletinOffline = "):-2])
    assert record["url"] == "cases/bridge/index.html" and record["title"] == "南干渠新架桥梁"
    assert record["filters"] == {"township": ["liangquan"], "stage": ["resolved"], "topic": ["transport"]}
    assert "南干渠上新建桥梁。" in record["text"] and "\u200b" not in record["text"]
    assert 'data-offline="../search/offline.js"' in (out / "search" / "index.html").read_text("utf-8")


def test_offline_data_goes_when_index_links_is_turned_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试\nindex_links: true\n", "content/cases/a.md": case_text()})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert (out / search.OFFLINE).is_file()
    (site / "site.yaml").write_text("title: 测试\n", "utf-8")
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert not (out / search.OFFLINE).exists()
    assert "/cases/bridge/" in fragments(out)


def test_sites_served_over_http_get_no_offline_data(example_out: Path) -> None:
    assert not (example_out / search.OFFLINE).exists()
    assert "data-offline" not in (example_out / "search" / "index.html").read_text("utf-8")


def test_missing_indexer_fails_the_build_and_leaves_out_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text()})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    before = tree_hash(out)
    (site / "content" / "cases" / "b.md").write_text(case_text(title="另一件事", slug="other"), "utf-8")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "nowhere" / "pagefind_extended"))
    code, _, err = run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)
    assert code == 1
    assert err.strip() == f"pagefind: 环境变量 PAGEFIND_BINARY_PATH 指向的文件不存在：{tmp_path / 'nowhere' / 'pagefind_extended'}"
    assert tree_hash(out) == before
    assert not list(tmp_path.glob(".out.staging-*")), "the staging folder is removed"


def test_failing_indexer_is_reported_in_the_site_language(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "site", {
        "site.yaml": "title: Test\nbase_url: https://example.org/\nlanguage: en\n",
        "content/cases/a.md": case_text()})
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_indexer(tmp_path, "echo 'Error: disk full' >&2; exit 3")))
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 1
    assert err.strip() == "pagefind: building the search index failed: Error: disk full"
    assert not (tmp_path / "out").exists()


def test_indexer_that_writes_nothing_is_a_failure(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text()})
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake_indexer(tmp_path, "exit 0")))
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 1 and err.startswith("pagefind: 生成搜索索引失败")


def test_no_indexer_anywhere_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    monkeypatch.setattr(search, "candidate_binaries", lambda site_dir: [tmp_path / "none"])
    monkeypatch.setitem(__import__("sys").modules, "pagefind_bin_extended", None)  # as if not pip-installed
    problems = Problems()
    assert search.find_indexer(tmp_path, problems) is None
    assert [p.format() for p in problems.errors] == [
        ("pagefind: 找不到生成搜索索引的 Pagefind（extended 版）；请在 bulletin 源码目录运行 npm ci，"
         "或设置环境变量 PAGEFIND_BINARY_PATH 指向 pagefind_extended")]


def test_pypi_pagefind_is_a_fallback_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pagefind_bin_extended")
    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    monkeypatch.setattr(search, "candidate_binaries", lambda site_dir: [tmp_path / "none"])
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text()})
    code, _, err = run(["build", str(site), "-o", str(tmp_path / "out"), "--jobs", "1"], capsys)
    assert code == 0
    assert err.startswith("pagefind: warning: 正在使用 PyPI 版 Pagefind") and "npm ci" in err
    assert (tmp_path / "out" / BUNDLE / "pagefind.js").is_file()


def test_npm_binary_is_found_beside_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    first = search.candidate_binaries(tmp_path)[0]
    assert first.parent.parent.parent.parent == tmp_path / "node_modules"
    first.parent.mkdir(parents=True)
    first.write_text("#!/bin/sh\n")
    found = search.find_indexer(tmp_path, Problems())
    assert found == search.Indexer(first, True)
    assert os.path.basename(first).startswith("pagefind_extended")


def test_only_the_pages_of_this_build_are_indexed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An incremental build stages into the last build's tree, whose removed pages go only at the swap.
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text()})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    produced = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    stale = out / "cases" / "removed" / "index.html"
    stale.parent.mkdir()
    stale.write_text('<html lang="zh-CN"><body><main data-pagefind-body><h1>已删除的案例</h1></main></body></html>', "utf-8")
    search.index_site(site, out, "zh-CN", pages=produced)
    assert set(fragments(out)) == {"/cases/bridge/"}
    assert not (out / search.VIEW).exists()
    search.index_site(site, out, "zh-CN")
    assert set(fragments(out)) == {"/cases/bridge/", "/cases/removed/"}

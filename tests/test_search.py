"""/search/: the static index built into OUT (generator/build/searchindex.py, format in searchformat.py), read back here
the way assets/search-engine.js reads it; incremental patches equal clean builds byte for byte."""
from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import case_text, make_site, run, tree_hash
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import searchbuild
from generator.build import searchfiles as sfiles
from generator.build import searchformat as sf
from generator.build import searchindex as si

CJK = "南干渠桥梁妈妈班卫生室支渠弹性工作凉泉乡庙南社区𠀀𪚥〇豈"


def meta(out: Path) -> dict:
    return sfiles.read_json((out / sfiles.INDEX).read_bytes())


def documents(out: Path) -> list[list[str]]:
    """[url, title, date, text] of every document, by id."""
    info = meta(out)
    rows: list[list[str]] = []
    for number in range((info["documents"] + info["chunk"] - 1) // info["chunk"]):
        rows += sfiles.read_json((out / sfiles.chunk_path(number)).read_bytes())
    return rows


def facets(out: Path, doc_id: int) -> dict[str, list[str]]:
    info = meta(out)
    wt, ws, wp = info["widths"]
    row = sfiles.read_binary((out / sfiles.FACETS).read_bytes())[doc_id * (wt + ws + wp):(doc_id + 1) * (wt + ws + wp)]
    township, stage = int.from_bytes(row[:wt], "little"), int.from_bytes(row[wt:wt + ws], "little")
    bits = int.from_bytes(row[wt + ws:], "little")
    values = info["facets"]
    return {"township": [values["township"][township - 1]] if township else [],
            "stage": [values["stage"][stage - 1]] if stage else [],
            "topic": [t for k, t in enumerate(values["topic"]) if bits >> k & 1]}


def search(out: Path, query: str) -> list[str]:
    """URLs of the documents holding every query token, title hits first, then newest (as the engine)."""
    shards = meta(out)["shards"]
    lists = []
    for token in sf.query_tokens(query):
        entries = sf.parse_shard(sfiles.read_binary((out / sfiles.shard_path(sf.shard_of(token, shards))).read_bytes()))
        if token not in entries:
            return []
        lists.append([sf.decode_ids(part) for part in entries[token]])
    if not lists:
        return []
    ids = set.intersection(*(set(body) for body, _ in lists))
    rank = sorted(ids, key=lambda i: (-sum(i in title for _, title in lists), i))
    rows = documents(out)
    return [rows[i][0] for i in rank]


def test_build_writes_search_page_and_index(example_out: Path) -> None:
    assert (example_out / "search" / "index.html").is_file()
    info = meta(example_out)
    assert info["documents"] == len(documents(example_out)) == 11
    assert {p.name for p in (example_out / "search").iterdir()} == {"index.html", "index.js", "facets.js", "shards", "docs"}
    assert sorted(p.name for p in (example_out / "search" / "shards").iterdir()) == [f"{n}.js" for n in range(info["shards"])]
    assert not (example_out / "search" / "pagefind").exists()


def test_index_holds_cases_reports_and_pages_newest_first(example_out: Path) -> None:
    rows = documents(example_out)
    urls = [row[0] for row in rows]
    assert {"cases/liangquan-bridge/index.html", "cases/yangzi-mama-ban/index.html", "reports/county-consultation-roundup/index.html",
            "about/index.html", "how-to-raise/index.html"} <= set(urls)
    assert not any(u.startswith(("townships/", "topics/", "stages/", "search/")) or u == "" for u in urls)
    assert "cases/huayang-convener/index.html" not in urls, "a draft is not indexed"
    dated = [row[2] for row in rows if row[2]]
    assert dated == sorted(dated, reverse=True) and not any(row[2] for row in rows[len(dated):]), "newest first, undated last"


def test_case_records_carry_filters_text_and_facts(example_out: Path) -> None:
    rows = documents(example_out)
    bridge = next(i for i, row in enumerate(rows) if row[0] == "cases/liangquan-bridge/index.html")
    _, title, date, text = rows[bridge]
    assert title == "南干渠上架起新桥，凉泉乡两村群众出行恢复畅通" and date == "2021-06"
    assert text.startswith("在南干渠新建桥梁接通边道")  # the outcome, then the body without Markdown
    assert "## " not in text and "**" not in text and "](" not in text
    assert "韩店村" in text and "储琳" in text and "交通出行" in text  # villages, convener, topic from the front matter
    assert facets(example_out, bridge) == {"township": ["liangquan"], "stage": ["resolved"], "topic": ["transport"]}
    road = next(i for i, row in enumerate(rows) if row[0] == "cases/zaojia-road-oversight/index.html")
    assert facets(example_out, road)["topic"] == ["construction-oversight", "transport"]
    report = next(i for i, row in enumerate(rows) if row[0].startswith("reports/"))
    assert facets(example_out, report) == {"township": [], "stage": [], "topic": []}


@pytest.mark.parametrize(("query", "first"), [
    ("桥梁", "cases/liangquan-bridge/index.html"), ("南干渠", "cases/liangquan-bridge/index.html"), ("韩店村", "cases/liangquan-bridge/index.html"),
    ("妈妈班", "cases/yangzi-mama-ban/index.html"), ("弹性工作", "cases/yangzi-mama-ban/index.html"), ("庙南社区", "cases/miaonan-canal/index.html"),
    ("卫生室", "cases/saikou-clinic-inspection/index.html"), ("凉泉乡 桥梁", "cases/liangquan-bridge/index.html"),
])
def test_queries_find_their_case_first(example_out: Path, query: str, first: str) -> None:
    assert search(example_out, query)[0] == first


def test_a_query_needs_every_piece(example_out: Path) -> None:
    assert search(example_out, "火星基地") == []
    assert search(example_out, "桥梁 妈妈班") == []
    assert len(search(example_out, "委员")) > 10


def test_search_page_points_at_the_index_and_loads_only_local_files(example_out: Path) -> None:
    html = (example_out / "search" / "index.html").read_text("utf-8")
    assert 'data-bundle="../search/index.html"' in html
    assert re.search(r'data-engine="\.\./assets/search-engine\.js\?v=[0-9a-f]{10}"', html)
    assert 'data-root="../index.html"' in html
    assert '<option value="liangquan">凉泉乡</option>' in html and '<optgroup label="望江县">' in html
    assert '<option value="transport">交通出行</option>' in html and '<option value="resolved">已办结</option>' in html
    assert '<option value="huayang">' not in html, "a township with no published case is not offered"
    assert re.search(r'src="\.\./assets/search\.js\?v=[0-9a-f]{10}"', html)
    assert "http://" not in html.split("<main")[1] and "https://" not in html.split("<main")[1]
    for name in ("search.js", "search-engine.js", "search.css"):
        assert (example_out / "assets" / name).is_file()
    engine = (example_out / "assets" / "search-engine.js").read_text("utf-8")
    assert "http" not in engine.replace("https://", "").split("*/", 1)[1].replace("response", ""), "no other host"


def test_markdown_is_stripped_without_rendering() -> None:
    body = ("## 背景\n\n> 引用 **粗体** 和 [南干渠架桥](case:liangquan-bridge)，![图片说明](a.png)\n"
            "1. 第一条\n- 项目 `代码`\n\n| 表 | 格 |\n|---|---|\n<b>标签</b> &amp; \\*星号\\* <!-- 注释 -->\n"
            "[参考]: https://bulletin.test/\n")
    assert sf.plain(body) == "背景：引用 粗体 和 南干渠架桥，图片说明 第一条 项目 代码 表 格 标签 & 星号"
    # a heading ends with a colon (an excerpt no longer runs 已完工 背景 2021年6月 together)
    assert sf.plain("已完工。\n\n## 背景\n\n2021年6月 ##\n\n## Outcome ##\nDone.\n\n## 结果：\n完工 #1") == \
        "已完工。 背景：2021年6月 ## Outcome: Done. 结果：完工 #1"


def test_tokens_are_cjk_characters_bigrams_and_words() -> None:
    assert sf.tokens("南干渠，Bridge２０２１") == {"南", "干", "渠", "南干", "干渠", "bridge2021"}
    assert sf.tokens("桥 梁") == {"桥", "梁"}, "no bigram across a break"
    assert sf.query_tokens("南干渠") == {"南干", "干渠"} and sf.query_tokens("桥") == {"桥"}
    assert sf.query_tokens("ＰＭ2.5 治理") == {"pm2", "5", "治理"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 70000), unique=True, max_size=300))
def test_id_lists_round_trip_and_numpy_encodes_the_same_bytes(ids: list[int]) -> None:
    ids.sort()
    data = sf.encode_ids(ids)
    assert sf.decode_ids(data) == ids
    np = pytest.importorskip("numpy")
    doc_bits = 17
    lists = searchbuild._Lists(np.array([(5 << doc_bits) | i for i in ids], dtype=np.uint64), doc_bits)
    assert (lists.encoded(0) if ids else b"\x00") == data


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet=CJK + "aZ9_é①（），。 ·…\u3000ａ", min_size=0, max_size=30), min_size=1, max_size=8))
def test_numpy_build_equals_the_plain_python_build(texts: list[str]) -> None:
    class Doc:
        when = None
        digest = "x"

        def __init__(self, text: str) -> None:
            self.title, self.text = text[:5], text
    recs = [sf.Record(f"p{n}/", Doc(text)) for n, text in enumerate(texts)]  # type: ignore[arg-type]
    shards = sf.shard_count(len(recs))
    small = dict(si.small_index(recs, lambda doc: doc.text, shards))  # type: ignore[attr-defined]
    files: dict[str, bytes] = {}
    written = searchbuild.build_index(recs, lambda doc: doc.text, lambda rel, data: files.setdefault(rel, data) is data,  # type: ignore[attr-defined]
                                      shards, 4)
    assert files == small and written == set(small)


def test_numpy_build_of_a_real_site_equals_the_plain_python_build(example_out: Path) -> None:
    from conftest import REPO

    from generator.source.config import BuildOptions
    from generator.build.load import load_site
    site = load_site(REPO, BuildOptions(), save_cache=False)[0]
    recs, texts = sf.records(site), sf.Texts(site)
    files: dict[str, bytes] = {}
    written = searchbuild.build_index(recs, texts, lambda rel, data: files.setdefault(rel, data) is data, 4, 3)
    small = dict(si.small_index(recs, texts, 4))
    assert written == set(small) and files == small
    assert all(small[rel] == (example_out / rel).read_bytes() for rel in small if rel.startswith("search/docs/"))


def test_shard_hash_is_spread_and_stable() -> None:
    assert sf.shard_of("桥梁", 256) == sf.shard_of("桥梁", 256)
    counts = [0] * 16
    for a in "南干渠桥梁妈妈班卫生室支渠弹性工作":
        for b in "凉泉乡庙南社区委员协商群众":
            counts[sf.shard_of(a + b, 16)] += 1
    assert min(counts) > 0


def test_index_is_byte_identical_across_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"content/cases/a.md": case_text(body="南干渠上新建桥梁。")})
    assert run(["build", str(site), "-o", str(tmp_path / "one"), "--jobs", "1"], capsys)[0] == 0
    assert run(["build", str(site), "-o", str(tmp_path / "two"), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(tmp_path / "one" / "search") == tree_hash(tmp_path / "two" / "search")


def many_cases(n: int, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    words = ["桥梁", "支渠", "卫生室", "路灯", "妈妈班", "食堂", "清淤", "委员", "群众", "协商", "Wi-Fi", "5G"]
    return {f"content/cases/c{i:03d}.md": case_text(
        title=f"第{i}号{rng.choice(words)}协商", slug=f"c{i:03d}", date=f"20{10 + i % 12}-0{1 + i % 9}-1{i % 10}",
        township=rng.choice(["凉泉乡", "赛口镇"]), status=rng.choice(["raised", "resolved"]),
        body="\n\n".join("".join(rng.choices(words, k=12)) for _ in range(3))) for i in range(n)}


def set_field(site: Path, rel: str, key: str, value: str) -> None:
    """Rewrite one front matter line of a content file."""
    path = site / rel
    lines = [f"{key}: {value}" if line.startswith(f"{key}: ") else line for line in path.read_text("utf-8").split("\n")]
    path.write_text("\n".join(lines), "utf-8")


@pytest.mark.parametrize("change", ["body", "title", "stage", "township", "nothing"])
def test_warm_build_after_an_edit_equals_a_cold_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str) -> None:
    site = make_site(tmp_path / "site", many_cases(130))
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    rel = "content/cases/c017.md"
    doc_id, old = next((i, row) for i, row in enumerate(documents(out)) if row[0] == "cases/c017/index.html")
    if change == "body":
        with open(site / rel, "a", encoding="utf-8") as f:
            f.write("\n新增：光伏车棚和雨污分流，Solar 2025。\n")
    elif change == "title":
        set_field(site, rel, "title", "第十七号光伏车棚协商")
    elif change == "stage":
        set_field(site, rel, "status", "adopted")
    elif change == "township":
        set_field(site, rel, "township", "赛口镇" if "凉泉乡" in (site / rel).read_text("utf-8") else "凉泉乡")
    before = {p: p.stat().st_mtime_ns for p in (out / "search").rglob("*") if p.is_file()}
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert list((site / ".cache").glob("search-*.marshal")), "the index state is kept for the next build"
    clean = tmp_path / "clean"
    assert run(["build", str(site), "-o", str(clean), "--jobs", "1", "--no-cache"], capsys)[0] == 0
    assert tree_hash(out / "search") == tree_hash(clean / "search")
    rewritten = {p.relative_to(out).as_posix() for p in (out / "search").rglob("*")
                 if p.is_file() and before.get(p) != p.stat().st_mtime_ns}
    new = next(row for row in documents(out) if row[0] == "cases/c017/index.html")
    touched = sf.tokens(f"{old[1]} {old[3]}") ^ sf.tokens(f"{new[1]} {new[3]}")
    assert {r for r in rewritten if r.startswith("search/shards/")} == {
        sfiles.shard_path(sf.shard_of(t, meta(out)["shards"])) for t in touched}, "only the shards of changed tokens"
    assert {r for r in rewritten if r.startswith("search/docs/")} == (set() if old == new else {sfiles.chunk_path(doc_id // sf.CHUNK)})
    assert ("search/index.js" in rewritten) == (change != "nothing"), "the stamp changes with the content"
    assert ("search/facets.js" in rewritten) == (change in ("stage", "township"))
    assert meta(out)["shards"] == 4
    if change == "body":
        assert search(out, "光伏车棚") == ["cases/c017/index.html"] and search(out, "solar 2025") == ["cases/c017/index.html"]
    if change == "title":
        assert search(out, "光伏车棚") == ["cases/c017/index.html"] and search(out, "第17号") == []


def test_adding_removing_and_redating_rebuild_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", many_cases(30))
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    steps = [lambda: (site / "content/cases/new.md").write_text(
                 case_text(title="新加的幸福食堂", slug="new", date="2015-01-01", body="幸福食堂开张。"), "utf-8"),
             lambda: (site / "content/cases/c003.md").unlink(),
             lambda: set_field(site, "content/cases/c009.md", "date", "2023-05-05")]
    for step in steps:
        step()
        assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
        shutil.rmtree(clean, ignore_errors=True)
        assert run(["build", str(site), "-o", str(clean), "--no-cache"], capsys)[0] == 0
        assert tree_hash(out / "search") == tree_hash(clean / "search")
    assert search(out, "幸福食堂") == ["cases/new/index.html"]
    assert "cases/c003/index.html" not in [row[0] for row in documents(out)]
    assert documents(out)[0][0] == "cases/c009/index.html", "re-dated to the newest"


def test_a_hand_edited_index_file_is_not_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", many_cases(20))
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    good = tree_hash(out / "search")
    shard = out / sfiles.shard_path(0)
    data = shard.read_bytes()
    shard.unlink()
    shard.write_bytes(data[:-1])
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    assert tree_hash(out / "search") == good


def test_a_damaged_index_file_with_the_same_size_and_time_falls_back_to_a_clean_index(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    site = make_site(tmp_path / "site", many_cases(20))
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    set_field(site, "content/cases/c005.md", "title", "第五号光伏车棚")
    doc_id = next(i for i, row in enumerate(documents(out)) if row[0] == "cases/c005/index.html")
    chunk = out / sfiles.chunk_path(doc_id // sf.CHUNK)
    seen = chunk.stat()
    chunk.unlink()  # a new file, not a write through the link the spare tree shares
    chunk.write_bytes(b"x" * seen.st_size)
    os.utime(chunk, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert run(["build", str(site), "-o", str(out)], capsys)[0] == 0
    clean = tmp_path / "clean"
    assert run(["build", str(site), "-o", str(clean), "--no-cache"], capsys)[0] == 0
    assert tree_hash(out / "search") == tree_hash(clean / "search")
    assert search(out, "光伏车棚") == ["cases/c005/index.html"]


def test_every_index_file_is_a_script_of_one_call_naming_it(example_out: Path) -> None:
    # <script> elements load from file:// (a folder, a USB stick) where fetch() is refused.
    files = sorted(p for p in (example_out / "search").rglob("*.js"))
    assert {p.relative_to(example_out).as_posix() for p in files} == sfiles.all_files(meta(example_out)["documents"])
    for path in files:
        name = path.relative_to(example_out / "search").as_posix()[:-len(".js")]
        data = path.read_bytes()
        assert data.startswith(f'bulletinSearchData("{name}",'.encode()) and data.endswith(b");\n") and data.count(b"\n") == 1
        if name in ("index",) or name.startswith("docs/"):
            assert isinstance(sfiles.read_json(data), (dict, list))
        else:
            sfiles.read_binary(data)  # base64, or ValueError
    with pytest.raises(ValueError):
        sfiles.read_binary(b'bulletinSearchData("facets",{"a":1});\n')
    with pytest.raises(ValueError):
        sfiles.read_json(b'{"a": 1}')


def test_index_links_false_gives_folder_urls_and_a_warm_switch_equals_a_clean_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {"site.yaml": "title: 测试\nbase_url: https://bulletin.test/\n",
                                         "content/cases/a.md": case_text(body="南干渠上新建<b>桥梁</b>。")})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert search(out, "桥梁") == ["cases/bridge/index.html"]
    assert 'data-bundle="../search/index.html"' in (out / "search" / "index.html").read_text("utf-8")
    (site / "site.yaml").write_text("title: 测试\nbase_url: https://bulletin.test/\nindex_links: false\n", "utf-8")
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert search(out, "桥梁") == ["cases/bridge/"]
    assert documents(out)[0][3].startswith("南干渠上新建 桥梁 。")
    assert 'data-bundle="../search/"' in (out / "search" / "index.html").read_text("utf-8")
    clean = tmp_path / "clean"
    assert run(["build", str(site), "-o", str(clean), "--no-cache", "--jobs", "1"], capsys)[0] == 0
    assert tree_hash(out / "search") == tree_hash(clean / "search")


def test_a_site_with_no_documents_gets_an_empty_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site(tmp_path / "site", {})
    out = tmp_path / "out"
    assert run(["build", str(site), "-o", str(out), "--jobs", "1"], capsys)[0] == 0
    assert meta(out)["documents"] == 0 and sfiles.read_binary((out / sfiles.shard_path(0)).read_bytes()) == b""
    assert search(out, "桥梁") == []


def test_line_and_paragraph_separators_are_escaped_in_the_scripts() -> None:
    # Legal in JSON, but they ended a JavaScript string literal before 2019 (Chrome 66, Safari 12).
    data = sfiles.chunk_file(0, [["cases/x/index.html", "标题\u2028换行", "2021-06", "正文\u2029段落"]])
    assert "\u2028".encode() not in data and "\u2029".encode() not in data
    assert sfiles.read_json(data) == [["cases/x/index.html", "标题\u2028换行", "2021-06", "正文\u2029段落"]]

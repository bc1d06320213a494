"""Recall, download size and indexing time of /search/ (bulletin's own index) on the example
site plus generated cases.

    python3 benchmarks/search_recall.py [--cases 1000,10000] [--work DIR] [--site DIR ...]

For each size N it builds the repository's example site plus N generated cases with
`bulletin build`, then runs the queries below in headless Chromium, each through the real
search page (/search/?q=...) in a fresh browser context (a first visit), and prints:

- recall@3: the share of queries whose expected document is among the first three results;
- the index size per 1,000 documents (everything under search/ but the page itself);
- the bytes one query downloads (median, 90th percentile, max): index files, and with the
  engine (assets/search-engine.js);
- indexing time: the `search` phase of that cold build, the index made anew on its own
  (three runs), and the incremental patch after editing one case body (with a check that
  the patched index is byte-identical to a clean one).

`--site DIR` times the index alone on an existing site (e.g. one written by
benchmarks/generate.py 10000 DIR), without the browser.

The generated cases are made for measuring recall, not speed (benchmarks/generate.py is the
speed corpus): their filler never contains a query word, so every query has one right answer,
but it does contain near misses (北干渠, 卫生院, 毛渠, 庙北社区, plain 食堂 ...) that a search
which cuts Chinese words badly will confuse with the right one. Twenty made-up needles
(幸福食堂, 柳塘村 ...) are each planted in exactly one generated case.
"""
from __future__ import annotations

import argparse
import filecmp
import functools
import http.server
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.build import load, pipeline
from generator.build import writer
from generator.source.config import BuildOptions
from generator.build import searchindex

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]

# (query, expected OUT-relative URL) on the example site: places, things and phrases.
EXAMPLE_QUERIES = [
    ("桥梁", "cases/liangquan-bridge/"), ("南干渠", "cases/liangquan-bridge/"), ("凉泉乡", "cases/liangquan-bridge/"),
    ("韩店村", "cases/liangquan-bridge/"), ("储琳", "cases/liangquan-bridge/"), ("新桥", "cases/liangquan-bridge/"),
    ("凉泉乡 桥梁", "cases/liangquan-bridge/"), ("边道", "cases/liangquan-bridge/"),
    ("庙南社区", "cases/miaonan-canal/"), ("支渠", "cases/miaonan-canal/"), ("清淤", "cases/miaonan-canal/"),
    ("沈模玉", "cases/miaonan-canal/"), ("杨庙镇 支渠", "cases/miaonan-canal/"), ("岔路口", "cases/miaonan-canal/"),
    ("卫生室", "cases/saikou-clinic-inspection/"), ("家庭医生", "cases/saikou-clinic-inspection/"),
    ("健康档案", "cases/saikou-clinic-inspection/"), ("赛口镇 卫生室", "cases/saikou-clinic-inspection/"),
    ("妈妈班", "cases/yangzi-mama-ban/"), ("弹性工作", "cases/yangzi-mama-ban/"), ("新江玻璃厂", "cases/yangzi-mama-ban/"),
    ("按件计酬", "cases/yangzi-mama-ban/"), ("宝妈", "cases/yangzi-mama-ban/"), ("扬子街道 妈妈班", "cases/yangzi-mama-ban/"),
    ("社情民意", "cases/shuihu-sheqing-minyi/"), ("水湖镇", "cases/shuihu-sheqing-minyi/"),
    ("陈刘", "cases/zaojia-road-oversight/"), ("委员建言", "cases/zaojia-road-oversight/"),
    ("造甲乡", "cases/zaojia-road-oversight/"), ("议题清单", "cases/langya-issue-list/"),
    ("职能部门", "cases/yangzi-micro-consultation/"), ("活动组", "reports/county-consultation-roundup/"),
    ("如何反映问题", "how-to-raise/"), ("开放数据", "about/"),
]
# Made-up names and phrases, each planted in exactly one generated case.
NEEDLES = ["柳塘村", "石门社区", "杏花湾", "银杏长廊", "幸福食堂", "爱心早餐点", "共享菜园", "邻里互助队", "红白理事会",
           "老年助餐点", "夜市摊位", "光伏车棚", "雨污分流", "防溺水警示牌", "古树名木", "留守儿童之家", "排涝泵站",
           "乡村振兴车间", "快递进村", "小微水体"]

# Filler for generated cases: townships without an example case, ordinary things and near misses.
TOWNSHIPS = ["杨湾镇", "漳湖镇", "长岭镇", "高士镇", "鸦滩镇", "太慈镇", "雷池乡", "庄墓镇", "吴山镇", "岗集镇",
             "下塘镇", "西涧街道", "东南街道"]
TOPICS = ["交通出行", "医疗卫生", "农田水利", "就业创业", "工程监督", "基层治理"]
THINGS = ["路灯", "排水沟", "垃圾清运", "停车位", "充电桩", "自来水管网", "健身器材", "农贸市场", "养老服务站", "文化广场",
          "公交站台", "污水管网", "防汛物资", "农村电网", "快递驿站", "便民服务中心", "老旧小区", "加装电梯", "河道保洁",
          "蔬菜大棚", "茶园道路", "水产养殖", "村级食堂", "社区菜园", "北干渠", "东干渠", "卫生院", "毛渠", "石桥",
          "庙北社区", "妈妈驿站", "泵站", "车棚", "警示牌", "早餐店", "互助会", "长廊", "理事会"]
PROBLEMS = ["年久失修", "损坏严重", "数量不够", "位置不合理", "管护缺位", "资金没有着落", "群众意见较大", "存在安全隐患"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英华明丽军敏静强磊洋艳勇杰娟涛超霞平刚桂芳红玉兰云凤春海燕国荣建新志文德福"
VILLAGE_HEADS = "东西前后上下大小新老高低青白黄"
VILLAGE_TAILS = ["庄村", "岗村", "圩村", "湾村", "集村", "店村", "冲村", "畈村", "墩社区", "岭社区"]
STAGES = ["raised", "adopted", "consulting", "following_up", "resolved"]
FORMS = ["议事会", "微协商", "视察", "座谈会", "调研"]


def _filler(rng: random.Random, township: str) -> tuple[str, str, str]:
    """(title, outcome, body) of one generated case."""
    thing, other = rng.sample(THINGS, 2)
    village = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_TAILS)
    person = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    problem = rng.choice(PROBLEMS)
    title = f"{township}{village}{thing}{problem}，委员协商推动解决"
    outcome = f"{thing}问题列入年度计划，{rng.randint(2, 9)}个月内完成"
    sentences = [
        f"{township}{village}的群众反映，{thing}{problem}，给生产生活带来不便。",
        f"召集人{person}带领{rng.randint(3, 12)}名政协委员实地察看{thing}，并走访了{rng.randint(10, 80)}户居民。",
        f"委员们召开{rng.choice(FORMS)}，请{rng.choice(['村两委', '镇有关部门', '施工单位', '居民代表'])}一起商量办法。",
        f"大家认为，{thing}和{other}的问题要一起考虑，分步实施。",
        f"协商形成{rng.randint(2, 6)}条意见，明确了资金来源和完成时间。",
        f"项目投入资金{rng.randint(5, 300)}万元，受益群众约{rng.randint(50, 3000)}人。",
        f"委员每月到现场查看进度，{other}的整治也同步推进。",
        f"村民{rng.choice(SURNAMES)}{rng.choice(GIVEN)}说：“{thing}的事情终于有人管了。”",
    ]
    rng.shuffle(sentences)
    body = "## 背景\n\n" + "".join(sentences[:4]) + "\n\n## 协商过程\n\n" + "".join(sentences[4:]) + "\n\n## 结果\n\n" + outcome + "。\n"
    return title, outcome, body


def generated_cases(n: int, seed: int = 20240) -> Iterator[tuple[str, str]]:
    """(slug, file text) for n deterministic cases; needle k goes into case needle_case(k, n)."""
    rng = random.Random(seed)
    planted = {needle_case(k, n): needle for k, needle in enumerate(NEEDLES)}
    for i in range(n):
        township = TOWNSHIPS[i % len(TOWNSHIPS)]
        title, outcome, body = _filler(rng, township)
        needle = planted.get(i)
        if needle and i % 2:
            title = f"{township}{needle}协商纪实"
        elif needle:
            body += f"\n另外，{needle}的事情也在这次协商中商定，群众比较满意。\n"
        topics = ", ".join(rng.sample(TOPICS, rng.randint(1, 2)))
        date = f"{2016 + i % 8}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        slug = f"gen-{i:05d}"
        yield slug, (f"---\ntitle: {title}\ndate: {date}\ntownship: {township}\ntopics: [{topics}]\n"
                     f"status: {rng.choice(STAGES)}\nform: {rng.choice(FORMS)}\noutcome: {outcome}\nslug: {slug}\n---\n{body}")


def needle_case(k: int, n: int) -> int:
    return (k * 7919 + 13) % n


def queries(n: int) -> list[tuple[str, str]]:
    return EXAMPLE_QUERIES + [(needle, f"cases/gen-{needle_case(k, n):05d}/") for k, needle in enumerate(NEEDLES)]


def make_site(root: Path, n: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "content", root / "content")
    folder = root / "content" / "cases" / "generated"
    folder.mkdir()
    words = {w for q, _ in EXAMPLE_QUERIES for w in q.split()}
    planted = {needle_case(k, n) for k in range(len(NEEDLES))}
    for i, (slug, text) in enumerate(generated_cases(n)):
        # Guard: the filler must never contain a query, or a query would have many right answers.
        found = [w for w in words | set(NEEDLES) if w in text and not (i in planted and w in NEEDLES)]
        assert not found, (slug, found)
        (folder / f"{slug}.md").write_text(text, "utf-8")


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass
    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a browser context closed while a file was still being sent
    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def ui_query(browser, base: str, query: str) -> tuple[list[str], int, int]:  # type: ignore[no-untyped-def]
    """Open /search/?q=QUERY in a fresh browser context (cold cache), as a visitor would.

    Returns the paths of the first three results shown, the bytes downloaded from search/
    (the index files; not the page itself) and those plus the engine module.
    """
    context = browser.new_context()
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(base + "search/?q=" + quote(query))
    page.wait_for_function("() => { const s = document.getElementById('search-status').textContent;"
                           " return s && !s.endsWith('\u2026'); }", timeout=120000)
    page.wait_for_load_state("networkidle")
    hrefs = page.eval_on_selector_all("#search-results .search-result-title a", "as => as.slice(0, 3).map(a => a.pathname)")
    index = engine = 0
    for response in responses:
        path = urlsplit(response.url).path
        if path.startswith("/search/") and path != "/search/":
            index += len(response.body())
        elif path == "/assets/search-engine.js":
            engine += len(response.body())
    context.close()
    return hrefs, index, index + engine


def index_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in (out / "search").rglob("*") if p.is_file() and p.name != "index.html")


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_timing(site_dir: Path, work: Path, label: str) -> None:
    """Time the index on its own: made anew (three runs), then patched after one body edit."""
    opts = BuildOptions(jobs=2)
    started = time.perf_counter()
    site, _, _ = load.load_site(site_dir, opts)
    loaded = time.perf_counter() - started
    rss_loaded = max_rss_mib()
    out = work / f"index-{label}"
    spare = site_dir / ".cache" / "spare-search-benchmark"   # as pipeline.build keeps one
    documents = len(searchindex.records(site))
    runs = []
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        for state in (site_dir / ".cache").glob("search-*.marshal"):
            state.unlink()
        tx = writer.Transaction(out, spare)
        started, cpu = time.perf_counter(), time.process_time()
        bundle = searchindex.write_index(site, site_dir, tx, True)
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
        tx.commit(bundle.files, bundle.written)
        bundle.save()
    size = index_bytes(out)
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    print(f"[{label}] {documents} documents (site loaded in {loaded:.1f} s): index made anew in {walls[1]:.2f} s wall "
          f"(median of 3; fastest {walls[0]:.2f} s), {cpus[1]:.2f} s CPU; {size / 1e6:.1f} MB in {len(bundle.files)} files, "
          f"{size / documents:.0f} bytes per document; peak RSS {rss_loaded:.0f} MiB with the site loaded, "
          f"{max_rss_mib():.0f} MiB after indexing")
    case = next(r.doc for r in searchindex.records(site) if r.doc.kind == "case")
    path = site_dir / case.path
    original = path.read_bytes()
    try:
        tx = writer.Transaction(out, spare)   # a build that changed nothing: the spare tree is now in step
        bundle = searchindex.write_index(site, site_dir, tx, True)
        tx.commit(bundle.files, bundle.written)
        bundle.save()
        path.write_bytes(original.rstrip(b"\n") + "\n\n补记：光伏车棚和雨污分流工程同步推进。\n".encode())
        site, _, _ = load.load_site(site_dir, opts)
        tx = writer.Transaction(out, spare)
        started = time.perf_counter()
        bundle = searchindex.write_index(site, site_dir, tx, True)
        patched = time.perf_counter() - started
        tx.commit(bundle.files, bundle.written)
        started = time.perf_counter()
        bundle.save()
        saved = time.perf_counter() - started
        clean = work / f"index-{label}-clean"
        shutil.rmtree(clean, ignore_errors=True)
        tx = writer.Transaction(clean, None)
        fresh = searchindex.write_index(site, site_dir, tx, False)
        tx.commit(fresh.files, fresh.written)
        same = not filecmp.dircmp(out / "search", clean / "search").diff_files and all(
            (out / rel).read_bytes() == (clean / rel).read_bytes() for rel in fresh.files)
        print(f"[{label}] after editing one case body: index {bundle.how} in {patched * 1000:.0f} ms "
              f"(+ {saved * 1000:.0f} ms to save its state after the swap), {len(bundle.written)} files rewritten; "
              f"byte-identical to a clean index: {'yes' if same else 'NO'}")
    finally:
        path.write_bytes(original)


def measure(work: Path, n: int, browser) -> None:  # type: ignore[no-untyped-def]
    site, out = work / f"site-{n}", work / f"out-{n}"
    make_site(site, n)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    report = pipeline.build(site, out, BuildOptions(jobs=os.cpu_count() or 1))
    build_seconds = time.perf_counter() - started
    phase = dict(report.alongside).get("search", 0.0)
    documents = searchindex.records(load.load_site(site, BuildOptions())[0]).__len__()
    qs = queries(n)
    print(f"\n== example site + {n} generated cases ({documents} documents), {len(qs)} queries; "
          f"cold build {build_seconds:.1f} s; the search index took {phase:.2f} s alongside rendering")
    index_timing(site, work, f"{n}")
    with serve(out) as base:
        runs = [ui_query(browser, base, q) for q, _ in qs]
    misses = [(q, want, top) for (q, want), (top, _, _) in zip(qs, runs) if "/" + want not in top]
    recall = 1 - len(misses) / len(qs)
    print(f"recall@3 {recall:.3f} ({len(qs) - len(misses)}/{len(qs)}); index {index_bytes(out) / documents * 1000 / 1e6:.2f} MB "
          f"per 1,000 documents")
    for q, want, top in misses:
        print(f"    miss: {q!r} expected /{want}, got {top}")
    index_sizes = sorted(r[1] for r in runs)
    totals = sorted(r[2] for r in runs)
    p90 = lambda xs: xs[int(0.9 * (len(xs) - 1))]
    print(f"one query through /search/ (cold cache) downloads: index files median {statistics.median(index_sizes) / 1000:.0f} kB "
          f"(p90 {p90(index_sizes) / 1000:.0f} kB, max {index_sizes[-1] / 1000:.0f} kB); with the engine module median "
          f"{statistics.median(totals) / 1000:.0f} kB (p90 {p90(totals) / 1000:.0f} kB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="1000,10000", help="comma-separated numbers of generated cases ('' for none)")
    parser.add_argument("--work", type=Path, default=None, help="keep the generated sites here")
    parser.add_argument("--site", type=Path, action="append", default=[], help="also time the index alone on this site")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="search-recall-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for site in args.site:
            index_timing(site.resolve(), work, site.name)
        sizes = [int(x) for x in args.cases.split(",") if x]
        if sizes:
            from playwright.sync_api import sync_playwright
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for n in sizes:
                    measure(work, n, browser)
                browser.close()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

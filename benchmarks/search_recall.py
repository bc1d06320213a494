"""Recall and download size of /search/ (Pagefind) on the example site plus generated cases.

    python3 benchmarks/search_recall.py [--cases 1000,10000] [--work DIR]

For each size N it builds the repository's example site plus N generated cases with
`bulletin build` (which indexes with the npm Pagefind 1.6.0), indexes the same HTML again
with the PyPI Pagefind 1.5.2 (`pip install "pagefind[extended]"`) when that is installed,
then runs the queries below in headless Chromium against each index and prints:

- recall@3: the share of queries whose expected document is among the first three results;
- index size per 1,000 documents (index files only, and the whole bundle with its JS and WASM);
- the bytes a typical query downloads (median and 90th percentile over the queries).

Every query goes through the real search page (/search/?q=...) in a fresh browser context,
so recall includes the page's own ranking step and the bytes are those of a first visit.
- how long indexing takes, on the example site alone and on each generated site.

The generated cases are made for measuring recall, not speed (benchmarks/generate.py is the
speed corpus): their filler never contains a query word, so every query has one right answer,
but it does contain near misses (北干渠, 卫生院, 毛渠, 庙北社区, plain 食堂 ...) that a search
which cuts Chinese words badly will confuse with the right one. Twenty made-up needles
(幸福食堂, 柳塘村 ...) are each planted in exactly one generated case.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.cli import main as bulletin
from generator.outputs import search

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

    Returns the paths of the first three results shown, and the bytes downloaded from the
    search bundle: index files only (.pf_*), and everything (with pagefind.js, worker, WASM).
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
    index = total = 0
    for response in responses:
        if f"/{search.BUNDLE}/" in response.url:
            size = len(response.body())
            total += size
            index += size if ".pf_" in response.url else 0
    context.close()
    return hrefs, index, total


def bundle_size(out: Path) -> tuple[int, int]:
    """(index files, whole bundle) in bytes."""
    files = [p for p in (out / search.BUNDLE).rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files if ".pf_" in p.name), sum(p.stat().st_size for p in files)


def timed_index(site: Path, out: Path, binary: Path | None) -> float:
    shutil.rmtree(out / search.BUNDLE, ignore_errors=True)
    old = os.environ.pop("PAGEFIND_BINARY_PATH", None)
    if binary:
        os.environ["PAGEFIND_BINARY_PATH"] = str(binary)
    try:
        started = time.perf_counter()
        search.index_site(site, out, "zh-CN")
        return time.perf_counter() - started
    finally:
        os.environ.pop("PAGEFIND_BINARY_PATH", None)
        if old:
            os.environ["PAGEFIND_BINARY_PATH"] = old


def pypi_binary() -> Path | None:
    try:
        from pagefind_bin_extended import get_executable  # type: ignore[import-not-found]
        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        return None


def measure(work: Path, n: int, browser) -> None:  # type: ignore[no-untyped-def]
    site, out = work / f"site-{n}", work / f"out-{n}"
    make_site(site, n)
    started = time.perf_counter()
    assert bulletin(["build", str(site), "-o", str(out), "--jobs", str(os.cpu_count() or 1)]) == 0
    build_seconds = time.perf_counter() - started
    documents = n + len(list((REPO / "content").rglob("*.md")))
    versions: list[tuple[str, Path | None]] = [("1.6.0 npm", None)]
    if pypi_binary():
        versions.append(("1.5.2 PyPI", pypi_binary()))
    qs = queries(n)
    print(f"\n== example site + {n} generated cases ({documents} documents), {len(qs)} queries; "
          f"build {build_seconds:.1f} s with indexing")
    for label, binary in versions:
        folder = out if binary is None else work / f"out-{n}-152"
        if binary is not None:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(out, folder, copy_function=os.link)
        seconds = min(timed_index(site, folder, binary) for _ in range(2 if n <= 1000 else 1))
        index_bytes, bundle_bytes = bundle_size(folder)
        with serve(folder) as base:
            runs = [ui_query(browser, base, q) for q, _ in qs]
        misses = [(q, want, top) for (q, want), (top, _, _) in zip(qs, runs) if "/" + want not in top]
        recall = 1 - len(misses) / len(qs)
        print(f"[{label}] recall@3 {recall:.3f} ({len(qs) - len(misses)}/{len(qs)}); indexing {seconds:.2f} s; "
              f"index {index_bytes / 1024 / documents * 1000:.0f} kB per 1,000 documents "
              f"(whole bundle with JS and WASM: {bundle_bytes / 1024:.0f} kB)")
        for q, want, top in misses:
            print(f"    miss: {q!r} expected /{want}, got {top}")
        index_sizes = sorted(r[1] for r in runs)
        totals = sorted(r[2] for r in runs)
        p90 = lambda xs: xs[int(0.9 * (len(xs) - 1))]
        print(f"[{label}] one query through /search/ (cold cache) downloads: index median "
              f"{statistics.median(index_sizes) / 1024:.0f} kB (p90 {p90(index_sizes) / 1024:.0f} kB, max "
              f"{index_sizes[-1] / 1024:.0f} kB); with pagefind.js, worker and WASM median "
              f"{statistics.median(totals) / 1024:.0f} kB (p90 {p90(totals) / 1024:.0f} kB)")


def example_index_time(work: Path) -> None:
    out = work / "out-example"
    assert bulletin(["build", str(REPO), "-o", str(out), "--jobs", "1"]) == 0
    runs = sorted(timed_index(REPO, out, None) for _ in range(5))
    print(f"indexing the example site ({len(list((REPO / 'content').rglob('*.md')))} documents) with 1.6.0: "
          f"median {runs[2] * 1000:.0f} ms of 5 runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="1000,10000", help="comma-separated numbers of generated cases")
    parser.add_argument("--work", type=Path, default=None, help="keep the generated sites here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = args.work or Path(tempfile.mkdtemp(prefix="search-recall-"))
    try:
        example_index_time(work)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in [int(x) for x in args.cases.split(",")]:
                measure(work, n, browser)
            browser.close()
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

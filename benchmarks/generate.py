"""Deterministic generator of N realistic Chinese consultation cases.

    python3 benchmarks/generate.py N DIR [--pelican DIR2] [--hugo DIR3]

writes a bulletin site with N cases (200 townships in 20 counties, 12 topics,
~2.3 KB of Markdown per case with headings, lists, quotes and bold text, front
matter with every field) and, if asked, the same cases as a Pelican site and a
Hugo site, so the generators can be compared on one corpus.
"""
from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path
from typing import Any

COUNTIES = ["望江县", "长丰县", "琅琊区", "肥西县", "怀远县", "舒城县", "泾县", "歙县", "霍邱县", "寿县",
            "太湖县", "宿松县", "潜山市", "桐城市", "枞阳县", "庐江县", "无为市", "含山县", "和县", "当涂县"]
COUNTY_SLUGS = ["wangjiang", "changfeng", "langya", "feixi", "huaiyuan", "shucheng", "jingxian", "shexian",
                "huoqiu", "shouxian", "taihu", "susong", "qianshan", "tongcheng", "zongyang", "lujiang",
                "wuwei", "hanshan", "hexian", "dangtu"]
TOWN_STEMS = ["凉泉", "赛口", "杨庙", "造甲", "扬子", "华阳", "杨湾", "漳湖", "长岭", "高士"]
TOWN_SLUGS = ["liangquan", "saikou", "yangmiao", "zaojia", "yangzi", "huayang", "yangwan", "zhanghu", "changling", "gaoshi"]
TOPICS = [("交通出行", "transport"), ("医疗卫生", "health"), ("农田水利", "irrigation"), ("就业创业", "employment"),
          ("工程监督", "oversight"), ("基层治理", "governance"), ("教育托育", "education"), ("养老服务", "elderly"),
          ("人居环境", "environment"), ("饮水安全", "water"), ("文化体育", "culture"), ("社会保障", "welfare")]
STAGES = ["raised", "adopted", "consulting", "following_up", "resolved"]
FORMS = ["议事会", "微协商", "视察", "座谈会", "调研"]
THINGS = ["桥梁", "支渠", "卫生室", "村道", "路灯", "排水沟", "公交站", "幼儿园", "养老站", "自来水管网",
          "农贸市场", "文化广场", "垃圾转运点", "渡口", "堤坝", "健身步道", "停车场", "菜地", "泵站", "学校门口"]
PROBLEMS = ["年久失修，群众出行不便", "淤塞严重，雨季排水困难", "设施不足，老人看病要跑远路", "施工进度慢，存在安全隐患",
            "供需脱节，群众反映强烈", "管理不到位，环境脏乱差", "缺少资金，村里难以自行解决"]
PEOPLE = ["村民代表", "政协委员", "乡镇干部", "企业负责人", "社区网格员", "施工单位", "县直部门"]


def paragraph(rng: random.Random, thing: str, town: str) -> str:
    parts = []
    for _ in range(rng.randint(3, 5)):
        parts.append(rng.choice([
            f"{town}群众反映，{thing}{rng.choice(PROBLEMS)}。",
            f"政协工作召集人组织{rng.randint(3, 12)}名委员实地察看{thing}，并与{rng.choice(PEOPLE)}座谈。",
            f"经过{rng.randint(2, 4)}轮协商，大家一致认为应当尽快对{thing}进行改造，并明确了责任分工。",
            f"项目列入民生工程后，共投入资金{rng.randint(5, 300)}万元，涉及{rng.randint(50, 3000)}名群众。",
            f"委员们跟踪督办，每月到现场查看一次进度，及时向{rng.choice(PEOPLE)}反馈群众意见。",
        ]))
    return "".join(parts)


def body(rng: random.Random, thing: str, town: str) -> str:
    lines = ["## 背景", "", paragraph(rng, thing, town), "", f"**主要问题**：{thing}{rng.choice(PROBLEMS)}。", "",
             "## 协商过程", "", paragraph(rng, thing, town), ""]
    lines += [f"- {rng.choice(PEOPLE)}提出：{paragraph(rng, thing, town)[:40]}" for _ in range(3)]
    lines += ["", f"> {rng.choice(['现在好多了', '终于解决了', '委员们真给力'])}，{thing}的事情有人管了。", "",
              "## 结果", "", paragraph(rng, thing, town), "", paragraph(rng, thing, town), ""]
    return "\n".join(lines)


def cases(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        county = i % len(COUNTIES)
        town = (i // len(COUNTIES)) % 10
        town_name = f"{TOWN_STEMS[town]}{'乡' if town % 3 == 0 else '镇'}"
        thing = rng.choice(THINGS)
        topics = rng.sample(TOPICS, rng.randint(1, 2))
        status = STAGES[rng.randrange(5)]
        year, month, day = 2018 + i % 7, 1 + rng.randrange(12), 1 + rng.randrange(28)
        yield {
            "index": i, "slug": f"case-{i:06d}", "title": f"{COUNTIES[county]}{town_name}{thing}问题协商第{i}号",
            "county": COUNTIES[county], "county_slug": COUNTY_SLUGS[county], "township": town_name,
            "township_slug": f"{COUNTY_SLUGS[county]}-{TOWN_SLUGS[town]}", "topics": topics, "status": status,
            "date": f"{year}-{month:02d}-{day:02d}", "form": rng.choice(FORMS), "participants": rng.randint(3, 15),
            "beneficiaries": rng.randint(20, 5000), "thing": thing,
            "body": body(rng, thing, town_name), "month": f"{year}-{month:02d}",
        }


def places_yaml() -> str:
    lines = ["- name: 安徽省", "  slug: anhui", "  children:", "    - name: 示例市", "      slug: shili", "      children:"]
    for county, cslug in zip(COUNTIES, COUNTY_SLUGS):
        lines += [f"        - name: {county}", f"          slug: {cslug}", "          children:"]
        for t, (stem, tslug) in enumerate(zip(TOWN_STEMS, TOWN_SLUGS)):
            lines += [f"            - name: {stem}{'乡' if t % 3 == 0 else '镇'}", f"              slug: {cslug}-{tslug}"]
    return "\n".join(lines) + "\n"


PHOTO_EVERY = 10         # with photos, one case in ten is a folder with two photos
PHOTO_SIZE = (1080, 720)  # what a phone photo is after a chat app has passed it on


def _photo_bases(count: int = 12) -> list[Any]:
    """A few drawn scenes (gradients, shapes, grain) that every benchmark photo starts from."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(11)
    bases = []
    w, h = PHOTO_SIZE
    for _ in range(count):
        sky = Image.linear_gradient("L").resize((w, h))
        image = Image.merge("RGB", (sky.point(lambda v: 90 + v // 3), sky.point(lambda v: 140 + v // 4), Image.new("L", (w, h), 200)))
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x, y = rng.randrange(w), rng.randrange(h)
            draw.ellipse((x, y, x + rng.randrange(30, 300), y + rng.randrange(30, 200)),
                         fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        grain = Image.effect_noise((w, h), 12).convert("RGB")
        bases.append(Image.blend(image, grain, 0.15).filter(ImageFilter.GaussianBlur(1)))
    return bases


def photo_bytes(bases: list[Any], index: int) -> bytes:
    """A distinct JPEG for photo `index`: a base scene with a mark of its own."""
    import io
    from PIL import ImageDraw
    image = bases[index % len(bases)].copy()
    rng = random.Random(index)
    ImageDraw.Draw(image).rectangle((rng.randrange(900), rng.randrange(600), rng.randrange(900, 1080), rng.randrange(600, 720)),
                                    fill=(index % 256, (index // 256) % 256, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_bulletin(n: int, root: Path, photos: bool = False) -> None:
    """The bulletin site; with `photos`, one case in PHOTO_EVERY is a folder with two photos beside it."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "content" / "cases").mkdir(parents=True)
    (root / "site.yaml").write_text("title: 基准测试公报\nbase_url: https://bench.example.org/\nper_page: 20\n", "utf-8")
    (root / "content" / "places.yaml").write_text(places_yaml(), "utf-8")
    (root / "content" / "topics.yaml").write_text(
        "".join(f"- name: {name}\n  slug: {slug}\n" for name, slug in TOPICS), "utf-8")
    bases = _photo_bases() if photos else []
    for c in cases(n):
        topics = ", ".join(name for name, _ in c["topics"])
        text = (f"---\ntitle: {c['title']}\ndate: {c['date']}\ntownship: {c['county']}/{c['township']}\n"
                f"topics: [{topics}]\nstatus: {c['status']}\nform: {c['form']}\nconvener: 政协工作召集人\n"
                f"participants: {c['participants']}\nbeneficiaries: {c['beneficiaries']}\n"
                f"outcome: {c['thing']}问题已协商解决方案\ntimeline:\n"
                f"  - {{date: {c['month']}, stage: raised, text: 群众反映{c['thing']}问题}}\n"
                f"  - {{date: {c['month']}, stage: consulting, text: 召开议事会}}\n"
                f"source: {{name: 示例来源, url: https://example.org/{c['index']}}}\nslug: {c['slug']}\n---\n{c['body']}")
        if photos and c["index"] % PHOTO_EVERY == 0:
            folder = root / "content" / "cases" / c["slug"]
            folder.mkdir()
            for k in (1, 2):
                (folder / f"photo-{k}.jpg").write_bytes(photo_bytes(bases, c["index"] * 2 + k))
            text = text.replace("\nslug:", f"\nphotos:\n  - {{file: photo-1.jpg, alt: {c['thing']}现场}}\n"
                                f"  - {{file: photo-2.jpg, alt: {c['thing']}改造后}}\nslug:", 1)
            (folder / "index.md").write_text(text, "utf-8")
            continue
        (root / "content" / "cases" / f"{c['slug']}.md").write_text(text, "utf-8")


def write_pelican(n: int, root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "content").mkdir(parents=True)
    (root / "pelicanconf.py").write_text(
        "SITENAME = '基准测试公报'\nSITEURL = ''\nPATH = 'content'\nTIMEZONE = 'Asia/Shanghai'\nDEFAULT_LANG = 'zh'\n"
        "DEFAULT_PAGINATION = 20\nFEED_ALL_ATOM = 'feed.xml'\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n"
        "AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nTAG_FEED_ATOM = 'topics/{slug}/feed.xml'\n"
        "ARTICLE_URL = 'cases/{slug}/'\nARTICLE_SAVE_AS = 'cases/{slug}/index.html'\n"
        "CATEGORY_URL = 'townships/{slug}/'\nCATEGORY_SAVE_AS = 'townships/{slug}/index.html'\n"
        "TAG_URL = 'topics/{slug}/'\nTAG_SAVE_AS = 'topics/{slug}/index.html'\n"
        "MARKDOWN = {'extension_configs': {'markdown.extensions.extra': {}, 'markdown.extensions.toc': {}}, 'output_format': 'html5'}\n"
        "LOAD_CONTENT_CACHE = False\n", "utf-8")
    for c in cases(n):
        tags = ", ".join(slug for _, slug in c["topics"])
        (root / "content" / f"{c['slug']}.md").write_text(
            f"Title: {c['title']}\nDate: {c['date']}\nCategory: {c['township_slug']}\nTags: {tags}\nSlug: {c['slug']}\n"
            f"Summary: {c['thing']}问题已协商解决方案\n\n{c['body']}", "utf-8")


def write_hugo(n: int, root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "content" / "cases").mkdir(parents=True)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "hugo.toml").write_text(
        "baseURL = 'https://bench.example.org/'\ntitle = '基准测试公报'\nlanguageCode = 'zh-CN'\n"
        "[taxonomies]\n  township = 'townships'\n  topic = 'topics'\n[pagination]\n  pagerSize = 20\n", "utf-8")
    layouts = root / "layouts" / "_default"
    (layouts / "baseof.html").write_text("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n", "utf-8")
    (layouts / "single.html").write_text("{{ define \"main\" }}<article><h1>{{ .Title }}</h1>{{ .Content }}</article>{{ end }}\n", "utf-8")
    (layouts / "list.html").write_text("{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n", "utf-8")
    for c in cases(n):
        topics = ", ".join(f"'{slug}'" for _, slug in c["topics"])
        (root / "content" / "cases" / f"{c['slug']}.md").write_text(
            f"---\ntitle: '{c['title']}'\ndate: {c['date']}\nslug: {c['slug']}\ntownships: ['{c['township_slug']}']\n"
            f"topics: [{topics}]\n---\n{c['body']}", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--pelican", type=Path)
    parser.add_argument("--hugo", type=Path)
    parser.add_argument("--photos", action="store_true", help=f"one case in {PHOTO_EVERY} gets two photos")
    args = parser.parse_args()
    write_bulletin(args.n, args.dir, args.photos)
    if args.pelican:
        write_pelican(args.n, args.pelican)
    if args.hugo:
        write_hugo(args.n, args.hugo)


if __name__ == "__main__":
    main()

"""Parsing and validating one content file: cases, reports (Hexo/Jekyll) and pages."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_site

from generator.source.config import load_config
from generator.source.content import parse_document
from generator.source.discovery import discover
from generator.source.readers import Context
from generator.core.errors import Problem, Problems
from generator.source.model import Case, Page, Report
from generator.source.places import load_places
from generator.source.topics import load_topics


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    return context_for(tmp_path)


def context_for(root: Path, site_yaml: str = "title: 测试\n") -> Context:
    make_site(root, {"site.yaml": site_yaml})
    problems = Problems()
    config = load_config(root, problems)
    context = Context(config, load_places(root, problems), load_topics(root, problems))
    assert not problems.items
    return context


def parse(ctx: Context, text: str | bytes, kind: str = "cases", rel: str = "") -> tuple[object, list[str]]:
    rel = rel or f"content/{kind}/x.md"
    data = text.encode("utf-8") if isinstance(text, str) else text
    doc, problems = parse_document(kind, rel, data, ctx)
    return doc, [p.format() for p in sorted(problems)]


def case_file(*lines: str, body: str = "正文。") -> str:
    base = {"title": "南干渠新架桥梁", "date": "2021-06-20", "township": "凉泉乡", "topics": "[交通出行]", "status": "resolved"}
    for line in lines:
        key = line.split(":", 1)[0]
        base.pop(key, None)
    fields = [f"{k}: {v}" for k, v in base.items()] + [line for line in lines if not line.startswith("-")]
    dropped = [line[1:] for line in lines if line.startswith("-")]
    fields = [f for f in fields if f.split(":", 1)[0] not in dropped]
    return "---\n" + "\n".join(fields) + "\n---\n" + body + "\n"


def test_a_full_case(ctx: Context) -> None:
    doc, problems = parse(ctx, """\
---
title: 南干渠新架桥梁，凉泉村群众出行不再绕远
date: 2021-06-20
township: 凉泉乡
villages: [韩店村, 凉泉村]
topics: [交通出行, irrigation]
status: 已办结
form: 议事会
convener: 储琳
participants: 6
beneficiaries: 400
outcome: 新建桥梁连接边道，工程已完工
timeline:
  - {date: 2021-11, stage: resolved, text: 桥梁完工}
  - {date: 2021-06, stage: 群众点单, text: 道路被拦断，群众出行不便}
  - date: 2021年7月
    stage: consulting
    text: 召开三次议事会
source: {name: 中安在线, url: https://bulletin.test/a}
slug: liangquan-bridge
draft: false
---
正文，见[卫生室](case:saikou-clinic)。
""")
    assert problems == []
    assert isinstance(doc, Case)
    assert doc.slug == "liangquan-bridge" and doc.township == "liangquan" and doc.status == "resolved"
    assert doc.villages == ("韩店村", "凉泉村") and doc.topics == ("transport", "irrigation")
    assert (doc.form, doc.convener, doc.participants, doc.beneficiaries) == ("议事会", "储琳", 6, 400)
    assert [(e.when.iso(), e.stage) for e in doc.timeline] == [
        ("2021-06", "raised"), ("2021-07", "consulting"), ("2021-11", "resolved")]
    assert doc.source is not None and doc.source.url == "https://bulletin.test/a"
    assert doc.links == (("case", "saikou-clinic", 23),)
    assert doc.body_start_line == 23 and doc.body.startswith("正文")


@pytest.mark.parametrize(("value", "iso"), [
    ("2021-06-20", "2021-06-20"), ("2021-06", "2021-06"), ("2021年6月20日", "2021-06-20"),
    ("2022-01-04 00:18:21", "2022-01-04"), ("2021-06-20 10:00:00 +0800", "2021-06-20"),
    ("Tue, 04 Jan 2022 00:18:21 GMT", "2022-01-04"), ("'2021-06-20'", "2021-06-20"),
])
def test_every_date_form_in_front_matter(ctx: Context, value: str, iso: str) -> None:
    doc, problems = parse(ctx, case_file(f"date: {value}"))
    assert problems == [] and isinstance(doc, Case) and doc.when.iso() == iso


@pytest.mark.parametrize(("status", "key"), [
    ("raised", "raised"), ("群众点单", "raised"), ("委员买单", "adopted"), ("协商接单", "consulting"),
    ("跟进查单", "following_up"), ("已办结", "resolved"), (" resolved ", "resolved"),
])
def test_stage_keys_and_chinese_labels(ctx: Context, status: str, key: str) -> None:
    doc, problems = parse(ctx, case_file(f"status: '{status}'"))
    assert problems == [] and isinstance(doc, Case) and doc.status == key


def test_configured_stage_labels_are_aliases_too(tmp_path: Path) -> None:
    ctx = context_for(tmp_path, "stages:\n  resolved: 办结反馈\n")
    doc, problems = parse(ctx, case_file("status: 办结反馈"))
    assert problems == [] and isinstance(doc, Case) and doc.status == "resolved"
    doc, problems = parse(ctx, case_file("status: 已办结"))   # the default label still works
    assert problems == [] and isinstance(doc, Case) and doc.status == "resolved"


def test_default_slug_is_the_pinyin_of_the_title(ctx: Context) -> None:
    doc, _ = parse(ctx, case_file("title: 扬子街道“妈妈班”弹性工时试点"))
    assert isinstance(doc, Case) and doc.slug == "yang-zi-jie-dao-ma-ma-ban-tan-xing-gong-shi-shi-dian"


def test_township_as_a_path_and_by_slug(ctx: Context) -> None:
    for township in ("望江县/凉泉乡", "安徽省/凉泉乡", "liangquan"):
        doc, problems = parse(ctx, case_file(f"township: {township}"))
        assert problems == [] and isinstance(doc, Case) and doc.township == "liangquan"


# Each of these files has one defect; the message must name the line of the offending key or item.
@pytest.mark.parametrize(("lines", "expected"), [
    (("outcom: x",), "content/cases/x.md:7: 案例 front matter 中有未知的键「outcom」；你是不是想写 outcome？"),
    (("participants: 六人",), "content/cases/x.md:7: 「participants」应为整数，例如 participants: 6"),
    (("participants: -3",), "content/cases/x.md:7: 「participants」不能是负数"),
    (("draft: no",), "content/cases/x.md:7: 「draft」应为 true 或 false，例如 draft: false"),
    (("township: 凉泉镇",), "content/cases/x.md:6: content/places.yaml 中没有乡镇（街道）「凉泉镇」；你是不是想写 凉泉乡？"),
    (("topics: [交通出形]",), "content/cases/x.md:6: content/topics.yaml 中没有议题「交通出形」；你是不是想写 交通出行？"),
    (("topics: [教育]",), "content/cases/x.md:6: content/topics.yaml 中没有议题「教育」；可用的议题：交通出行、农田水利"),
    (("status: resolvd",), ("content/cases/x.md:6: 「status」的值「resolvd」不是已知的阶段；应为 群众点单、委员买单、协商接单、跟进查单、已办结 "
                            "之一（或 raised、adopted、consulting、following_up、resolved）；你是不是想写 resolved？")),
    (("date: 2021-13-45",), "content/cases/x.md:6: 无法识别的日期「2021-13-45」；可写成 2021-06-20、2021-06 或 2021年6月20日"),
    (("-topics",), "content/cases/x.md:1: 缺少必填字段「topics」，例如 topics: [交通出行]"),
    (("topics: []",), "content/cases/x.md:6: 必填字段「topics」没有填写内容，例如 topics: [交通出行]"),
    (("topics:",), "content/cases/x.md:6: 必填字段「topics」没有填写内容，例如 topics: [交通出行]"),
    (("title: ''",), "content/cases/x.md:6: 必填字段「title」没有填写内容，例如 title: 南干渠新架桥梁"),
    (("township: ''",), "content/cases/x.md:6: 必填字段「township」没有填写内容，例如 township: 凉泉乡"),
    (("township:",), "content/cases/x.md:6: 必填字段「township」没有填写内容，例如 township: 凉泉乡"),
    (("status:",), "content/cases/x.md:6: 必填字段「status」没有填写内容，例如 status: resolved"),
    (("status: ''",), "content/cases/x.md:6: 必填字段「status」没有填写内容，例如 status: resolved"),
    (("date:",), "content/cases/x.md:6: 必填字段「date」没有填写内容，例如 date: 2021-06-20"),
    (("slug: Liangquan_Bridge",), ("content/cases/x.md:7: slug「Liangquan_Bridge」只能用小写英文字母、数字和单个连字符"
                                   "（最多 80 个字符），例如 liangquan-bridge")),
    (("villages: [韩店村, 韩店]",), "content/cases/x.md:7: 「凉泉乡」下没有村（社区）「韩店」；你是不是想写 韩店村？"),
    (("source: {name: 内部, url: 'javascript:alert(1)'}",),
     "content/cases/x.md:7: 来源链接「javascript:alert(1)」只能是 http:// 或 https:// 开头的网址"),
    (("source: ftp://example.org/a",), "content/cases/x.md:7: 来源链接「ftp://example.org/a」只能是 http:// 或 https:// 开头的网址"),
    (("timeline: 召开议事会",), "content/cases/x.md:7: timeline 应为列表，每项如 - {date: 2021-06, stage: raised, text: 群众反映}"),
    (("timeline: [{date: 2021-06, stage: raisd, text: x}]",),
     ("content/cases/x.md:7: 「stage」的值「raisd」不是已知的阶段；应为 群众点单、委员买单、协商接单、跟进查单、已办结 "
      "之一（或 raised、adopted、consulting、following_up、resolved）；你是不是想写 raised？")),
])
def test_one_defect_one_located_message(ctx: Context, lines: tuple[str, ...], expected: str) -> None:
    doc, problems = parse(ctx, case_file(*lines))
    assert doc is None
    assert problems == [expected]


def test_block_lists_point_at_the_item(ctx: Context) -> None:
    _, problems = parse(ctx, case_file("topics:\n  - 交通出行\n  - 交通出形", "villages:\n  - 韩店村\n  - 凉泉"))
    assert problems == ["content/cases/x.md:8: content/topics.yaml 中没有议题「交通出形」；你是不是想写 交通出行？",
                        "content/cases/x.md:11: 「凉泉乡」下没有村（社区）「凉泉」；你是不是想写 凉泉村？"]


def test_timeline_entries_are_checked_at_their_own_lines(ctx: Context) -> None:
    _, problems = parse(ctx, case_file(
        "timeline:\n  - {date: 2021-06, text: 群众反映}\n  - date: 2021-99\n    text: x\n  - {date: 2021-07, txt: y}\n  - 召开会议"))
    assert problems == [
        "content/cases/x.md:9: 无法识别的日期「2021-99」；可写成 2021-06-20、2021-06 或 2021年6月20日",
        "content/cases/x.md:11: timeline 条目中有未知的键「txt」；你是不是想写 text？",
        "content/cases/x.md:11: 缺少必填字段「text」，例如 text: 召开议事会",
        "content/cases/x.md:12: timeline 的每一项应包含 date 和 text，例如 {date: 2021-06, text: 召开议事会}",
    ]


def test_all_problems_of_a_file_at_once(ctx: Context) -> None:
    _, problems = parse(ctx, "---\ntitle: x\ndate: 明天\ntownship: 不存在乡\ntopics: [不存在]\nstatus: 完成\nfoo: 1\n"
                             "participants: 六\nbeneficiaries: -1\nform: [a]\nconvener: {a: 1}\noutcome: [b]\n---\n")
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]


@pytest.mark.parametrize(("kind", "text", "lines"), [
    ("reports", "---\ndate: 2021-13-01\nauthor: [a, b]\nheadimg: {x: 1}\n---\n", ["1", "2", "3", "4"]),
    ("pages", "---\ndescription: [a]\nslug: Bad\n---\n", ["1", "2", "3"]),
])
def test_all_problems_of_reports_and_pages_at_once(ctx: Context, kind: str, text: str, lines: list[str]) -> None:
    _, problems = parse(ctx, text, kind=kind)
    assert [p.split(":")[1] for p in problems] == lines


@pytest.mark.parametrize("url", ["http://example.org/a", "https://bulletin.test/a?b=1#c", "HTTPS://EXAMPLE.ORG/"])
def test_http_sources_are_fine(ctx: Context, url: str) -> None:
    doc, problems = parse(ctx, case_file(f"source: {{name: 来源, url: '{url}'}}"))
    assert problems == [] and isinstance(doc, Case) and doc.source is not None and doc.source.url == url


@pytest.mark.parametrize("url", ["data:text/html,x", "//example.org/a", "https:/example.org", "file:///etc/passwd",
                                 "https://exa mple.org/", "vbscript:x", "example.org/a"])
def test_non_http_sources_are_errors(ctx: Context, url: str) -> None:
    doc, problems = parse(ctx, case_file(f"source: {{name: 来源, url: '{url}'}}"))
    assert doc is None and len(problems) == 1 and "只能是 http:// 或 https://" in problems[0]


def test_bom_crlf_and_blank_lines_before_the_fence(ctx: Context) -> None:
    text = "\r\n\r\n" + case_file("slug: bom-case", body="第一行\n\n见[桥](case:other)").replace("\n", "\r\n")
    doc, problems = parse(ctx, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert problems == [] and isinstance(doc, Case) and doc.slug == "bom-case"
    assert doc.links == (("case", "other", 13),) and "\r" not in doc.body


@pytest.mark.parametrize(("data", "expected"), [
    ("---\ntitle: 标题\n---\n".encode("gbk"),
     "content/cases/x.md:2: 文件不是 UTF-8 编码（这一行起无法读取，可能是 GBK）；请在编辑器中以 UTF-8 编码另存"),
    (b"---\ntitle: x\x00\n---\n", "content/cases/x.md:2: 文件中有空字符（NUL），可能不是文本文件；请删除该字符或用文本编辑器另存"),
    ("正文\n".encode(), "content/cases/x.md:1: 文件开头缺少 front matter：第一行应为 ---，然后是 title、date 等字段，再以 --- 结束"),
    ("---\n---\n正文\n".encode(), "content/cases/x.md:1: front matter 是空的：至少需要 title 等必填字段"),
    (b"---\n- a\n---\n", "content/cases/x.md:1: front matter 应为「键: 值」形式，例如 title: 标题"),
    (b"\n---\ntitle: a\ntitle: b\n---\n", "content/cases/x.md:4: 键「title」重复（第 3 行已经写过）；请删除其中一个"),
])
def test_whole_file_problems(ctx: Context, data: bytes, expected: str) -> None:
    doc, problems = parse(ctx, data)
    assert doc is None and problems == [expected]


def test_links_are_found_with_their_lines(ctx: Context) -> None:
    body = "第一段[a](case:one)。\n\n[b](report:two#part) 与 <a href=\"page:about\">关于</a>\n\n[c]: case:three\n普通链接 [d](https://x.org/case:no)"
    doc, _ = parse(ctx, case_file(body=body))
    assert isinstance(doc, Case)
    assert doc.links == (("case", "one", 8), ("report", "two", 10), ("page", "about", 10), ("case", "three", 12))


def test_link_syntax_shown_as_code_is_not_a_link(ctx: Context) -> None:
    body = ("写法：`[文字](case:SLUG)`，或 ``[x](page:y)``。\n\n````markdown\n[示例](case:example)\n```\n还在代码里 [z](case:z)\n````\n\n"
            "~~~\n[t](report:t)\n~~~\n[真链接](case:real) 与 `代码` 和 [另一个](case:real-2)\n")
    doc, problems = parse(ctx, case_file(body=body), kind="cases")
    assert problems == [] and isinstance(doc, Case)
    assert doc.links == (("case", "real", 19), ("case", "real-2", 19))


def test_a_hexo_report_is_accepted_unchanged(ctx: Context) -> None:
    doc, problems = parse(ctx, """\

---
title: '政协履职如何深植基层沃土'
categories:
 - 新媒体
 - 趣头条
headimg: 'https://picsum.photos/400/300?random=8022'
author: 趣头条
comments: false
layout: post
permalink: /2022/01/04/x/
date: Tue, 04 Jan 2022 00:18:21 GMT
thumbnail: 'https://picsum.photos/400/300?random=8022'
mathjax: true
---
<div><p>正文</p></div>
""", kind="reports", rel="content/reports/zheng-xie.md")
    assert problems == []
    assert isinstance(doc, Report)
    assert doc.slug == "zheng-xie" and doc.when.iso() == "2022-01-04"
    assert doc.categories == ("新媒体", "趣头条") and doc.author == "趣头条"
    assert doc.image == "https://picsum.photos/400/300?random=8022"


def test_a_jekyll_report_with_its_date_in_the_file_name(ctx: Context) -> None:
    doc, problems = parse(ctx, "---\ntitle: 协商下沉乡镇\ntags: 基层协商 望江县\ncases:\n  - liangquan-bridge\n---\n正文\n",
                          kind="reports", rel="content/reports/2021-06-20-xieshang.md")
    assert problems == [] and isinstance(doc, Report)
    assert doc.slug == "xieshang" and doc.when.iso() == "2021-06-20"
    assert doc.tags == ("基层协商", "望江县") and doc.cases == ("liangquan-bridge",)
    assert ("case", "liangquan-bridge", 5) in doc.links


@pytest.mark.parametrize(("name", "slug"), [
    ("2022-01-04-报道.md", "bao-dao"),          # the file name, in pinyin
    ("2022-01-04.md", "zheng-xie-lv-zhi"),      # no name after the date: the title (履 is lv)
    ("Report_2022.md", "report-2022"),
])
def test_report_slug_falls_back_to_file_name_then_title(ctx: Context, name: str, slug: str) -> None:
    doc, _ = parse(ctx, "---\ntitle: 政协履职\ndate: 2022-01-04\n---\n", kind="reports", rel=f"content/reports/{name}")
    assert isinstance(doc, Report) and doc.slug == slug


def test_report_without_any_date_is_an_error(ctx: Context) -> None:
    doc, problems = parse(ctx, "---\ntitle: 没有日期\n---\n", kind="reports", rel="content/reports/no-date.md")
    assert doc is None and problems == ["content/reports/no-date.md:1: 缺少必填字段「date」，例如 date: 2022-01-04"]


def test_report_with_an_empty_date_is_not_silently_dropped(ctx: Context) -> None:
    doc, problems = parse(ctx, "---\ntitle: 日期空着\ndate:\n---\n", kind="reports", rel="content/reports/empty.md")
    assert doc is None and problems == ["content/reports/empty.md:3: 必填字段「date」没有填写内容，例如 date: 2022-01-04"]


def test_report_unsafe_image_is_dropped(ctx: Context) -> None:
    doc, problems = parse(ctx, "---\ntitle: x\ndate: 2022-01-04\nheadimg: 'javascript:alert(1)'\n---\n", kind="reports")
    assert problems == [] and isinstance(doc, Report) and doc.image == ""


def test_pages(ctx: Context) -> None:
    doc, problems = parse(ctx, "---\ntitle: 关于本公报\ndescription: 说明\n---\n正文\n", kind="pages", rel="content/pages/about.md")
    assert problems == [] and isinstance(doc, Page) and doc.slug == "about" and doc.when is None
    _, problems = parse(ctx, "---\ntitle: 关于\nlayout: page\n---\n", kind="pages")
    assert problems == ["content/pages/x.md:3: 页面 front matter 中有未知的键「layout」；可用的键：title、slug、date、description、draft、photos、attachments"]


def test_english_messages(tmp_path: Path) -> None:
    ctx = context_for(tmp_path, "language: en\n")
    _, problems = parse(ctx, case_file("status: resolvd", "outcom: x"))
    assert problems == [
        ("content/cases/x.md:6: `status` value `resolvd` is not a known stage; use one of raised, adopted, consulting, "
         "following_up, resolved (or its label); did you mean `resolved`?"),
        "content/cases/x.md:7: unknown key `outcom` in case front matter; did you mean `outcome`?",
    ]


def test_discover_is_sorted_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    make_site(tmp_path, {
        "content/cases/b.md": "", "content/cases/a/z.md": "", "content/cases/.hidden/c.md": "", "content/cases/.d.md": "x",
        "content/cases/notes.txt": "", "content/reports/r.md": "", "content/pages/p.md": "", "content/other/o.md": "",
    })
    assert discover(tmp_path) == [("cases", "content/cases/a/z.md"), ("cases", "content/cases/b.md"),
                                  ("pages", "content/pages/p.md"), ("reports", "content/reports/r.md")]


def test_problem_values_are_plain_data() -> None:
    assert Problem("a.md", 3, "m").format() == "a.md:3: m"
    assert Problem("a.md", 0, "m").format() == "a.md: m"


def test_problems_are_collected_once_each_and_sorted() -> None:
    problems = Problems("en")
    problems.add("b.md", 2, "乙", "b")
    problems.add("a.md", None, "甲", "a")
    problems.extend([Problem("b.md", 2, "b"), Problem("a.md", 5, "w", warning=True)])
    problems.add("b.md", 2, "乙", "b")
    assert [p.format() for p in problems.errors] == ["a.md: a", "b.md:2: b"]
    assert [p.format() for p in problems.warnings] == ["a.md:5: warning: w"]
    assert len(problems.items) == 3


ODD_VALUES = ["", "~", "[]", "{}", "[[]]", "[{}]", "[~]", "0", "-1", "1.5", ".inf", ".nan", "true", "'  '", "[2021-06-20]",
              "{a: 1}", "[a, [b]]", "[{date: x, text: y, stage: z}]", "!!str 1", "!!int '3'", "!!omap [{a: 1}]",
              "!!set {a}", "!!binary aGVsbG8=", "9999999999999999999999", "1e400", "{name: [a], url: {b: 1}}", "\"\\u0000\""]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_any_field_are_problems_never_crashes(ctx: Context, value: str) -> None:
    from generator.source.readers import CASE_KEYS, PAGE_KEYS, REPORT_KNOWN
    for kind, keys in (("cases", CASE_KEYS), ("reports", REPORT_KNOWN), ("pages", PAGE_KEYS)):
        for key in keys:
            text = case_file(f"{key}: {value}") if kind == "cases" else \
                "---\n" + "".join(f"{k}: x\n" for k in ("title",) if k != key) + f"{key}: {value}\ndate: 2021-06-20\n---\n" \
                if key != "date" else f"---\ntitle: t\ndate: {value}\n---\n"
            doc, problems = parse_document(kind, f"content/{kind}/x.md", text.encode(), ctx)
            assert doc is not None or problems, (kind, key)
            for problem in problems:
                assert problem.line >= 1 and problem.format()

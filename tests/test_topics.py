"""content/topics.yaml: names, default slugs, problems at their lines."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_site

from generator.core.errors import Problems
from generator.source.topics import Topic, load_topics


def topics_of(tmp_path: Path, text: str | bytes, lang: str = "zh-CN") -> tuple[tuple[Topic, ...], Problems]:
    make_site(tmp_path, {"content/topics.yaml": text}, defaults=False)
    problems = Problems(lang)
    return load_topics(tmp_path, problems), problems


def test_names_slugs_and_descriptions(tmp_path: Path) -> None:
    topics, problems = topics_of(tmp_path, "- name: 交通出行\n  slug: transport\n  description: 道路、桥梁\n- name: 农田水利\n- 医疗卫生\n")
    assert not problems.items
    assert topics == (Topic("交通出行", "transport", "道路、桥梁", 1), Topic("农田水利", "nong-tian-shui-li", "", 4),
                      Topic("医疗卫生", "yi-liao-wei-sheng", "", 5))


@pytest.mark.parametrize(("text", "line", "part"), [
    ("- name: 交通出行\n  slgu: transport\n", 2, "你是不是想写 slug"),
    ("- name: 交通出行\n  slug: Transport\n", 2, "slug「Transport」"),
    ("- name: 交通出行\n- name: 交通出行\n", 2, "重复（第 1 行已有）"),
    ("- name: 交通出行\n  slug: water\n- name: 农田水利\n  slug: water\n", 3, "与第 1 行的「交通出行」相同"),
    ("- description: 没有名称\n", 1, "缺少必填字段「name」"),
    ("- name: [a]\n", 1, "应为文字"),
    ("- [a]\n", 1, "每个议题"),
    ("交通出行: transport\n", 1, "应为列表"),
    ("- name: 交通出行\n  name: 农田水利\n", 2, "重复"),
])
def test_problems(tmp_path: Path, text: str, line: int, part: str) -> None:
    _, problems = topics_of(tmp_path, text)
    assert [(p.path, p.line) for p in problems.errors] == [("content/topics.yaml", line)], problems.errors
    assert part in problems.errors[0].message


def test_english_messages(tmp_path: Path) -> None:
    _, problems = topics_of(tmp_path, "- name: Transport\n  slgu: transport\n", lang="en")
    assert [p.format() for p in problems.errors] == [
        "content/topics.yaml:2: unknown key `slgu` in a topic; did you mean `slug`?"]


def test_missing_or_not_utf8(tmp_path: Path) -> None:
    problems = Problems()
    assert load_topics(tmp_path, problems) == ()
    assert problems.errors[0].path == "content/topics.yaml" and problems.errors[0].line == 0
    _, problems = topics_of(tmp_path, "- name: 交通出行\n".encode("gbk"))
    assert "UTF-8" in problems.errors[0].message

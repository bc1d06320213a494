"""site.yaml: defaults, types, languages, stages; build options and today."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import make_site

from generator.source.config import STAGE_KEYS, SiteConfig, load_config, today_for
from generator.core.errors import Problems

pytestmark = pytest.mark.clock   # depends on today: tests/test_clock.py runs it at two wall-clock hours


def config_of(tmp_path: Path, text: str | bytes) -> tuple[SiteConfig, Problems]:
    make_site(tmp_path, {"site.yaml": text}, defaults=False)
    problems = Problems()
    return load_config(tmp_path, problems), problems


def test_defaults_without_site_yaml(tmp_path: Path) -> None:
    problems = Problems()
    config = load_config(tmp_path, problems)
    assert not problems.items
    assert (config.language, config.timezone, config.theme, config.per_page) == ("zh-CN", "Asia/Shanghai", "default", 10)
    assert [s.key for s in config.stages] == list(STAGE_KEYS)
    assert [s.label for s in config.stages] == ["群众点单", "委员买单", "协商接单", "跟进查单", "已办结"]


def test_a_full_site_yaml(tmp_path: Path) -> None:
    config, problems = config_of(tmp_path, """\
title: 望江县协商公报
description: 说明
base_url: https://bulletin.test/bulletin
language: zh-CN
timezone: Asia/Urumqi
theme: default
per_page: 5
author: 编辑部
feed_limit: 3
index_links: true
stages:
  resolved: 已反馈
  raised: 群众提出
""")
    assert not problems.items
    assert config.title == "望江县协商公报" and config.base_url == "https://bulletin.test/bulletin/"
    assert config.tz == ZoneInfo("Asia/Urumqi") and config.per_page == 5 and config.feed_limit == 3
    assert config.index_links is True
    assert [s.label for s in config.stages] == ["群众提出", "委员买单", "协商接单", "跟进查单", "已反馈"]
    assert config.stage("resolved").index == 4


def test_english_stage_labels_by_default(tmp_path: Path) -> None:
    config, _ = config_of(tmp_path, "language: en\n")
    assert config.language == "en" and config.stage("raised").label == "Raised by residents"


@pytest.mark.parametrize(("text", "expected"), [
    ("title: x\nper_pag: 2\n", "site.yaml:2: site.yaml 中有未知的键「per_pag」；你是不是想写 per_page？"),
    ("titel: x\n", "site.yaml:1: site.yaml 中有未知的键「titel」；你是不是想写 title？"),
    ("per_page: 十\n", "site.yaml:1: 「per_page」应为整数，例如 per_page: 10"),
    ("per_page: 0\n", "site.yaml:1: per_page 至少为 1"),
    ("per_page: true\n", "site.yaml:1: 「per_page」应为整数，例如 per_page: 10"),
    ("title: [a, b]\n", "site.yaml:1: 「title」应为文字，例如 title: 望江县协商公报"),
    ("base_url: example.org\n", "site.yaml:1: base_url 应以 http:// 或 https:// 开头，例如 https://example.org/"),
    ("timezone: Mars/Olympus\n", "site.yaml:1: 未知的时区「Mars/Olympus」，例如 timezone: Asia/Shanghai"),
    ("language: fr\n", "site.yaml:1: language 应为 zh-CN、en 之一"),
    ("index_links: yes\n", "site.yaml:1: 「index_links」应为 true 或 false，例如 index_links: true"),
    ("stages:\n  resolvd: 已办结\n", ("site.yaml:2: 未知的阶段「resolvd」；阶段只能改名，不能增加或调整顺序："
                                    "raised、adopted、consulting、following_up、resolved；你是不是想写 resolved？")),
    ("stages:\n  resolved: [a]\n", "site.yaml:2: 阶段「resolved」的名称应为文字"),
    ("stages: [a, b]\n", "site.yaml:1: stages 应为「阶段键: 名称」，例如 resolved: 已办结"),
    ("title: a\ntitle: b\n", "site.yaml:2: 键「title」重复（第 1 行已经写过）；请删除其中一个"),
    ("- a\n", "site.yaml:1: site.yaml 应为「键: 值」形式"),
])
def test_problems_are_located_and_explained(tmp_path: Path, text: str, expected: str) -> None:
    _, problems = config_of(tmp_path, text)
    assert [p.format() for p in problems.errors] == [expected]


def test_english_site_gets_english_messages_even_for_earlier_lines(tmp_path: Path) -> None:
    _, problems = config_of(tmp_path, "titel: x\nlanguage: en\n")
    assert [p.format() for p in problems.errors] == ["site.yaml:1: unknown key `titel` in site.yaml; did you mean `title`?"]


def test_not_utf8(tmp_path: Path) -> None:
    _, problems = config_of(tmp_path, "title: 公报\n".encode("gbk"))
    assert [p.format() for p in problems.errors] == ["site.yaml: 文件不是 UTF-8 编码；请用 UTF-8 另存"]


def test_empty_site_yaml_means_defaults(tmp_path: Path) -> None:
    config, problems = config_of(tmp_path, "# nothing yet\n")
    assert not problems.items and config.title == SiteConfig().title


def test_today_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2022-01-04 20:00 UTC is already the 5th in Shanghai
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2022, 1, 4, 20, tzinfo=dt.UTC).timestamp())))
    assert today_for(ZoneInfo("Asia/Shanghai")) == dt.date(2022, 1, 5)
    assert today_for(ZoneInfo("UTC")) == dt.date(2022, 1, 4)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert today_for(ZoneInfo("Asia/Shanghai")) == dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()

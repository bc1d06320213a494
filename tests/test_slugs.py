"""ASCII slugs: pinyin that knows words, an 80-character cut at a word, the slug rule."""
from __future__ import annotations

import pytest

from generator.core.slugs import MAX_SLUG, is_valid_slug, slugify


@pytest.mark.parametrize(("text", "slug"), [
    ("凉泉乡", "liang-quan-xiang"),
    ("扬子街道", "yang-zi-jie-dao"),
    ("南干渠新架桥梁", "nan-gan-qu-xin-jia-qiao-liang"),
    ("扬子街道“妈妈班”弹性工时试点意见反馈", "yang-zi-jie-dao-ma-ma-ban-tan-xing-gong-shi-shi-dian-yi-jian-fan-kui"),
    ("弹性", "tan-xing"),
    ("重庆长寿区", "chong-qing-chang-shou-qu"),
    ("银行行长", "yin-hang-hang-zhang"),
    ("造甲乡：道路畅通工程（造甲至陈刘段）", "zao-jia-xiang-dao-lu-chang-tong-gong-cheng-zao-jia-zhi-chen-liu-duan"),
    ("211省道拦断道路", "211-sheng-dao-lan-duan-dao-lu"),
    ("About Us", "about-us"),
    ("  Hello,   World!  ", "hello-world"),
    ("Café résumé", "cafe-resume"),
    ("ABC 中文 123", "abc-zhong-wen-123"),
    ("", ""),
    ("！？。", ""),
    ("🙂", ""),
])
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slug == "" or is_valid_slug(slug)


def test_long_titles_are_cut_at_a_word_within_80_characters() -> None:
    title = "长丰县杨庙镇庙南社区老圩岔路口村民组放水支渠清淤硬化改造民生工程协商议事成果反馈与跟踪督办情况通报"
    slug = slugify(title)
    assert 60 < len(slug) <= MAX_SLUG == 80
    assert is_valid_slug(slug)
    full = "-".join(__import__("pypinyin").lazy_pinyin(title))
    assert full.startswith(slug + "-")   # cut exactly between two syllables


def test_cut_at_a_word_for_ascii_too() -> None:
    slug = slugify(" ".join(["consultation"] * 10))
    assert slug == "-".join(["consultation"] * 6) and len(slug) == 77


def test_a_single_overlong_word_is_truncated() -> None:
    assert slugify("a" * 100) == "a" * 80
    assert slugify("abc def", max_length=5) == "abc"


@pytest.mark.parametrize(("slug", "valid"), [
    ("liangquan-bridge", True), ("a", True), ("2021-report", True), ("a1-b2-c3", True),
    ("Liangquan", False), ("liangquan_bridge", False), ("-a", False), ("a-", False), ("a--b", False),
    ("", False), ("凉泉", False), ("a b", False), ("a/b", False), ("..", False), ("a" * 80, True), ("a" * 81, False),
])
def test_slug_rule(slug: str, valid: bool) -> None:
    assert is_valid_slug(slug) is valid
